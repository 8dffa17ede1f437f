/**
 * Condition-based RUL from the platform's own records: the C-MAPSS pipeline
 * (per-regime normalisation, health index, window features, boosted trees,
 * band) fed with life histories built from work orders and stored telemetry
 * of any metric set, with the target in operating hours.
 *
 * A life becomes a training unit of "cycles": consecutive slices of
 * `hoursPerCycle` operating hours from the start of the life (the age axis of
 * the lives builder), each the mean of the readings taken while running in
 * it. A life that ended in a failure trains with its remaining hours as the
 * target; a censored life (still running, or renewed preventively) is passed
 * as censored, so only its cycles at least the cap before its end are
 * trained on, at the cap, and it is never taken as a failure.
 *
 * Above the cap the sensors only say "healthy": there the population Weibull
 * fitted on the same lives gives the residual life at the unit's age, never
 * below what the condition model says.
 */
import { z } from 'zod';
import { RulModel, trainRulModel, type CycleReading, type GbtOptions, type RulPrediction, type RulTrainOptions, type TrainingUnit } from '../rul/index.js';
import type { PointEstimate } from './backtest.js';
import type { LifeRecord } from './lives.js';
import { conditionalFailureProbability, residualLifeQuantile, type WeibullParameters } from './weibull.js';

/** One stored reading of an asset: metric values at an instant (already restricted to running, see runningFilter). */
export interface TimedReading {
  ts: number;
  values: Readonly<Record<string, number>>;
}

export interface ConditionChannels {
  /** Metrics describing the operating point (regime clustering), e.g. load; may be empty. */
  settings: readonly string[];
  /** Metrics that show the condition. */
  sensors: readonly string[];
}

/** What a stored condition model needs besides the boosted trees to estimate. */
export interface ConditionSpec extends ConditionChannels {
  hoursPerCycle: number;
  /** Target cap in cycles (the trees never predict above it). */
  capCycles: number;
  /** The population fit on the same lives: residual life where the sensors cannot tell. */
  baseline: WeibullParameters;
  /**
   * What an estimate at the cap (sensors say "healthy") gives: `population`
   * (default) the baseline's residual life at the age when longer, `cap` the
   * capped trees' figure alone (the C-MAPSS convention, for comparisons).
   */
  aboveCap?: 'population' | 'cap' | undefined;
}

/** Cycles slightly shorter than a whole (float sums of meter hours) still count as whole. */
const EPS = 1e-6;

/** Number of complete cycles in `ageHours`. */
export const completeCycles = (ageHours: number, hoursPerCycle: number) => Math.max(0, Math.floor(ageHours / hoursPerCycle + EPS));

/**
 * The cycles of one life: cycle k is the mean of the readings at ages
 * [k h, (k+1) h) of the life, for the `cycles` first cycles. A cycle with no
 * reading repeats the previous one (the first ones take the first seen);
 * undefined when the life has no reading with every channel at all.
 */
export function lifeCycles(readings: readonly TimedReading[], ageOf: (ts: number) => number, cycles: number, hoursPerCycle: number, channels: ConditionChannels): CycleReading[] | undefined {
  const names = [...channels.settings, ...channels.sensors];
  const width = names.length;
  const sums = new Float64Array(cycles * width);
  const counts = new Uint32Array(cycles);
  for (const r of readings) {
    const k = Math.floor(ageOf(r.ts) / hoursPerCycle + EPS);
    if (k < 0 || k >= cycles) continue;
    if (!names.every((n) => Number.isFinite(r.values[n]))) continue;
    counts[k]!++;
    for (let j = 0; j < width; j++) sums[k * width + j]! += r.values[names[j]!]!;
  }
  const first = counts.findIndex((c) => c > 0);
  if (first < 0) return undefined;
  const rows: CycleReading[] = [];
  let last: number[] = [];
  for (let k = 0; k < cycles; k++) {
    const src = counts[k]! > 0 ? k : k < first ? first : -1;
    if (src >= 0) last = Array.from({ length: width }, (_, j) => sums[src * width + j]! / counts[src]!);
    rows.push({ settings: last.slice(0, channels.settings.length), sensors: last.slice(channels.settings.length) });
  }
  return rows;
}

/**
 * A training unit of one life: all its complete cycles; a failed life ends
 * `rulAtEnd` cycles (under one) before its failure, a censored one is censored.
 */
export function conditionUnit(id: string, life: Pick<LifeRecord, 'hours' | 'startHours' | 'failed'>, readings: readonly TimedReading[], ageOf: (ts: number) => number, hoursPerCycle: number, channels: ConditionChannels): TrainingUnit | undefined {
  const span = life.hours - (life.startHours ?? 0);
  const n = completeCycles(span, hoursPerCycle);
  if (n < 2) return undefined;
  const rows = lifeCycles(readings, ageOf, n, hoursPerCycle, channels);
  if (!rows) return undefined;
  if (!life.failed) return { id, rows, censored: true };
  return { id, rows, rulAtEnd: Math.max(0, span / hoursPerCycle - n) };
}

