import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { StoredReading } from '../port.js';
import { NameDictionary, NameKind } from './dictionary.js';
import { METRIC_COLUMNS_SQL, metricColumn } from './schema.js';
import { createDuckDbTelemetryStore } from './store.js';

export interface DuckDbExportOptions {
  readonly dataDir: string;
  /** File name inside `dataDir` (the embedded store's default when omitted). */
  readonly fileName?: string | undefined;
  /**
   * Merge readings still in `staging` (left by a crash) into the table first,
   * through the store itself, as its next start would. This writes to the file;
   * without it (dry runs) the export reads the merged table only and reports
   * `stagedReadings` separately.
   */
  readonly fold?: boolean | undefined;
  readonly threads?: number | undefined;
}

/** Inclusive `from`, exclusive `to`, epoch ms; open ends when omitted. */
export interface ExportRange {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

export interface AssetTelemetryCounts {
  /** Readings of the asset in the range. */
  readonly readings: number;
  /** Non-null values per metric name (what InfluxQL COUNT per field reports). */
  readonly values: Readonly<Record<string, number>>;
}

/** Read-only access to an embedded telemetry file, for moving its data elsewhere. */
export interface DuckDbTelemetryExport {
  readonly path: string;
  /** Readings still in `staging` (0 after a fold or a clean shutdown); not part of scans or counts. */
  readonly stagedReadings: number;
  count(range?: ExportRange): Promise<number>;
  /** Time span of the stored readings, or undefined when there are none. */
  span(range?: ExportRange): Promise<{ from: number; to: number } | undefined>;
  countsByAsset(range?: ExportRange): Promise<Map<string, AssetTelemetryCounts>>;
  /**
   * Every reading in the range in time order (ties by asset, device, seq), in
   * batches of `batchSize`. Metrics a reading lacks are absent from `metrics`.
   */
  scan(range: ExportRange & { readonly batchSize: number }): AsyncGenerator<StoredReading[]>;
  close(): Promise<void>;
}

/**
 * Opens the embedded store's DuckDB file read-only. Fails with a clear message
 * when the file is missing or locked by a running server.
 */
export async function openDuckDbTelemetryExport(opts: DuckDbExportOptions): Promise<DuckDbTelemetryExport> {
  const fileName = opts.fileName ?? 'telemetry.duckdb';
  const path = join(opts.dataDir, fileName);
  if (!existsSync(path)) throw new Error(`no embedded telemetry file at ${path}`);
  try {
    if (opts.fold) await (await createDuckDbTelemetryStore({ dataDir: opts.dataDir, fileName, threads: opts.threads })).close();
    const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY', threads: String(opts.threads ?? 2) });
    try {
      const conn = await instance.connect();
      const dict = await NameDictionary.load(conn);
      const columns = (await conn.runAndReadAll(METRIC_COLUMNS_SQL)).getRowsJS() as [string][];
      const metricIds = columns.map(([name]) => Number(name.slice(2)));
      const staged = Number((await conn.runAndReadAll('SELECT count(*) FROM staging')).getRowsJS()[0]?.[0] ?? 0);
      return new Export(path, instance, conn, dict, metricIds, staged);
    } catch (err) {
      instance.closeSync();
      throw err;
    }
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/lock/i.test(msg)) {
      throw new Error(`${path} is locked by another process (stop the Hourmeter server first): ${msg}`, { cause: err });
    }
    throw err;
  }
}

class Export implements DuckDbTelemetryExport {
  private readonly metricNames: string[];

  constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly dict: NameDictionary,
    private readonly metricIds: readonly number[],
    readonly stagedReadings: number,
  ) {
    this.metricNames = metricIds.map((id) => dict.nameOf(NameKind.metric, id));
  }

  async count(range: ExportRange = {}): Promise<number> {
    const reader = await this.conn.runAndReadAll(`SELECT count(*) FROM telemetry WHERE ${where(range)}`);
    return Number(reader.getRowsJS()[0]?.[0] ?? 0);
  }

  async span(range: ExportRange = {}): Promise<{ from: number; to: number } | undefined> {
    const reader = await this.conn.runAndReadAll(`SELECT min(ts), max(ts) FROM telemetry WHERE ${where(range)}`);
    const [lo, hi] = (reader.getRowsJS()[0] ?? []) as (bigint | null)[];
    return lo === null || lo === undefined || hi === null || hi === undefined ? undefined : { from: Number(lo), to: Number(hi) + 1 };
  }

  async countsByAsset(range: ExportRange = {}): Promise<Map<string, AssetTelemetryCounts>> {
    const cols = this.metricIds.map((id) => `count(${metricColumn(id)})`);
    const reader = await this.conn.runAndReadAll(
      `SELECT asset_id, count(*)${cols.map((c) => `, ${c}`).join('')} FROM telemetry WHERE ${where(range)} GROUP BY asset_id`,
    );
    const out = new Map<string, AssetTelemetryCounts>();
    for (const row of reader.getRowsJS() as (number | bigint)[][]) {
      const values: Record<string, number> = {};
      this.metricNames.forEach((name, i) => {
        const n = Number(row[i + 2]);
        if (n > 0) values[name] = n;
      });
      out.set(this.dict.nameOf(NameKind.asset, Number(row[0])), { readings: Number(row[1]), values });
    }
    return out;
  }

  async *scan(range: ExportRange & { readonly batchSize: number }): AsyncGenerator<StoredReading[]> {
    const cols = ['asset_id', 'device_id', 'ts', 'seq', ...this.metricIds.map(metricColumn)].join(', ');
    const result = await this.conn.stream(
      `SELECT ${cols} FROM telemetry WHERE ${where(range)} ORDER BY ts, asset_id, device_id, seq`,
    );
    const assets = new Map<number, string>();
    const devices = new Map<number, string>();
    const name = (cache: Map<number, string>, kind: NameKind, id: number) => {
      let n = cache.get(id);
      if (n === undefined) cache.set(id, (n = this.dict.nameOf(kind, id)));
      return n;
    };
    let batch: StoredReading[] = [];
    for await (const rows of result.yieldRowsJs()) {
      for (const row of rows as (number | bigint | null)[][]) {
        const metrics: Record<string, number> = {};
        for (let i = 0; i < this.metricNames.length; i++) {
          const v = row[i + 4];
          if (v !== null && v !== undefined) metrics[this.metricNames[i]!] = Number(v);
        }
        const seq = row[3];
        batch.push({
          assetId: name(assets, NameKind.asset, Number(row[0])),
          deviceId: name(devices, NameKind.device, Number(row[1])),
          ts: Number(row[2]),
          seq: seq === null || seq === undefined ? undefined : Number(seq),
          metrics,
        });
        if (batch.length >= range.batchSize) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield batch;
  }

  async close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

function where(range: ExportRange): string {
  const parts = ['true'];
  if (range.from !== undefined) parts.push(`ts >= ${Math.trunc(range.from)}`);
  if (range.to !== undefined) parts.push(`ts < ${Math.trunc(range.to)}`);
  return parts.join(' AND ');
}
