import type { UsageDay } from '@hourmeter/domain';
import { localDayTotals, newId, usageKey as key, utcDaysAround } from '@hourmeter/domain';
import { sql, type Kysely, type Transaction } from 'kysely';
import { insertRows } from '../bulk.js';
import type { Database } from '../schema.js';
import { billingWriter, chunks, isPostgres } from './billing-rows.js';
import type { Executor } from './crud.js';

const USAGE_COLUMNS = ['id', 'asset_id', 'day', 'operating_ms', 'version', 'source_version', 'computed_at'] as const;

/** Usage records of the assets over [fromDay, toDay] (their current versions). */
export async function usageOf(ex: Executor, assetIds: string[], fromDay: string, toDay: string): Promise<UsageDay[]> {
  if (assetIds.length === 0) return [];
  const rows = await ex
    .selectFrom('usage_records')
    .select(['asset_id', 'day', 'operating_ms', 'version'])
    .where('asset_id', 'in', assetIds)
    .where('day', '>=', fromDay)
    .where('day', '<=', toDay)
    .orderBy('asset_id')
    .orderBy('day')
    .execute();
  return rows.map((r) => ({ assetId: r.asset_id, day: r.day, operatingMs: Number(r.operating_ms), version: Number(r.version) }));
}

/**
 * Usage records: the hour meter's days as billing takes them, versioned
 * (a changed day gets version n+1, the one it replaces stays in
 * `usage_record_versions`), so an issued invoice names the versions it billed.
 */
