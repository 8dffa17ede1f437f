/**
 * Measures the embedded adapter: write throughput and bytes of disk per stored
 * value, for 2-decimal sensor values at 8 metrics per reading.
 *
 *   npx tsx packages/telemetry-store/src/cli/bench-duckdb.ts [values=1000000] [batchReadings=1000] [assets=50] [inFlight=1]
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbTelemetryStore } from '../duckdb/store.js';
import type { StoredReading, TelemetryStore } from '../port.js';

const totalValues = Number(process.argv[2] ?? 1_000_000);
const batchReadings = Number(process.argv[3] ?? 1000);
const assets = Number(process.argv[4] ?? 50);
/** writeBatch calls in flight at once (group commit shares their fsync). */
const inFlight = Number(process.argv[5] ?? 1);
const METRICS = [
  ['temp_c', 70, 0.05],
  ['vibration_mm_s', 4, 0.02],
  ['pressure_bar', 6, 0.01],
  ['rpm', 1500, 2],
  ['current_a', 32, 0.1],
  ['oil_temp_c', 85, 0.03],
  ['flow_l_min', 120, 0.5],
] as const;

/** A random walk per asset and metric, rounded to 2 decimals, plus a boolean. */
function* readings(): Generator<StoredReading> {
  const state = Array.from({ length: assets }, () => METRICS.map(([, base]): number => base));
  const t0 = Date.UTC(2025, 0, 1);
  const readingsTotal = Math.ceil(totalValues / (METRICS.length + 1));
  for (let i = 0; i < readingsTotal; i++) {
    const a = i % assets;
    const tick = Math.floor(i / assets);
    const s = state[a]!;
    const metrics: Record<string, number | boolean> = {};
    METRICS.forEach(([name, , step], m) => {
      s[m] = s[m]! + (Math.random() - 0.5) * 2 * step;
      metrics[name] = Math.round(s[m] * 100) / 100;
    });
    metrics.running = Math.random() > 0.01;
    // 1 s sampling with a few ms of device clock jitter.
    yield { assetId: `ast_${a}`, deviceId: `dev_${a}`, ts: t0 + tick * 1000 + Math.floor(Math.random() * 5), seq: tick, metrics };
  }
}

/** Read latencies on the written data (the first read also merges what is staged). */
async function timeReads(store: TelemetryStore): Promise<Record<string, number>> {
  const t0 = Date.UTC(2025, 0, 1);
  const to = t0 + 86_400_000;
  const time = async (fn: () => Promise<unknown>) => {
    const s = performance.now();
    await fn();
    return Math.round((performance.now() - s) * 10) / 10;
  };
  return {
    firstReadWithMerge: await time(() => store.latest('ast_0')),
    latestAllMetrics: await time(() => store.latest('ast_1')),
    rawOneHour3Metrics: await time(() => store.queryRange({ assetId: 'ast_2', metrics: ['temp_c', 'rpm', 'running'], from: t0, to: t0 + 3_600_000 })),
    meanPerMinuteFullSpan: await time(() => store.queryRange({ assetId: 'ast_3', metrics: ['temp_c', 'rpm'], from: t0, to, stepMs: 60_000 })),
  };
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

const dir = mkdtempSync(join(tmpdir(), 'hm-bench-duckdb-'));
try {
  const store = await createDuckDbTelemetryStore({ dataDir: dir });
  let batch: StoredReading[] = [];
  let values = 0;
  const inflight = new Set<Promise<void>>();
  const submit = async (b: StoredReading[]) => {
    const p = store.writeBatch(b).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= inFlight) await Promise.race(inflight);
  };
  const started = performance.now();
  for (const r of readings()) {
    batch.push(r);
    values += Object.keys(r.metrics).length;
    if (batch.length === batchReadings) {
      await submit(batch);
      batch = [];
    }
  }
  if (batch.length) await submit(batch);
  await Promise.all(inflight);
  const writeMs = performance.now() - started;
  const reads = await timeReads(store);
  const closeStarted = performance.now();
  await store.close();
  const totalMs = performance.now() - started;
  const bytes = dirBytes(dir);
  console.log(JSON.stringify({
    values,
    readings: Math.ceil(values / 8),
    batchReadings,
    inFlight,
    assets,
    writeBatchValuesPerSec: Math.round(values / (writeMs / 1000)),
    writeBatchReadingsPerSec: Math.round(values / 8 / (writeMs / 1000)),
    closeMs: Math.round(performance.now() - closeStarted),
    valuesPerSecIncludingMergeAndCheckpoint: Math.round(values / (totalMs / 1000)),
    fileBytes: bytes,
    bytesPerValue: Number((bytes / values).toFixed(2)),
    readsMs: reads,
  }));
} finally {
  if (process.env.KEEP) console.log(dir); else rmSync(dir, { recursive: true, force: true });
}
