import { assignCondition, type ConditionModel } from './conditions.js';

/** One cycle of an engine as the RUL model sees it (a C-MAPSS row fits). */
export interface CycleReading {
  readonly settings: readonly number[];
  readonly sensors: readonly number[];
}

/**
 * Per-condition z-scoring of the informative sensors, learned from training rows.
 * `sensors` lists the kept sensor indices (0 = s1); mean/std are [condition][kept].
 */
export interface Normaliser {
  readonly sensors: number[];
  readonly mean: number[][];
  readonly std: number[][];
}

/**
 * Learns which sensors carry information and how to normalise them.
 *
 * A sensor is dropped when, within every operating condition, it takes at most
 * two distinct values: truly constant channels and ones that only flicker by
 * one quantisation step (s6 in FD001) carry no degradation trend, just noise.
 * Deciding from the data rather than a fixed list keeps FD002-FD004 honest.
 */
export function learnNormaliser(rows: readonly CycleReading[], conditions: ConditionModel): Normaliser {
  if (rows.length === 0) throw new Error('learnNormaliser: no rows');
  const nCond = conditions.centroids.length;
  const nSensors = rows[0]!.sensors.length;
  const cond = rows.map((r) => assignCondition(conditions, r.settings));
  const count = new Array<number>(nCond).fill(0);
  const sum = Array.from({ length: nCond }, () => new Array<number>(nSensors).fill(0));
  const sumSq = Array.from({ length: nCond }, () => new Array<number>(nSensors).fill(0));
  const distinct = Array.from({ length: nCond }, () => Array.from({ length: nSensors }, () => new Set<number>()));
  rows.forEach((r, i) => {
    const c = cond[i]!;
    count[c]!++;
    for (let k = 0; k < nSensors; k++) {
      const v = r.sensors[k]!;
      sum[c]![k]! += v;
      sumSq[c]![k]! += v * v;
      // Three values are enough to prove variation; stop growing the set after that.
      if (distinct[c]![k]!.size < 3) distinct[c]![k]!.add(v);
    }
  });
  const sensors: number[] = [];
  for (let k = 0; k < nSensors; k++) {
    if (distinct.some((perCond, c) => count[c]! > 0 && perCond[k]!.size > 2)) sensors.push(k);
  }
  const mean: number[][] = [];
  const std: number[][] = [];
  for (let c = 0; c < nCond; c++) {
    const n = Math.max(1, count[c]!);
    const m = sensors.map((k) => sum[c]![k]! / n);
    mean.push(m);
    std.push(sensors.map((k, j) => Math.sqrt(Math.max(0, sumSq[c]![k]! / n - m[j]! ** 2)) || 1));
  }
  return { sensors, mean, std };
}

/** Normalised channels of one history: result[j][t] is kept sensor j at cycle t. */
export function normaliseHistory(normaliser: Normaliser, conditions: ConditionModel, rows: readonly CycleReading[]): Float64Array[] {
  const out = normaliser.sensors.map(() => new Float64Array(rows.length));
  rows.forEach((r, t) => {
    const c = assignCondition(conditions, r.settings);
    const m = normaliser.mean[c]!;
    const s = normaliser.std[c]!;
    normaliser.sensors.forEach((k, j) => {
      out[j]![t] = (r.sensors[k]! - m[j]!) / s[j]!;
    });
  });
  return out;
}
