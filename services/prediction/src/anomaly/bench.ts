/* eslint-disable no-console -- a benchmark prints its figures */
/**
 * Micro-benchmark of the streaming detector: ns per reading (and per metric)
 * for an asset publishing a load metric plus N monitored metrics.
 *   npx tsx services/prediction/src/anomaly/bench.ts [readings=500000] [metrics=6]
 */
import { createAnomalyDetector, newAssetState, type ObserveOptions } from './detector.js';
import { gaussian } from './testing.js';

const readings = Number(process.argv[2] ?? 500_000);
const metricCount = Number(process.argv[3] ?? 6);
const assets = 100;
const noise = gaussian(42);
const names = Array.from({ length: metricCount }, (_, i) => `metric_${i}`);
// Pre-built readings so the loop measures the detector, not the generator.
const pool = Array.from({ length: 4096 }, (_, i) => {
  const m: Record<string, number | boolean> = { load_pct: [20, 55, 90][Math.floor(i / 500) % 3]!, running: true };
  for (const n of names) m[n] = 10 + noise();
  return m;
});
const det = createAnomalyDetector();
const states = Array.from({ length: assets }, () => newAssetState());
const opts: ObserveOptions = { regime: { kind: 'auto' } };
let flagged = 0;
const sink = (s: { flagged: boolean }) => {
  if (s.flagged) flagged++;
};

function pass(count: number, t0: number): void {
  for (let i = 0; i < count; i++) det.observe(states[i % assets]!, t0 + Math.floor(i / assets) * 60_000, pool[i & 4095]!, opts, sink);
}
pass(100_000, 0); // warm-up: JIT and baselines
const start = process.hrtime.bigint();
pass(readings, 10 ** 12);
const ns = Number(process.hrtime.bigint() - start);
console.log(
  JSON.stringify({
    readings,
    monitoredMetricsPerReading: metricCount,
    nsPerReading: Math.round(ns / readings),
    nsPerMetric: Math.round(ns / readings / metricCount),
    readingsPerSecond: Math.round(readings / (ns / 1e9)),
    flagged,
    stateBytesPerAsset: Math.round(JSON.stringify(states).length / assets),
  }),
);