export function usageRecordsRepository(db: Kysely<Database>) {
  const postgres = isPostgres(db);
  const write = billingWriter(db);

  /** The hour meter's daily totals of those assets in [from, to], 500 assets per query; `lock`: FOR UPDATE on PostgreSQL. */
  async function meteredDays(ex: Executor, assetIds: readonly string[], from: string, to: string, lock = false): Promise<UsageDay[]> {
    const days: UsageDay[] = [];
    for (let i = 0; i < assetIds.length; i += 500) {
      const rows = await ex
        .selectFrom('operating_hours_daily')
        .select(['asset_id', 'day', 'operating_ms', 'version'])
        .where('asset_id', 'in', assetIds.slice(i, i + 500))
        .where('day', '>=', from)
        .where('day', '<=', to)
        .$if(lock && postgres, (q) => q.forUpdate())
        .execute();
      for (const r of rows) days.push({ assetId: r.asset_id, day: r.day, operatingMs: Number(r.operating_ms), version: Number(r.version) });
    }
    return days;
  }

  /**
   * The hour meter's days of the assets cut at `zone`'s midnights, for the
   * local days [from, to] (issue #16, rule 12): each local day sums the
   * quarter hours of the UTC days that start inside it. Its version is the
   * newest of the UTC days around it. `lock`: FOR UPDATE on PostgreSQL.
   */
  async function meteredLocalDays(ex: Executor, assetIds: readonly string[], from: string, to: string, zone: string, lock = false): Promise<UsageDay[]> {
    const around = utcDaysAround(from, to);
    const days: UsageDay[] = [];
    for (let i = 0; i < assetIds.length; i += 500) {
      const rows = await ex
        .selectFrom('operating_hours_daily')
        .select(['asset_id', 'day', 'operating_ms', 'version', 'quarter_ms'])
        .where('asset_id', 'in', assetIds.slice(i, i + 500))
        .where('day', '>=', around.from)
        .where('day', '<=', around.to)
        .$if(lock && postgres, (q) => q.forUpdate())
        .execute();
      const byAsset = new Map<string, typeof rows>();
      for (const r of rows) {
        const list = byAsset.get(r.asset_id);
        if (list) list.push(r);
        else byAsset.set(r.asset_id, [r]);
      }
      for (const [assetId, list] of byAsset) {
        const version = new Map(list.map((r) => [r.day, Number(r.version)]));
        const utc = list.map((r) => ({ day: r.day, operatingMs: Number(r.operating_ms), quarterMs: r.quarter_ms ? (JSON.parse(r.quarter_ms) as number[]) : null }));
        for (const [day, operatingMs] of localDayTotals(utc, zone)) {
          if (day < from || day > to) continue;
          const near = utcDaysAround(day, day);
          const v = Math.max(version.get(near.from) ?? 0, version.get(day) ?? 0, version.get(near.to) ?? 0);
          days.push({ assetId, day, operatingMs, version: v });
        }
      }
    }
    return days;
  }

  /**
   * The days as the hour meter has them inside this transaction: between the
   * caller's read and now the meter may have amended a version or added one.
   * The rows are locked on PostgreSQL until the usage records are written, so
   * the meter appends a new version instead of amending one billing took.
   */
  async function asMeteredNow(tx: Transaction<Database>, read: UsageDay[], assetIds: string[], from: string, to: string): Promise<UsageDay[]> {
    const current = new Map((await meteredDays(tx, assetIds, from, to, true)).map((d) => [key(d.assetId, d.day), d]));
    // A day the meter has no row for stays as read (a metering source other than the meter's table).
    return read.map((d) => current.get(key(d.assetId, d.day)) ?? d);
  }

  /**
   * Writes changed days as new usage-record versions. `usage_records` holds
   * each day's current version, `usage_record_versions` the versions it
   * replaced: a version moves to the history when a newer one replaces it, so
   * a first sync writes one row per day, not two (stores from before this rule
   * also hold current versions there; readers take the union of both tables).
   */
  async function writeUsage(tx: Transaction<Database>, changes: { d: UsageDay; prevVersion: number | null }[], now: number): Promise<{ created: number; replaced: number }> {
    const replacing = changes.filter((c) => c.prevVersion !== null);
    // Only the version this sync read: a concurrent sync that replaced it first has kept it already.
    for (const chunk of chunks(replacing, 500)) {
      await tx
        .insertInto('usage_record_versions')
        .columns(USAGE_COLUMNS)
        .expression(
          tx
            .selectFrom('usage_records')
            .select(USAGE_COLUMNS)
            .where((eb) => eb.or(chunk.map(({ d, prevVersion }) => eb.and([eb('asset_id', '=', d.assetId), eb('day', '=', d.day), eb('version', '=', prevVersion!)])))),
        )
        .onConflict((oc) => oc.columns(['asset_id', 'day', 'version']).doNothing())
        .execute();
    }
    const inserts = changes.map(({ d, prevVersion }) => ({
      id: newId('usageRecord', now),
      asset_id: d.assetId,
      day: d.day,
      operating_ms: d.operatingMs,
      version: (prevVersion ?? 0) + 1,
      source_version: d.version,
      computed_at: now,
    }));
    // Two syncs of the same days at once (concurrent runs) compute the same
    // version: the second one's rows are no-ops instead of key violations.
    await insertRows(
      db,
      inserts,
      (rows) =>
        tx
          .insertInto('usage_records')
          .values(rows)
          .onConflict((oc) =>
            oc
              .columns(['asset_id', 'day'])
              .doUpdateSet((eb) => ({
                id: eb.ref('excluded.id'),
                operating_ms: eb.ref('excluded.operating_ms'),
                version: eb.ref('excluded.version'),
                source_version: eb.ref('excluded.source_version'),
                computed_at: eb.ref('excluded.computed_at'),
              }))
              .where('usage_records.version', '<', (eb) => eb.ref('excluded.version')),
          ),
      2000,
    );
    return { created: changes.length - replacing.length, replaced: replacing.length };
  }

  /**
   * `writeUsage` for UTC days on SQLite as three statements per 500 assets:
   * no day crosses into JavaScript (a first run of the billing benchmark
   * syncs 300,000). Ids come from `hm_new_id` (connect.ts). The whole sync is
   * one transaction on SQLite's single connection, so nothing changes
   * between the statements; PostgreSQL takes the row locks of the general way.
   */
  async function syncUtcDaysInSqlite(tx: Transaction<Database>, assetIds: readonly string[], from: string, to: string, now: number): Promise<{ created: number; replaced: number }> {
    let created = 0;
    let replaced = 0;
    for (const chunk of chunks(assetIds, 500)) {
      const changed = tx
        .selectFrom('operating_hours_daily as o')
        .leftJoin('usage_records as u', (j) => j.onRef('u.asset_id', '=', 'o.asset_id').onRef('u.day', '=', 'o.day'))
        .where('o.asset_id', 'in', chunk)
        .where('o.day', '>=', from)
        .where('o.day', '<=', to)
        .where((eb) => eb.or([eb('u.operating_ms', 'is', null), eb('u.operating_ms', '!=', eb.ref('o.operating_ms'))]));
      const counts = await changed
        .select((eb) => [eb.fn.countAll<number>().as('changed'), eb.fn.count<number>('u.version').as('replaced')])
        .executeTakeFirstOrThrow();
      if (Number(counts.changed) === 0) continue;
      // The versions being replaced move to the history first (writeUsage's rule).
      await tx
        .insertInto('usage_record_versions')
        .columns(USAGE_COLUMNS)
        .expression(changed.where('u.version', 'is not', null).select(USAGE_COLUMNS.map((c) => `u.${c}` as const)))
        .onConflict((oc) => oc.columns(['asset_id', 'day', 'version']).doNothing())
        .execute();
      await tx
        .insertInto('usage_records')
        .columns(USAGE_COLUMNS)
        .expression(
          changed.select((eb) => [
            sql<string>`hm_new_id('usageRecord', ${now})`.as('id'),
            'o.asset_id',
            'o.day',
            'o.operating_ms',
            sql<number>`coalesce(${eb.ref('u.version')}, 0) + 1`.as('version'),
            'o.version as source_version',
            sql<number>`${now}`.as('computed_at'),
          ]),
        )
        .onConflict((oc) =>
          oc
            .columns(['asset_id', 'day'])
            .doUpdateSet((eb) => ({
              id: eb.ref('excluded.id'),
              operating_ms: eb.ref('excluded.operating_ms'),
              version: eb.ref('excluded.version'),
              source_version: eb.ref('excluded.source_version'),
              computed_at: eb.ref('excluded.computed_at'),
            })),
        )
        .execute();
      created += Number(counts.changed) - Number(counts.replaced);
      replaced += Number(counts.replaced);
    }
    return { created, replaced };
  }

  return {
    /** The hour meter's current daily totals for many assets at once (the metering source). */
    meterDays: (assetIds: string[], fromDay: string, toDay: string): Promise<UsageDay[]> => meteredDays(db, assetIds, fromDay, toDay),
    /** The same totals cut at another zone's midnights: local days [fromDay, toDay]. */
    meterLocalDays: (assetIds: string[], fromDay: string, toDay: string, zone: string): Promise<UsageDay[]> => meteredLocalDays(db, assetIds, fromDay, toDay, zone),

    /**
     * Makes usage records match the metered days: a new (asset, day) gets
     * version 1, a changed one replaces its record with version n+1 (the old
     * one stays in `usage_record_versions`), an unchanged one is left alone.
     */
    async syncUsage(read: UsageDay[], now = Date.now()): Promise<{ created: number; replaced: number }> {
      if (read.length === 0) return { created: 0, replaced: 0 };
      return write(async (tx) => {
        const assetIds = [...new Set(read.map((d) => d.assetId))];
        const from = read.reduce((m, d) => (d.day < m ? d.day : m), read[0]!.day);
        const to = read.reduce((m, d) => (d.day > m ? d.day : m), read[0]!.day);
        const days = await asMeteredNow(tx, read, assetIds, from, to);
        const existing = new Map<string, { ms: number; version: number }>();
        for (let i = 0; i < assetIds.length; i += 500) {
          const rows = await tx
            .selectFrom('usage_records')
            .select(['asset_id', 'day', 'operating_ms', 'version'])
            .where('asset_id', 'in', assetIds.slice(i, i + 500))
            .where('day', '>=', from)
            .where('day', '<=', to)
            .execute();
          for (const r of rows) existing.set(key(r.asset_id, r.day), { ms: Number(r.operating_ms), version: Number(r.version) });
        }
        const changes: { d: UsageDay; prevVersion: number | null }[] = [];
        for (const d of days) {
          const prev = existing.get(key(d.assetId, d.day));
          if (!prev || prev.ms !== d.operatingMs) changes.push({ d, prevVersion: prev?.version ?? null });
        }
        return writeUsage(tx, changes, now);
      }, 'usage record');
    },

    /**
     * `syncUsage` straight from the hour meter's table: one query returns only
     * the days whose total differs from the usage record (locked on PostgreSQL
     * until they are written), so a re-run that finds nothing new reads next
     * to nothing. `zone`: the assets' contract clock; its days are local days
     * summed from the meter's quarter hours.
     */
    syncUsageFromMeter(assetIds: readonly string[], from: string, to: string, now = Date.now(), zone = 'UTC'): Promise<{ created: number; replaced: number }> {
      if (assetIds.length === 0) return Promise.resolve({ created: 0, replaced: 0 });
      return write(async (tx) => {
        const changes: { d: UsageDay; prevVersion: number | null }[] = [];
        // Local days are summed from the meter's quarter hours here; UTC days are compared in the database.
        if (zone !== 'UTC') {
          for (const chunk of chunks(assetIds, 500)) {
            const existing = new Map<string, { ms: number; version: number }>();
            const rows = await tx.selectFrom('usage_records').select(['asset_id', 'day', 'operating_ms', 'version']).where('asset_id', 'in', chunk).where('day', '>=', from).where('day', '<=', to).execute();
            for (const r of rows) existing.set(key(r.asset_id, r.day), { ms: Number(r.operating_ms), version: Number(r.version) });
            for (const d of await meteredLocalDays(tx, chunk, from, to, zone, true)) {
              const prev = existing.get(key(d.assetId, d.day));
              if (!prev || prev.ms !== d.operatingMs) changes.push({ d, prevVersion: prev?.version ?? null });
            }
          }
          return writeUsage(tx, changes, now);
        }
        if (!postgres) return syncUtcDaysInSqlite(tx, assetIds, from, to, now);
        for (const chunk of chunks(assetIds, 500)) {
          const rows = await tx
            .selectFrom('operating_hours_daily as o')
            .leftJoin('usage_records as u', (j) => j.onRef('u.asset_id', '=', 'o.asset_id').onRef('u.day', '=', 'o.day'))
            .select(['o.asset_id', 'o.day', 'o.operating_ms', 'o.version', 'u.version as prev_version'])
            .where('o.asset_id', 'in', chunk)
            .where('o.day', '>=', from)
            .where('o.day', '<=', to)
            .where((eb) => eb.or([eb('u.operating_ms', 'is', null), eb('u.operating_ms', '!=', eb.ref('o.operating_ms'))]))
            .$if(postgres, (q) => q.forUpdate('o'))
            .execute();
          for (const r of rows) {
            changes.push({ d: { assetId: r.asset_id, day: r.day, operatingMs: Number(r.operating_ms), version: Number(r.version) }, prevVersion: r.prev_version === null ? null : Number(r.prev_version) });
          }
        }
        return writeUsage(tx, changes, now);
      }, 'usage record');
    },

    usage: (assetIds: string[], fromDay: string, toDay: string) => usageOf(db, assetIds, fromDay, toDay),

    /** Every version of an asset's usage record of a day, oldest first: the replaced ones (history) and the current one. */
    async usageVersions(assetId: string, day: string) {
      const of = (table: 'usage_records' | 'usage_record_versions') =>
        db.selectFrom(table).select(['version', 'operating_ms', 'source_version', 'computed_at']).where('asset_id', '=', assetId).where('day', '=', day);
      const rows = await of('usage_record_versions').union(of('usage_records')).orderBy('version').execute();
      return rows.map((r) => ({ version: Number(r.version), operatingMs: Number(r.operating_ms), sourceVersion: Number(r.source_version), computedAt: Number(r.computed_at) }));
    },
  };
}
