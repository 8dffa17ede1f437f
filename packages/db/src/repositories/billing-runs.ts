import { newId } from '@hourmeter/domain';
import { notFound } from '@hourmeter/runtime';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Invoice runs started in the background: their period, state and result. */
export function invoiceRunsRepository(db: Kysely<Database>) {
  return {
    async createRun(period: string, now = Date.now()): Promise<string> {
      const id = `run_${newId('invoice', now).slice(4)}`;
      await db.insertInto('invoice_runs').values({ id, period, status: 'running', started_at: now, finished_at: null, result: null }).execute();
      return id;
    },
    async finishRun(id: string, status: 'succeeded' | 'failed', result: unknown, now = Date.now()): Promise<void> {
      await db.updateTable('invoice_runs').set({ status, finished_at: now, result: JSON.stringify(result) }).where('id', '=', id).execute();
    },
    async getRun(id: string) {
      const r = await db.selectFrom('invoice_runs').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) throw notFound('invoice run', id);
      return {
        id: r.id,
        period: r.period,
        status: r.status as 'running' | 'succeeded' | 'failed',
        startedAt: Number(r.started_at),
        finishedAt: r.finished_at === null ? null : Number(r.finished_at),
        result: r.result === null ? null : (JSON.parse(r.result) as unknown),
      };
    },
  };
}
