import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** What a request carrying an Idempotency-Key should do. */
export type IdempotencyClaim =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; response: string }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

export interface IdempotencyOptions {
  /** A claim left unfinished this long (its process died) may be taken over. */
  readonly abandonAfterMs: number;
  /** Keys are remembered this long, then forgotten (and may be reused). */
  readonly retainMs: number;
}

export const DEFAULT_IDEMPOTENCY: IdempotencyOptions = { abandonAfterMs: 60_000, retainMs: 24 * 3_600_000 };

const isUniqueViolation = (err: unknown) => {
  const code = (err as { code?: string }).code ?? '';
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
};

/**
 * The durable record of idempotency keys (SQLite or PostgreSQL). Claiming is
 * an insert on the (scope, key) primary key, so of two concurrent requests
 * with one key exactly one is handled; the other sees it in progress.
 */
export function idempotencyKeyRepository(db: Kysely<Database>, opts: IdempotencyOptions = DEFAULT_IDEMPOTENCY) {
  let lastPrune = 0;
  async function prune(now: number): Promise<void> {
    if (now - lastPrune < 60_000) return;
    lastPrune = now;
    await db.deleteFrom('idempotency_keys').where('created_at', '<', now - opts.retainMs).execute();
  }

  return {
    async claim(scope: string, key: string, fingerprint: string, now = Date.now()): Promise<IdempotencyClaim> {
      await prune(now);
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await db.insertInto('idempotency_keys').values({ scope, key, fingerprint, status: null, response: null, created_at: now, completed_at: null }).execute();
          return { kind: 'claimed' };
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
        }
        const row = await db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
        if (!row) continue; // released meanwhile: claim again
        if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
        if (row.status !== null) return { kind: 'replay', status: Number(row.status), response: row.response ?? '' };
        if (now - Number(row.created_at) < opts.abandonAfterMs) return { kind: 'in_progress' };
        // Its first request died unfinished: take it over, if no one else did first.
        const taken = await db
          .updateTable('idempotency_keys')
          .set({ created_at: now })
          .where('scope', '=', scope)
          .where('key', '=', key)
          .where('status', 'is', null)
          .where('created_at', '=', row.created_at)
          .executeTakeFirst();
        return Number(taken.numUpdatedRows) === 1 ? { kind: 'claimed' } : { kind: 'in_progress' };
      }
      return { kind: 'in_progress' };
    },

    /** Keeps the first answer for replays. */
    async complete(scope: string, key: string, status: number, response: string, now = Date.now()): Promise<void> {
      await db.updateTable('idempotency_keys').set({ status, response, completed_at: now }).where('scope', '=', scope).where('key', '=', key).execute();
    },

    /** Forgets an unfinished claim (the request failed): the key may be sent again. */
    async release(scope: string, key: string): Promise<void> {
      await db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).where('status', 'is', null).execute();
    },
  };
}
export type IdempotencyKeyRepository = ReturnType<typeof idempotencyKeyRepository>;
