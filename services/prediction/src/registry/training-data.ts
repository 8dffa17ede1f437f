import { cmapssFiles, loadTrainUnits, SENSOR_COUNT, SETTING_COUNT, type CmapssSetName } from '@hourmeter/cmapss';
import type { StoredReading, TelemetryStore } from '@hourmeter/telemetry-store';
import { AppError } from '@hourmeter/runtime';
import type { CycleReading, TrainingUnit } from '../core/rul/index.js';

/** Metric names as the C-MAPSS replay publishes them (simulators/cmapss/src/replay.ts). */
export const SETTING_METRICS = Array.from({ length: SETTING_COUNT }, (_, i) => `setting${i + 1}`);
export const SENSOR_METRICS = Array.from({ length: SENSOR_COUNT }, (_, i) => `s${i + 1}`);
export const RUL_INPUT_METRICS = [...SETTING_METRICS, ...SENSOR_METRICS];
/** The replay's cycle counter: when present it defines cycles exactly and marks run restarts. */
export const CYCLE_METRIC = 'cycle';

const MS_PER_HOUR = 3_600_000;

/**
 * Which metrics the RUL model reads: operating settings (per-regime
 * normalisation) and sensors, by name. Any product line's metric set fits;
 * the default is the C-MAPSS replay's.
 */
export interface MetricSpec {
  settings: readonly string[];
  sensors: readonly string[];
}

export const CMAPSS_METRIC_SPEC: MetricSpec = { settings: SETTING_METRICS, sensors: SENSOR_METRICS };

export interface CycleOptions {
  /** Operating hours one model cycle stands for: readings are averaged per cycle. */
  hoursPerCycle: number;
  /** The metrics read (default: the C-MAPSS replay's setting1-3, s1-s21). */
  metrics?: MetricSpec | undefined;
}

/** Readings of the current run only: after the last time the cycle counter went back (a new engine / overhaul). */
export function currentRun(readings: readonly Pick<StoredReading, 'metrics'>[]): number {
  for (let i = readings.length - 1; i > 0; i--) {
    const c = readings[i]!.metrics[CYCLE_METRIC];
    const p = readings[i - 1]!.metrics[CYCLE_METRIC];
    if (typeof c === 'number' && typeof p === 'number' && c < p) return i;
  }
  return 0;
}

function asNumber(v: number | boolean | undefined): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

/**
 * Maps readings (oldest first, one asset, one run) to model cycles. A reading
 * carrying a `cycle` metric belongs to that cycle (several readings of one
 * cycle are averaged); otherwise readings are grouped into consecutive buckets
 * of `hoursPerCycle` hours from the first reading, so one reading per cycle
 * maps one-to-one and denser telemetry is averaged. Readings lacking any of the
 * spec's setting/sensor metrics are ignored.
 */
export function readingsToCycles(readings: readonly Pick<StoredReading, 'ts' | 'metrics'>[], opts: CycleOptions): CycleReading[] {
  const stepMs = opts.hoursPerCycle * MS_PER_HOUR;
  const spec = opts.metrics ?? CMAPSS_METRIC_SPEC;
  const inputs = [...spec.settings, ...spec.sensors];
  const nSettings = spec.settings.length;
  const out: CycleReading[] = [];
  let key: number | undefined;
  let sum: Float64Array | undefined;
  let n = 0;
  const t0 = readings[0]?.ts ?? 0;
  const emit = () => {
    if (!sum || n === 0) return;
    const v = Array.from(sum, (x) => x / n);
    out.push({ settings: v.slice(0, nSettings), sensors: v.slice(nSettings) });
  };
  for (const r of readings) {
    const values = new Float64Array(inputs.length);
    let complete = true;
    for (let j = 0; j < inputs.length; j++) {
      const v = asNumber(r.metrics[inputs[j]!]);
      if (v === undefined) {
        complete = false;
        break;
      }
      values[j] = v;
    }
    if (!complete) continue;
    const cycle = asNumber(r.metrics[CYCLE_METRIC]);
    // Half a step of tolerance: replayed timestamps are rounded to the millisecond.
    const k = cycle ?? Math.floor((r.ts - t0) / stepMs + 0.5);
    if (k !== key) {
      emit();
      key = k;
      sum = new Float64Array(inputs.length);
      n = 0;
    }
    for (let j = 0; j < values.length; j++) sum![j]! += values[j]!;
    n++;
  }
  emit();
  return out;
}

/** Training units from a C-MAPSS training file (units run to failure); `units` picks unit numbers. */
export async function cmapssTrainingUnits(dataDir: string, set: CmapssSetName, units?: readonly number[]): Promise<TrainingUnit[]> {
  const all = await loadTrainUnits(cmapssFiles(dataDir, set).train);
  const wanted = units ? new Set(units) : undefined;
  const picked = wanted ? all.filter((u) => wanted.has(u.unit)) : all;
  if (wanted && picked.length !== wanted.size) {
    const have = new Set(all.map((u) => u.unit));
    throw new AppError('VALIDATION_FAILED', `${set} has no unit(s) ${[...wanted].filter((u) => !have.has(u)).join(', ')}`);
  }
  return picked.map((u) => ({ id: u.unit, rows: u.rows.map((r) => ({ settings: r.settings, sensors: r.sensors })), rulAtEnd: 0 }));
}

/** One run to failure of an asset: its readings in [from, failedAt] end at a failure. */
export interface FailureRun {
  assetId: string;
  failedAt: number;
  /** Start of the run (e.g. commissioning or the previous repair); default: the asset's earliest reading. */
  from?: number | undefined;
}

/** Training units from the telemetry history of assets with known failure times. */
export async function telemetryTrainingUnits(
  store: Pick<TelemetryStore, 'queryRange'>,
  runs: readonly FailureRun[],
  opts: CycleOptions,
): Promise<{ units: TrainingUnit[]; from: number; to: number }> {
  const units: TrainingUnit[] = [];
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const run of runs) {
    const start = run.from ?? 0;
    const spec = opts.metrics ?? CMAPSS_METRIC_SPEC;
    const series = await store.queryRange({ assetId: run.assetId, metrics: [...spec.settings, ...spec.sensors, CYCLE_METRIC], from: start, to: run.failedAt + 1 });
    const byTs = new Map<number, Record<string, number>>();
    for (const s of series) {
      for (const p of s.points) {
        let m = byTs.get(p.ts);
        if (!m) byTs.set(p.ts, (m = {}));
        m[s.metric] = p.value;
      }
    }
    const readings = [...byTs.entries()].sort((a, b) => a[0] - b[0]).map(([ts, metrics]) => ({ ts, metrics }));
    const run0 = readings.slice(currentRun(readings));
    const rows = readingsToCycles(run0, opts);
    if (rows.length < 2) throw new AppError('VALIDATION_FAILED', `asset ${run.assetId} has ${rows.length} usable cycle(s) before ${new Date(run.failedAt).toISOString()}`);
    // Cycles between the last reading and the failure (0 when it ran right up to it).
    const rulAtEnd = Math.max(0, Math.round((run.failedAt - run0.at(-1)!.ts) / (opts.hoursPerCycle * MS_PER_HOUR)));
    units.push({ id: `${run.assetId}@${run.failedAt}`, rows, rulAtEnd });
    from = Math.min(from, run0[0]!.ts);
    to = Math.max(to, run.failedAt);
  }
  return { units, from, to };
}
