import type { RangeQuery, StoredReading } from './port.js';

/**
 * Checks shared by every adapter. They guard invariants of the port (callers
 * parse external input with zod before it gets here), so a violation throws.
 */
export function assertRangeQuery(q: RangeQuery): void {
  if (!Number.isSafeInteger(q.from) || !Number.isSafeInteger(q.to)) {
    throw new RangeError(`queryRange: from/to must be integer epoch ms (got ${q.from}, ${q.to})`);
  }
  if (q.stepMs !== undefined && (!Number.isSafeInteger(q.stepMs) || q.stepMs <= 0)) {
    throw new RangeError(`queryRange: stepMs must be a positive integer (got ${q.stepMs})`);
  }
}

export function assertEpochMs(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be integer epoch ms (got ${value})`);
}

export function assertReading(r: StoredReading): void {
  if (!Number.isSafeInteger(r.ts)) throw new RangeError(`reading ts must be integer epoch ms (got ${r.ts})`);
  if (r.seq !== undefined && !Number.isSafeInteger(r.seq)) {
    throw new RangeError(`reading seq must be an integer (got ${r.seq})`);
  }
  for (const [metric, v] of Object.entries(r.metrics)) {
    // NaN/Infinity cannot be stored by InfluxDB and would poison aggregates.
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw new RangeError(`metric ${metric} of asset ${r.assetId} is not finite (${v})`);
    }
  }
}

/** The port stores booleans as 0/1 so every metric is numeric downstream. */
export function metricValue(v: number | boolean): number {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}
