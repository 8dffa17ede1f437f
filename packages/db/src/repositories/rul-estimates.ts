import type { RulEstimateRecord } from '@hourmeter/domain';
import type { Kysely, Selectable } from 'kysely';
import type { Database, RulEstimatesTable } from '../schema.js';

function fromRow(r: Selectable<RulEstimatesTable>): RulEstimateRecord {
  return {
    assetId: r.asset_id,
    ts: Number(r.ts),
    modelVersion: r.model_version,
    hours: Number(r.hours),
    lowerHours: Number(r.lower_hours),
    upperHours: Number(r.upper_hours),
    ...(r.failure_mode === null ? {} : { failureMode: r.failure_mode }),
    ...(r.failure_probability === null ? {} : { failureProbability: Number(r.failure_probability) }),
  };
}

export interface RulHistoryQuery {
  from?: number | undefined;
  to?: number | undefined;
  limit?: number | undefined;
}

/** Every RUL estimate the prediction service received, per asset: the RUL history. */
export function rulEstimateRepository(db: Kysely<Database>) {
  /** Stores estimates in one statement per 1,000 (PostgreSQL's bind limit); duplicates are ignored as by `record`. */
  async function recordMany(es: readonly RulEstimateRecord[], now = Date.now()): Promise<void> {
    for (let i = 0; i < es.length; i += 1_000) {
      await db
        .insertInto('rul_estimates')
        .values(
          es.slice(i, i + 1_000).map((e) => ({
            asset_id: e.assetId,
            ts: e.ts,
            model_version: e.modelVersion,
            hours: e.hours,
            lower_hours: e.lowerHours,
            upper_hours: e.upperHours,
            failure_mode: e.failureMode ?? null,
            failure_probability: e.failureProbability ?? null,
            created_at: now,
          })),
        )
        .onConflict((oc) => oc.columns(['asset_id', 'ts', 'model_version']).doNothing())
        .execute();
    }
  }

  return {
    recordMany,

    /** Stores an estimate; the same asset, time and model version again is ignored. */
    async record(e: RulEstimateRecord, now = Date.now()): Promise<void> {
      await recordMany([e], now);
    },

    /** Estimates in [from, to), oldest first; at most `limit` (default 1000), the newest ones. */
    async history(assetId: string, q: RulHistoryQuery = {}): Promise<RulEstimateRecord[]> {
      let qb = db.selectFrom('rul_estimates').selectAll().where('asset_id', '=', assetId);
      if (q.from !== undefined) qb = qb.where('ts', '>=', q.from);
      if (q.to !== undefined) qb = qb.where('ts', '<', q.to);
      const rows = await qb
        .orderBy('ts', 'desc')
        .orderBy('model_version')
        .limit(Math.min(Math.max(q.limit ?? 1000, 1), 10_000))
        .execute();
      return rows.reverse().map(fromRow);
    },
  };
}

export type RulEstimateRepository = ReturnType<typeof rulEstimateRepository>;
