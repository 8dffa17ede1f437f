/**
 * Write throughput of the InfluxDB adapter (writeBatch resolves on the
 * server's 204, so this is acknowledged throughput).
 *
 *   npx tsx packages/telemetry-store/src/cli/bench-influx.ts <url> <database> [values=400000] [batchReadings=1000] [concurrency=2]
 *
 * InfluxDB 1.x only (creates the database with CREATE DATABASE).
 */
import { createInfluxTelemetryStore } from '../influx/store.js';
import type { StoredReading } from '../port.js';

const [url = 'http://127.0.0.1:8086', database = 'hm_bench'] = process.argv.slice(2);
const totalValues = Number(process.argv[4] ?? 400_000);
const batchReadings = Number(process.argv[5] ?? 1000);
const concurrency = Number(process.argv[6] ?? 2);

await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE "${database}"` }) });
const store = createInfluxTelemetryStore({ url, version: 1, database });
const t0 = Date.UTC(2025, 0, 1);
const readingsTotal = Math.ceil(totalValues / 8);
const batches: StoredReading[][] = [];
for (let i = 0; i < readingsTotal; i += batchReadings) {
  batches.push(
    Array.from({ length: Math.min(batchReadings, readingsTotal - i) }, (_, j) => {
      const k = i + j;
      const metrics: Record<string, number | boolean> = { running: k % 100 !== 0 };
      for (let m = 0; m < 7; m++) metrics[`m${m}`] = Math.round((50 + m * 10 + Math.sin(k / 50 + m) * 5) * 100) / 100;
      return { assetId: `ast_${k % 100}`, deviceId: `dev_${k % 100}`, ts: t0 + Math.floor(k / 100) * 1000, seq: k, metrics };
    }),
  );
}
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < batches.length) await store.writeBatch(batches[next++]!);
  }),
);
const s = (performance.now() - started) / 1000;
console.log(JSON.stringify({ values: readingsTotal * 8, readings: readingsTotal, batchReadings, concurrency,
  readingsPerSec: Math.round(readingsTotal / s), valuesPerSec: Math.round((readingsTotal * 8) / s) }));
