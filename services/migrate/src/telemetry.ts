import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  createInfluxTelemetryStore,
  influxInspector,
  openDuckDbTelemetryExport,
  type DuckDbTelemetryExport,
  type InfluxTelemetryStoreOptions,
  type StoredReading,
} from '@hourmeter/telemetry-store';
import { errorMessage, MigrateError } from './errors.js';
import { duration, fmt, type Progress } from './progress.js';

/** The embedded store's file name (createDuckDbTelemetryStore's default, what the server opens). */
export const DUCKDB_FILE = 'telemetry.duckdb';

export interface TimeRange {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

export interface TelemetryOptions {
  readonly dataDir: string;
  readonly influx: InfluxTelemetryStoreOptions;
  readonly range: TimeRange;
  readonly resume: boolean;
  /** Readings per writeBatch. */
  readonly batchSize?: number | undefined;
  /** Batches in flight at once (reading the next one from DuckDB overlaps the write). */
  readonly concurrency?: number | undefined;
  readonly progress: Progress;
}

export interface AssetMismatch {
  readonly assetId: string;
  readonly metric: string;
  readonly source: number;
  readonly target: number;
}

export interface TelemetryResult {
  readonly readings: number;
  /** Readings without any metric value: InfluxDB cannot store a point without fields. */
  readonly emptyReadings: number;
  readonly assets: number;
  readonly seconds: number;
  readonly mismatches: readonly AssetMismatch[];
  readonly ok: boolean;
}

export interface TelemetryPlan {
  readonly path: string;
  readonly readings: number;
  readonly stagedReadings: number;
  readonly assets: number;
  readonly span: { from: number; to: number } | undefined;
  /** Whether the target measurement already has points in the range (undefined: no target given). */
  readonly targetHasData: boolean | undefined;
}

function duckdbSource(dataDir: string): string {
  const path = join(dataDir, DUCKDB_FILE);
  if (!existsSync(path)) throw new MigrateError(`no embedded telemetry store: ${path} does not exist`);
  return path;
}

async function openSource(dataDir: string, fold: boolean): Promise<DuckDbTelemetryExport> {
  const path = duckdbSource(dataDir);
  try {
    return await openDuckDbTelemetryExport({ dataDir, fileName: DUCKDB_FILE, fold });
  } catch (err) {
    throw new MigrateError(`cannot open the embedded telemetry store ${path}: ${errorMessage(err)}`, 1, { cause: err });
  }
}

async function checkReachable(influx: InfluxTelemetryStoreOptions): Promise<void> {
  const store = createInfluxTelemetryStore(influx);
  const up = await store.ping();
  await store.close();
  if (!up) throw new MigrateError(`cannot reach InfluxDB at ${influx.url} (no answer to /ping)`);
}

export async function planTelemetry(opts: { dataDir: string; influx?: InfluxTelemetryStoreOptions | undefined; range: TimeRange }): Promise<TelemetryPlan> {
  const src = await openSource(opts.dataDir, false);
  try {
    const counts = await src.countsByAsset(opts.range);
    let targetHasData: boolean | undefined;
    if (opts.influx) {
      await checkReachable(opts.influx);
      targetHasData = await influxInspector(opts.influx)
        .hasData(opts.range)
        .catch((err: unknown) => {
          if (/database not found/i.test(errorMessage(err))) return false;
          throw err;
        });
    }
    return {
      path: src.path,
      readings: [...counts.values()].reduce((n, c) => n + c.readings, 0),
      stagedReadings: src.stagedReadings,
      assets: counts.size,
      span: await src.span(opts.range),
      targetHasData,
    };
  } finally {
    await src.close();
  }
}

/** Checks the target (reachable, database present, empty unless resuming); `run` copies and verifies. */
export async function prepareTelemetry(opts: TelemetryOptions): Promise<{ run(): Promise<TelemetryResult>; close(): Promise<void> }> {
  duckdbSource(opts.dataDir);
  await checkReachable(opts.influx);
  const inspector = influxInspector(opts.influx);
  try {
    await inspector.ensureDatabase();
    if (!opts.resume && (await inspector.hasData(opts.range))) {
      throw new MigrateError(
        `InfluxDB at ${opts.influx.url} already holds telemetry in ${opts.influx.database ?? opts.influx.bucket}` +
          `${opts.range.from !== undefined || opts.range.to !== undefined ? ' in the requested range' : ''}; ` +
          'migrate into an empty bucket/database, or pass --resume to re-send (identical points are stored once)',
      );
    }
  } catch (err) {
    if (err instanceof MigrateError) throw err;
    throw new MigrateError(`InfluxDB at ${opts.influx.url}: ${errorMessage(err)}`, 1, { cause: err });
  }
  const src = await openSource(opts.dataDir, true);
  return {
    run: () => copyTelemetry(src, opts),
    close: () => src.close(),
  };
}

async function copyTelemetry(src: DuckDbTelemetryExport, opts: TelemetryOptions): Promise<TelemetryResult> {
  const store = createInfluxTelemetryStore({ ...opts.influx, batchSize: opts.batchSize ?? 5_000 });
  const total = await src.count(opts.range);
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  const started = performance.now();
  let copied = 0;
  let empty = 0;
  const report = (force = false) => {
    const s = (performance.now() - started) / 1000;
    const rate = copied / Math.max(s, 1e-3);
    const pct = total ? ((copied / total) * 100).toFixed(1) : '100';
    opts.progress.status(
      `  telemetry: ${fmt(copied)} / ${fmt(total)} readings (${pct}%), ${fmt(rate)} readings/s, ETA ${duration((total - copied) / Math.max(rate, 1e-9))}`,
      force,
    );
  };
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const write = (batch: StoredReading[]) => {
    const p = store
      .writeBatch(batch)
      .then(() => {
        copied += batch.length;
        empty += batch.filter((r) => Object.keys(r.metrics).length === 0).length;
        report();
      })
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    return p;
  };
  try {
    for await (const batch of src.scan({ ...opts.range, batchSize: opts.batchSize ?? 5_000 })) {
      if (failure) break;
      // Tracked in inFlight; a failure is kept in `failure` and stops the loop.
      void write(batch);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    await store.close();
  }
  if (failure) {
    throw new MigrateError(
      `telemetry copy stopped after ${fmt(copied)} of ${fmt(total)} readings: ${errorMessage(failure)} ` +
        '(re-run with --resume: re-sent readings are stored once)',
      1,
      { cause: failure },
    );
  }
  report(true);
  opts.progress.done();
  const seconds = (performance.now() - started) / 1000;

  opts.progress.line('verifying telemetry counts per asset (InfluxQL COUNT) ...');
  const [source, target] = [await src.countsByAsset(opts.range), await influxInspector(opts.influx).countsByAsset(opts.range)];
  const mismatches: AssetMismatch[] = [];
  for (const assetId of new Set([...source.keys(), ...target.keys()])) {
    const s = source.get(assetId)?.values ?? {};
    const t = target.get(assetId) ?? {};
    for (const metric of new Set([...Object.keys(s), ...Object.keys(t)])) {
      if ((s[metric] ?? 0) !== (t[metric] ?? 0)) mismatches.push({ assetId, metric, source: s[metric] ?? 0, target: t[metric] ?? 0 });
    }
  }
  return { readings: copied, emptyReadings: empty, assets: source.size, seconds, mismatches, ok: mismatches.length === 0 };
}
