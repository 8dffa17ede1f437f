import { gaussian } from '../anomaly/testing.js';
import type { StoredReading } from './ports.js';

const MIN = 60_000;

/** A compressor's readings every minute from `t0 + from` min; `vib(i)` gives the vibration excess at minute i. */
export function compressorReadings(t0: number, assetId: string, from: number, to: number, vib: (i: number) => number, seed = from + 7): StoredReading[] {
  const noise = gaussian(seed);
  const out: StoredReading[] = [];
  for (let i = from; i < to; i++) {
    out.push({
      assetId,
      deviceId: 'dev_x',
      ts: t0 + i * MIN,
      metrics: {
        running: true,
        // Inside one 10 % load bin, away from its edges.
        load_pct: 65 + noise(),
        vibration_rms: 1 + 0.05 * noise() + vib(i),
        discharge_temp_c: 80 + 0.5 * noise(),
        operating_hours: 1000 + i / 60,
      },
    });
  }
  return out;
}
