import { mkdirSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { StoreLogger } from '../logger.js';
import type { LatestValue, MetricSeries, RangeQuery, SeriesPoint, StoredReading, TelemetryStore } from '../port.js';
import { assertEpochMs, assertRangeQuery, assertReading, metricValue } from '../query-checks.js';
import { SerialQueue } from '../serial-queue.js';
import { appendRows } from './append-rows.js';
import { NameDictionary, NameKind } from './dictionary.js';
import { addMetricColumnSql, KEY_COLUMNS, METRIC_COLUMNS_SQL, metricColumn, SCHEMA_SQL } from './schema.js';

export interface DuckDbTelemetryStoreOptions {
  /** Directory for the database file; created if missing. */
  readonly dataDir: string;
  /** File name inside `dataDir`. */
  readonly fileName?: string | undefined;
  /**
   * Staged readings that trigger a merge (and checkpoint). Larger merges sort
   * longer runs together and compress better; reads merge whatever is staged.
   */
  readonly mergeThreshold?: number | undefined;
  /** DuckDB worker threads (the machine is shared with the other services). */
  readonly threads?: number | undefined;
  readonly logger?: StoreLogger | undefined;
}

type Agg = NonNullable<RangeQuery['agg']>;

function aggSql(agg: Agg, col: string): string {
  switch (agg) {
    case 'mean':
      return `avg(${col})`;
    case 'min':
      return `min(${col})`;
    case 'max':
      return `max(${col})`;
    case 'last':
      return `arg_max(${col}, ${lastOrder(col)}) FILTER (WHERE ${col} IS NOT NULL)`;
  }
}

/**
 * The port's order for `last` and `latest`: ts, then seq (none = 0), then the
 * value itself, so readings sharing ts and seq (two devices) resolve to the
 * larger value as in InfluxDB, instead of to whichever row arg_max saw last.
 */
function lastOrder(col: string): string {
  return `(ts, coalesce(seq, 0), ${col})`;
}

/** Dictionary ids of one reading's asset and device, resolved before its transaction appends it. */
interface RowKeys {
  readonly asset: number;
  readonly device: number;
}

/**
 * The embedded TelemetryStore: one DuckDB file, one connection, every
 * operation serialised through a queue (a DuckDB connection runs one
 * transaction at a time, and the merge must not interleave with appends).
 *
 * Write path and deduplication:
 * 1. `writeBatch` appends the batch to `staging` with the Appender inside one
 *    transaction (shared with concurrent callers: group commit) and COMMITs. DuckDB fsyncs its WAL on commit, so when the
 *    promise resolves the batch survives a crash or kill -9 (a crash before
 *    the merge leaves it in `staging`, which is merged after restart).
 *    No index and no lookup happen on this path, so bulk inserts stay fast.
 * 2. A merge moves `staging` into `telemetry` in one transaction:
 *    duplicates inside staging collapse with DISTINCT ON (first write wins),
 *    readings whose key (asset, device, ts, seq) is already in `telemetry`
 *    are dropped by an anti-join restricted to staging's [min ts, max ts]
 *    window (zone maps skip the row groups outside it, so the cost follows
 *    the batch, not the table), and the rest is inserted sorted by
 *    (asset, ts), which is what makes the columns compress (schema.ts).
 *    A unique index was the alternative: DuckDB's ART index costs tens of
 *    bytes per row on disk and slows appends, far over the disk budget.
 * 3. Merges run when `mergeThreshold` readings are staged (then a CHECKPOINT
 *    writes them compressed, while staging is empty, so staging rows rarely
 *    reach the file only to leave free blocks behind), before every read (so
 *    reads see exactly the deduplicated data) and on close.
 */
export async function createDuckDbTelemetryStore(opts: DuckDbTelemetryStoreOptions): Promise<TelemetryStore> {
  mkdirSync(opts.dataDir, { recursive: true });
  const path = join(opts.dataDir, opts.fileName ?? 'telemetry.duckdb');
  const instance = await DuckDBInstance.create(path, {
    threads: String(opts.threads ?? 2),
    // Explicit checkpoints follow each threshold merge; the automatic one is
    // only a safety net, set high so it rarely catches rows still in staging.
    checkpoint_threshold: '128MB',
  });
  try {
    const conn = await instance.connect();
    await conn.run(SCHEMA_SQL);
    const dict = await NameDictionary.load(conn);
    const columns = (await conn.runAndReadAll(METRIC_COLUMNS_SQL)).getRowsJS() as [string][];
    const metricIds = columns.map(([name]) => Number(name.slice(2)));
    const staged = await scalarNumber(conn, 'SELECT count(*) FROM staging');
    const probe = await instance.connect();
    return new DuckDbTelemetryStore(path, instance, conn, probe, dict, metricIds, staged, opts.mergeThreshold ?? 200_000, opts.logger);
  } catch (err) {
    instance.closeSync();
    throw err;
  }
}

class DuckDbTelemetryStore implements TelemetryStore {
  private readonly queue = new SerialQueue();
  private closed = false;
  private pendingWrites: { readings: readonly StoredReading[]; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private commitScheduled = false;

  constructor(
    private readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    /** A connection of its own for `ping`, so health probes never queue behind writes and merges. */
    private readonly probe: DuckDBConnection,
    private readonly dict: NameDictionary,
    /** Metric ids in the tables' column order (after the key columns). */
    private readonly metricIds: number[],
    /** Readings in `staging`: the merge trigger; 0 lets reads skip the merge. */
    private staged: number,
    private readonly mergeThreshold: number,
    private readonly log: StoreLogger | undefined,
  ) {}

  writeBatch(readings: readonly StoredReading[]): Promise<void> {
    try {
      this.assertOpen();
      // Validated per caller, before grouping, so one bad batch fails alone.
      for (const r of readings) assertReading(r);
    } catch (err) {
      return Promise.reject(err);
    }
    if (readings.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pendingWrites.push({ readings, resolve, reject });
      if (!this.commitScheduled) {
        this.commitScheduled = true;
        void this.queue.run(() => this.commitPending());
      }
    });
  }

  /**
   * Group commit: every writeBatch that arrived while the previous commit was
   * running goes into one transaction, so concurrent callers share one WAL
   * fsync (a commit costs ~3 ms here; one per 10-reading batch caps a single
   * writer at ~3.5k readings/s). Each caller resolves only after that commit.
   */
  private async commitPending(): Promise<void> {
    this.commitScheduled = false;
    const group = this.pendingWrites;
    this.pendingWrites = [];
    const readings = group.length === 1 ? group[0]!.readings : group.flatMap((g) => g.readings);
    try {
      this.assertOpen();
      await this.commitReadings(readings);
    } catch (err) {
      for (const g of group) g.reject(err);
      return;
    }
    for (const g of group) g.resolve();
    this.staged += readings.length;
    if (this.staged >= this.mergeThreshold) {
      // The readings are committed: a failed merge must not report them as
      // lost (they stay in staging and the next merge or read retries).
      try {
        await this.merge();
        await this.conn.run('CHECKPOINT');
      } catch (err) {
        this.log?.error({ err }, 'telemetry merge after write failed; rows stay staged');
      }
    }
  }

  private async commitReadings(readings: readonly StoredReading[]): Promise<void> {
    const columnsBefore = this.metricIds.length;
    try {
      await this.inTransaction(async () => {
        const keys = readings.map((r) => this.rowKeys(r));
        for (const id of this.dict.pendingIds(NameKind.metric)) {
          await this.conn.run(addMetricColumnSql(id));
          this.metricIds.push(id);
        }
        await this.dict.persistPending(this.conn);
        await this.append(readings, keys);
      });
    } catch (err) {
      this.metricIds.length = columnsBefore; // the ALTERs were rolled back too
      throw err;
    }
  }

  queryRange(q: RangeQuery): Promise<MetricSeries[]> {
    return this.read(async () => {
      assertRangeQuery(q);
      const asset = this.dict.find(NameKind.asset, q.assetId);
      const ids = q.metrics.map((m) => this.dict.find(NameKind.metric, m));
      const known = [...new Set(ids.filter((id): id is number => id !== undefined))];
      const byMetric = new Map<number, SeriesPoint[]>(known.map((id) => [id, []]));
      if (asset !== undefined && known.length > 0) {
        const where = `asset_id = ${asset} AND ts >= ${q.from} AND ts < ${q.to}`;
        const sql =
          q.stepMs === undefined
            ? `SELECT ts, ${known.map(metricColumn).join(', ')} FROM telemetry
               WHERE ${where} ORDER BY ts, device_id, seq`
            : // Bucket start = floor(ts / step) * step, written with integer
              // modulo so negative ts floor too (DuckDB's % truncates).
              `SELECT ts - (((ts % ${q.stepMs}) + ${q.stepMs}) % ${q.stepMs}) AS bucket,
                      ${known.map((id) => aggSql(q.agg ?? 'mean', metricColumn(id))).join(', ')}
               FROM telemetry WHERE ${where} GROUP BY bucket ORDER BY bucket`;
        const reader = await this.conn.runAndReadAll(sql);
        for (const row of reader.getRowsJS() as (bigint | number | null)[][]) {
          const ts = Number(row[0]);
          known.forEach((id, i) => {
            // NULL: this reading (or every reading in this bucket) lacks the metric.
            const value = row[i + 1] as number | null | undefined;
            if (value !== null && value !== undefined) byMetric.get(id)?.push({ ts, value });
          });
        }
      }
      return q.metrics.map((metric, i) => {
        const id = ids[i];
        return { metric, points: id === undefined ? [] : (byMetric.get(id) ?? []) };
      });
    });
  }

  latest(assetId: string, metrics?: readonly string[]): Promise<LatestValue[]> {
    return this.read(async () => {
      const asset = this.dict.find(NameKind.asset, assetId);
      if (asset === undefined) return [];
      const ids = metrics
        ? [...new Set(metrics.map((m) => this.dict.find(NameKind.metric, m)).filter((id) => id !== undefined))]
        : [...this.metricIds];
      if (ids.length === 0) return [];
      // Scans the asset's rows (zone maps on asset_id skip other assets' row
      // groups); a per-asset "latest" table is the next step if this shows up.
      const selects = ids.flatMap((id) => {
        const col = metricColumn(id);
        return [`max(ts) FILTER (WHERE ${col} IS NOT NULL)`, `arg_max(${col}, ${lastOrder(col)}) FILTER (WHERE ${col} IS NOT NULL)`];
      });
      const reader = await this.conn.runAndReadAll(
        `SELECT ${selects.join(', ')} FROM telemetry WHERE asset_id = ${asset}`,
      );
      const row = (reader.getRowsJS()[0] ?? []) as (bigint | number | null)[];
      const out: LatestValue[] = [];
      ids.forEach((id, i) => {
        const ts = row[2 * i];
        const value = row[2 * i + 1];
        if (ts === null || ts === undefined || value === null || value === undefined) return;
        out.push({ metric: this.dict.nameOf(NameKind.metric, id), ts: Number(ts), value: Number(value) });
      });
      return out.sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
    });
  }

  deleteBefore(before: number): Promise<void> {
    return this.queue.run(async () => {
      this.assertOpen();
      assertEpochMs('deleteBefore', before);
      await this.inTransaction(async () => {
        await this.conn.run(`DELETE FROM telemetry WHERE ts < ${before}`);
        await this.conn.run(`DELETE FROM staging WHERE ts < ${before}`);
      });
      this.staged = await scalarNumber(this.conn, 'SELECT count(*) FROM staging');
    });
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      return (await scalarNumber(this.probe, 'SELECT 1')) === 1;
    } catch {
      return false;
    }
  }

  /**
   * Merges and checkpoints, then copies the file, all inside the queue: no
   * write lands between the checkpoint and the copy, so the copy is the
   * store as of that moment, with an empty WAL. Writes wait meanwhile (the
   * ingest spool absorbs them).
   */
  snapshotTo(file: string): Promise<void> {
    return this.queue.run(async () => {
      this.assertOpen();
      await this.merge();
      await this.conn.run('CHECKPOINT');
      await copyFile(this.path, file);
    });
  }

  close(): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) return;
      this.closed = true;
      try {
        await this.merge();
        // Folds the WAL into the compressed file, so the next open replays nothing.
        await this.conn.run('CHECKPOINT');
      } finally {
        this.probe.closeSync();
        this.conn.closeSync();
        this.instance.closeSync();
      }
    });
  }

  /** Resolves (or assigns) the ids of the reading's asset, device and metrics. */
  private rowKeys(r: StoredReading): RowKeys {
    for (const metric in r.metrics) this.dict.idFor(NameKind.metric, metric);
    return { asset: this.dict.idFor(NameKind.asset, r.assetId), device: this.dict.idFor(NameKind.device, r.deviceId) };
  }

  private append(readings: readonly StoredReading[], keys: readonly RowKeys[]): Promise<void> {
    // Values are looked up by name straight from each reading: no per-row map.
    const columns = this.metricIds.map((id) => this.dict.nameOf(NameKind.metric, id));
    let i = 0;
    return appendRows(this.conn, 'staging', readings, (appender, r) => {
      const k = keys[i++]!;
      appender.appendInteger(k.asset);
      appender.appendInteger(k.device);
      appender.appendBigInt(BigInt(r.ts));
      if (r.seq === undefined) appender.appendNull();
      else appender.appendBigInt(BigInt(r.seq));
      const metrics = r.metrics;
      for (const name of columns) {
        // Own values only are numbers or booleans; a name such as "constructor"
        // that this reading lacks resolves to an inherited function: NULL.
        const v = metrics[name];
        if (typeof v === 'number') appender.appendDouble(v);
        else if (typeof v === 'boolean') appender.appendDouble(metricValue(v));
        else appender.appendNull();
      }
    });
  }

  /** Reads go through the queue behind a merge, so they see deduplicated data. */
  private read<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      this.assertOpen();
      await this.merge();
      return fn();
    });
  }

  private async merge(): Promise<void> {
    if (this.staged === 0) return;
    const started = Date.now();
    const staged = this.staged;
    const key = KEY_COLUMNS.join(', ');
    const all = [...KEY_COLUMNS, ...this.metricIds.map(metricColumn)].join(', ');
    await this.inTransaction(async () => {
      const reader = await this.conn.runAndReadAll('SELECT min(ts), max(ts) FROM staging');
      const [lo, hi] = (reader.getRowsJS()[0] ?? []) as [bigint | null | undefined, bigint | null | undefined];
      if (lo !== null && lo !== undefined && hi !== null && hi !== undefined) {
        // The literal ts window lets DuckDB prune telemetry's row groups by zone map.
        await this.conn.run(`
          INSERT INTO telemetry (${all})
          SELECT ${all} FROM (
            SELECT DISTINCT ON (${key}) * FROM staging ORDER BY ${key}, rowid
          ) s
          WHERE NOT EXISTS (
            SELECT 1 FROM telemetry t
            WHERE t.ts BETWEEN ${lo} AND ${hi}
              AND t.asset_id = s.asset_id AND t.device_id = s.device_id AND t.ts = s.ts
              AND t.seq IS NOT DISTINCT FROM s.seq
          )
          ORDER BY asset_id, ts, device_id, seq`);
      }
      await this.conn.run('DELETE FROM staging');
    });
    this.staged = 0;
    this.log?.debug({ readings: staged, ms: Date.now() - started }, 'telemetry staging merged');
  }

  private async inTransaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const result = await fn();
      await this.conn.run('COMMIT');
      this.dict.commit();
      return result;
    } catch (err) {
      this.dict.rollback();
      try {
        await this.conn.run('ROLLBACK');
      } catch (rollbackErr) {
        this.log?.error({ err: rollbackErr }, 'telemetry rollback failed');
      }
      throw err;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('telemetry store is closed');
  }
}

async function scalarNumber(conn: DuckDBConnection, sql: string): Promise<number> {
  const reader = await conn.runAndReadAll(sql);
  return Number(reader.getRowsJS()[0]?.[0] ?? 0);
}