export interface ConditionTrainOptions {
  hoursPerCycle: number;
  channels: ConditionChannels;
  baseline: WeibullParameters;
  aboveCap?: 'population' | 'cap' | undefined;
  /** Cap in cycles (default 125, the C-MAPSS convention). */
  capCycles?: number | undefined;
  source: string;
  ensemble?: number | undefined;
  refit?: boolean | undefined;
  /** Fit on every n-th cycle of each life (RulTrainOptions.rowStride). */
  rowStride?: number | undefined;
  seed?: number | undefined;
  /** Boosting settings (default: the C-MAPSS-validated ones). */
  gbt?: Partial<GbtOptions> | undefined;
}

export interface ConditionRulModel {
  spec: ConditionSpec;
  model: RulModel;
}

/** The pipeline's options for these units (cap in cycles, metric names for the features). */
export function conditionRulOptions(o: ConditionTrainOptions): Partial<RulTrainOptions> {
  return {
    cap: o.capCycles ?? 125,
    source: o.source,
    sensorNames: o.channels.sensors,
    ...(o.ensemble === undefined ? {} : { ensemble: o.ensemble }),
    ...(o.refit === undefined ? {} : { refit: o.refit }),
    ...(o.rowStride === undefined ? {} : { rowStride: o.rowStride }),
    ...(o.seed === undefined ? {} : { seed: o.seed }),
    ...(o.gbt === undefined ? {} : { gbt: o.gbt }),
  };
}

/** Wraps trained trees with what estimating needs. */
export function conditionModelOf(model: RulModel, o: ConditionTrainOptions): ConditionRulModel {
  const spec: ConditionSpec = { settings: [...o.channels.settings], sensors: [...o.channels.sensors], hoursPerCycle: o.hoursPerCycle, capCycles: o.capCycles ?? 125, baseline: { shape: o.baseline.shape, scale: o.baseline.scale }, aboveCap: o.aboveCap ?? 'population' };
  return { spec, model };
}

/** Trains the boosted-tree pipeline on the units in this thread (needs at least 5 failed ones). */
export function trainConditionModel(units: readonly TrainingUnit[], o: ConditionTrainOptions): ConditionRulModel {
  return conditionModelOf(trainRulModel(units, conditionRulOptions(o)), o);
}

/**
 * P(RUL <= x) from the band, piecewise linear through (0, 0), (lower, tail),
 * (median, 0.5), (upper, 1 - tail) and (2 upper, 1): the band is all the
 * model says of its spread.
 */
export function bandProbability(p: { rul: number; lower: number; upper: number }, coverage: number, x: number): number {
  const tail = (1 - coverage) / 2;
  const knots: [number, number][] = [
    [0, 0],
    [p.lower, tail],
    [p.rul, 0.5],
    [p.upper, 1 - tail],
    [Math.max(2 * p.upper, p.upper + 1e-9), 1],
  ];
  if (x <= 0) return 0;
  for (let i = 1; i < knots.length; i++) {
    const [x1, y1] = knots[i]!;
    if (x <= x1) {
      const [x0, y0] = knots[i - 1]!;
      return x1 > x0 ? y0 + ((y1 - y0) * (x - x0)) / (x1 - x0) : y1;
    }
  }
  return 1;
}

/**
 * The estimate after a life's complete cycles `rows` at age `ageHours`
 * (since the start of the life), in hours: the trees' RUL after the last
 * complete cycle less the part of the current cycle already run; where the
 * trees say "at the cap" (healthy), the baseline's residual life at the age
 * when that is longer.
 */
export function conditionEstimate(c: ConditionRulModel, prediction: RulPrediction, cyclesDone: number, ageHours: number, leadAgeHours: number): PointEstimate {
  const h = c.spec.hoursPerCycle;
  const into = Math.max(0, ageHours - cyclesDone * h);
  const hours = (x: number) => Math.max(0, x * h - into);
  const band = { rul: hours(prediction.rul), lower: hours(prediction.lower), upper: hours(prediction.upper) };
  const coverage = c.model.toJSON().band.coverage;
  const est: PointEstimate = { p10: band.lower, p50: band.rul, p90: band.upper, failureProbability: bandProbability(band, coverage, leadAgeHours) };
  if (prediction.rul < 0.9 * c.spec.capCycles || c.spec.aboveCap === 'cap') return est;
  const base = c.spec.baseline;
  return {
    p10: Math.max(est.p10, residualLifeQuantile(base, ageHours, 0.1)),
    p50: Math.max(est.p50, residualLifeQuantile(base, ageHours, 0.5)),
    p90: Math.max(est.p90, residualLifeQuantile(base, ageHours, 0.9)),
    failureProbability: Math.min(est.failureProbability, conditionalFailureProbability(base, ageHours, leadAgeHours)),
  };
}

/** The persisted form: spec plus the trees' JSON. */
export function serializeConditionModel(c: ConditionRulModel): string {
  return JSON.stringify({ spec: c.spec, model: c.model.toJSON() });
}

const StoredConditionModel = z.object({
  spec: z.object({
    settings: z.array(z.string()),
    sensors: z.array(z.string()).min(1),
    hoursPerCycle: z.number().positive(),
    capCycles: z.number().positive(),
    baseline: z.object({ shape: z.number().positive(), scale: z.number().positive() }),
    aboveCap: z.enum(['population', 'cap']).optional(),
  }),
  model: z.unknown(),
});

/** Restores a stored condition model, rejecting anything malformed. */
export function parseConditionModel(json: string): ConditionRulModel {
  const raw = StoredConditionModel.parse(JSON.parse(json));
  return { spec: raw.spec, model: RulModel.fromJSON(raw.model) };
}
