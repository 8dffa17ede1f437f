import { PostgresAdapter, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, OperatingHoursTable } from '../schema.js';

/** One asset's operating time on one UTC day, as the hour meter computed it. */
export interface DailyOperatingTime {
  assetId: string;
  day: string;
  operatingMs: number;
  samples: number;
  gapMs: number;
  counterResets: number;
  firstSampleTs: number | null;
  lastSampleTs: number | null;
  /** The running rule and gap limit used (JSON), so a total can be re-derived. */
  settings: string;
  /** The day's 96 quarter hours (ms, summing to `operatingMs`), so it can be cut at any zone's midnight; null: recorded before they were kept. */
  quarterMs: number[] | null;
  version: number;
  computedAt: number;
}

export type DailyTotalInput = Omit<DailyOperatingTime, 'version' | 'computedAt' | 'quarterMs'> & { quarterMs?: number[] | null | undefined };

function fromRow(r: Selectable<OperatingHoursTable>): DailyOperatingTime {
  return {
    assetId: r.asset_id,
    day: r.day,
    operatingMs: Number(r.operating_ms),
    samples: Number(r.samples),
    gapMs: Number(r.gap_ms),
    counterResets: Number(r.counter_resets),
    firstSampleTs: r.first_sample_ts === null ? null : Number(r.first_sample_ts),
    lastSampleTs: r.last_sample_ts === null ? null : Number(r.last_sample_ts),
    settings: r.settings,
    quarterMs: r.quarter_ms ? (JSON.parse(r.quarter_ms) as number[]) : null,
    version: Number(r.version),
    computedAt: Number(r.computed_at),
  };
}

const sameTotal = (a: DailyOperatingTime, b: DailyTotalInput) =>
  a.operatingMs === b.operatingMs &&
  a.samples === b.samples &&
  a.gapMs === b.gapMs &&
  a.counterResets === b.counterResets &&
  a.settings === b.settings &&
  JSON.stringify(a.quarterMs) === JSON.stringify(b.quarterMs ?? null);

/**
 * Whether billing took a usage record from this version of the day: it is
 * then part of what was invoiced and must stay as it was.
 */
async function isBilled(tx: Transaction<Database>, v: DailyOperatingTime): Promise<boolean> {
  const uses = (table: 'usage_records' | 'usage_record_versions') =>
    tx.selectFrom(table).select('id').where('asset_id', '=', v.assetId).where('day', '=', v.day).where('source_version', '=', v.version);
  return (await uses('usage_records').union(uses('usage_record_versions')).limit(1).executeTakeFirst()) !== undefined;
}

export function operatingHoursRepository(db: Kysely<Database>) {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    /**
     * Stores a recomputed day. An unchanged total is not a new version, so
     * recomputing is idempotent; a changed one becomes version n+1 and the
     * previous versions stay in the history. With `amend`, a changed total
     * replaces the current version instead (the hour meter amends a day that
     * is still filling up in order), unless a usage record was taken from
     * that version: billed history is append-only. With `onlyIfRecorded`, a
     * day without a record stays without one.
     */
    async record(
      total: DailyTotalInput,
      opts: { amend?: boolean; onlyIfRecorded?: boolean; now?: number } = {},
    ): Promise<{ changed: boolean; current: DailyOperatingTime | undefined }> {
      const now = opts.now ?? Date.now();
      return db.transaction().execute(async (tx) => {
        // Locked on PostgreSQL (SQLite has one writer at a time): a usage sync
        // locks the same row, so "is this version billed?" and the amend
        // cannot interleave with billing taking the version.
        const existing = await tx
          .selectFrom('operating_hours_daily')
          .selectAll()
          .where('asset_id', '=', total.assetId)
          .where('day', '=', total.day)
          .$if(postgres, (q) => q.forUpdate())
          .executeTakeFirst();
        const previous = existing && fromRow(existing);
        if (!previous && opts.onlyIfRecorded) return { changed: false, current: undefined };
        if (previous && sameTotal(previous, total)) return { changed: false, current: previous };
        const amend = previous !== undefined && opts.amend === true && !(await isBilled(tx, previous));
        const row = {
          asset_id: total.assetId,
          day: total.day,
          operating_ms: total.operatingMs,
          samples: total.samples,
          gap_ms: total.gapMs,
          counter_resets: total.counterResets,
          first_sample_ts: total.firstSampleTs,
          last_sample_ts: total.lastSampleTs,
          settings: total.settings,
          quarter_ms: total.quarterMs ? JSON.stringify(total.quarterMs) : null,
          version: amend ? previous.version : (previous?.version ?? 0) + 1,
          computed_at: now,
        };
        if (amend) {
          await tx
            .updateTable('operating_hours_versions')
            .set(row)
            .where('asset_id', '=', total.assetId)
            .where('day', '=', total.day)
            .where('version', '=', previous.version)
            .execute();
        } else {
          await tx.insertInto('operating_hours_versions').values(row).execute();
        }
        if (previous) {
          await tx.updateTable('operating_hours_daily').set(row).where('asset_id', '=', total.assetId).where('day', '=', total.day).execute();
        } else {
          await tx.insertInto('operating_hours_daily').values(row).execute();
        }
        return { changed: true, current: fromRow(row) };
      });
    },

    /** Days in [fromDay, toDay], oldest first. */
    async days(assetId: string, fromDay: string, toDay: string): Promise<DailyOperatingTime[]> {
      const rows = await db
        .selectFrom('operating_hours_daily')
        .selectAll()
        .where('asset_id', '=', assetId)
        .where('day', '>=', fromDay)
        .where('day', '<=', toDay)
        .orderBy('day')
        .execute();
      return rows.map(fromRow);
    },

    /** The meter reading: all operating time of the asset up to and including `throughDay`. */
    async totalMs(assetId: string, throughDay?: string): Promise<number> {
      let q = db
        .selectFrom('operating_hours_daily')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('operating_ms'), eb.val(0)).as('total'))
        .where('asset_id', '=', assetId);
      if (throughDay) q = q.where('day', '<=', throughDay);
      const row = await q.executeTakeFirstOrThrow();
      return Number(row.total);
    },

    /** Every version of one day's total, oldest first: the audit trail. */
    async versions(assetId: string, day: string): Promise<DailyOperatingTime[]> {
      const rows = await db
        .selectFrom('operating_hours_versions')
        .selectAll()
        .where('asset_id', '=', assetId)
        .where('day', '=', day)
        .orderBy('version')
        .execute();
      return rows.map(fromRow);
    },
  };
}

export type OperatingHoursRepository = ReturnType<typeof operatingHoursRepository>;
