import type { CycleReading } from '../core/rul/index.js';
import { CMAPSS_METRIC_SPEC, CYCLE_METRIC, type MetricSpec } from '../registry/training-data.js';
import type { StoredReading } from '../scoring/ports.js';

const MS_PER_HOUR = 3_600_000;

function asNumber(v: number | boolean | undefined): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

export interface CycleBuilderOptions {
  hoursPerCycle: number;
  metrics?: MetricSpec | undefined;
}

/**
 * `readingsToCycles` one reading at a time, for live scoring: the same grouping
 * (a `cycle` metric names the cycle, else buckets of `hoursPerCycle` from the
 * run's first reading; readings lacking an input are ignored) and the same run
 * cut (the cycle counter going back starts a new run). cycle-builder.test.ts
 * holds it to readingsToCycles on the same readings.
 */
export class CycleBuilder {
  private readonly stepMs: number;
  private readonly inputs: string[];
  private readonly nSettings: number;
  private t0: number | undefined;
  private lastCycleMetric: number | undefined;
  private key: number | undefined;
  private sum: Float64Array | undefined;
  private n = 0;

  constructor(opts: CycleBuilderOptions) {
    this.stepMs = opts.hoursPerCycle * MS_PER_HOUR;
    const spec = opts.metrics ?? CMAPSS_METRIC_SPEC;
    this.inputs = [...spec.settings, ...spec.sensors];
    this.nSettings = spec.settings.length;
  }

  /** The cycle still taking readings (averaged so far), if any. */
  get open(): CycleReading | undefined {
    if (!this.sum || this.n === 0) return undefined;
    const v = Array.from(this.sum, (x) => x / this.n);
    return { settings: v.slice(0, this.nSettings), sensors: v.slice(this.nSettings) };
  }

  /**
   * Takes the next reading (oldest first). Returns `restart` when it begins a
   * new run (whatever was open belonged to the old one and is dropped), the
   * cycle it completed when it opens the next one, or nothing.
   */
  add(r: Pick<StoredReading, 'ts' | 'metrics'>): { restart: true } | { completed: CycleReading } | undefined {
    const cycle = asNumber(r.metrics[CYCLE_METRIC]);
    const rawCycle = r.metrics[CYCLE_METRIC];
    let restart = false;
    if (typeof rawCycle === 'number') {
      if (this.lastCycleMetric !== undefined && rawCycle < this.lastCycleMetric) restart = true;
      this.lastCycleMetric = rawCycle;
    } else {
      // currentRun compares neighbours only: a reading without the counter breaks the chain.
      this.lastCycleMetric = undefined;
    }
    if (restart) this.reset();
    this.t0 ??= r.ts;
    const values = new Float64Array(this.inputs.length);
    for (let j = 0; j < this.inputs.length; j++) {
      const v = asNumber(r.metrics[this.inputs[j]!]);
      if (v === undefined) return restart ? { restart } : undefined;
      values[j] = v;
    }
    // Half a step of tolerance: replayed timestamps are rounded to the millisecond.
    const k = cycle ?? Math.floor((r.ts - this.t0) / this.stepMs + 0.5);
    let completed: CycleReading | undefined;
    if (k !== this.key) {
      completed = this.open;
      this.key = k;
      this.sum = new Float64Array(this.inputs.length);
      this.n = 0;
    }
    for (let j = 0; j < values.length; j++) this.sum![j]! += values[j]!;
    this.n++;
    if (restart) return { restart };
    return completed ? { completed } : undefined;
  }

  private reset(): void {
    this.t0 = undefined;
    this.key = undefined;
    this.sum = undefined;
    this.n = 0;
  }
}
