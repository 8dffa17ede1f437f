import type { WorkOrder, WorkOrderEvent } from '@hourmeter/domain';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { DEFAULT_PAGE, MAX_PAGE, type Page } from './crud.js';
import { ACTIVE_STATES, num, workOrderFromRow, type WorkOrderState } from './work-orders-rows.js';
import { workOrderReader } from './work-orders-shared.js';

export interface WorkOrderFilters {
  state?: string | undefined;
  kind?: string | undefined;
  assetId?: string | undefined;
  failureMode?: string | undefined;
}

/** Orders as people read them: one, a page, the active ones, a completion, the history. */
export function workOrderReadsRepository(db: Kysely<Database>) {
  const { find, get, completionOf } = workOrderReader(db);
  return {
    find,
    get,

    async list(opts: { limit?: number | undefined; cursor?: string | undefined; filters?: WorkOrderFilters | undefined } = {}): Promise<Page<WorkOrder>> {
      const limit = Math.min(Math.max(opts.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
      let q = db.selectFrom('work_orders').selectAll().orderBy('id').limit(limit + 1);
      if (opts.cursor) q = q.where('id', '>', opts.cursor);
      const f = opts.filters ?? {};
      if (f.state) q = q.where('state', '=', f.state);
      if (f.kind) q = q.where('kind', '=', f.kind);
      if (f.assetId) q = q.where('asset_id', '=', f.assetId);
      if (f.failureMode) q = q.where('failure_mode', '=', f.failureMode);
      const rows = await q.execute();
      return { items: rows.slice(0, limit).map(workOrderFromRow), nextCursor: rows.length > limit ? rows[limit - 1]!.id : null };
    },

    /** Orders still to do (open, scheduled, in progress), oldest first. */
    async active(): Promise<WorkOrder[]> {
      const rows = await db.selectFrom('work_orders').selectAll().where('state', 'in', ACTIVE_STATES).orderBy('id').execute();
      return rows.map(workOrderFromRow);
    },

    completion: completionOf,

    async events(id: string): Promise<WorkOrderEvent[]> {
      await get(id);
      const rows = await db.selectFrom('work_order_events').selectAll().where('work_order_id', '=', id).orderBy('at').orderBy('id').execute();
      return rows.map((r) => ({
        workOrderId: r.work_order_id,
        fromState: (r.from_state ?? null) as WorkOrderState | null,
        toState: r.to_state as WorkOrderState,
        actor: r.actor,
        at: num(r.at),
        ...(r.note ? { note: r.note } : {}),
      }));
    },
  };
}
