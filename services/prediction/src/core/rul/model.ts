import { z } from 'zod';
import { learnConditions, type ConditionModel } from './conditions.js';
import { buildFeatureMatrix, featureNames, type FeatureSpec } from './features.js';
import { DEFAULT_GBT_OPTIONS, fitGbt, predictGbt, type DenseMatrix, type GbtModel, type GbtOptions } from './gbt.js';
import { fitHealthIndex, healthIndexSeries, type HealthIndex } from './health-index.js';
import { phm08Score, quantile, rmse } from './metrics.js';
import { learnNormaliser, normaliseHistory, type CycleReading, type Normaliser } from './normalise.js';
import { seededRandom, shuffled } from '@hourmeter/domain';

/** An engine history for training: cycles in order, `rulAtEnd` cycles left after the last one (0 = ran to failure). */
export interface TrainingUnit {
  readonly id: number | string;
  readonly rows: readonly CycleReading[];
  readonly rulAtEnd?: number;
  /**
   * The unit was still running after its last row (a censored life: still in
   * service, or its component replaced before failing): its RUL there is
   * unknown, only known to exceed 0. It is never taken as a failure: only its
   * cycles at least `cap` before its last one have a known target (the cap),
   * the rest are not trained on, and it is never a validation unit.
   */
  readonly censored?: boolean;
}

/**
 * A point estimate of the remaining cycles (on the capped scale it was trained
 * on) with a band meant to bracket the true, uncapped RUL: `upper` reaches past
 * the cap for healthy-looking engines, `lower` never relies on it. Coverage is
 * measured on held-out training units and recorded in the model.
 */
export interface RulPrediction {
  readonly rul: number;
  readonly lower: number;
  readonly upper: number;
}

/**
 * Chosen by 4-fold cross-validation over TRAINING units of FD001 and FD002
 * (never the test files). Ablations there: dropping the health-index features
 * costs ~2 RMSE, dropping drift ~0.4, dropping cycle ~0.3; more sensor
 * statistics or boosting settings move it by under 0.1.
 */
export const DEFAULT_FEATURES: FeatureSpec = {
  cycle: true,
  sensor: [
    { kind: 'mean', window: 5 },
    { kind: 'ewma', alpha: 0.1 },
    { kind: 'slope', window: 30 },
    { kind: 'drift', window: 20 },
  ],
  healthIndex: [
    { kind: 'last' },
    { kind: 'mean', window: 5 },
    { kind: 'mean', window: 15 },
    { kind: 'mean', window: 30 },
    { kind: 'mean', window: 0 },
    { kind: 'ewma', alpha: 0.05 },
    { kind: 'ewma', alpha: 0.2 },
    { kind: 'slope', window: 10 },
    { kind: 'slope', window: 20 },
    { kind: 'slope', window: 40 },
    { kind: 'slope', window: 80 },
    { kind: 'slope', window: 0 },
    { kind: 'std', window: 15 },
    { kind: 'drift', window: 10 },
    { kind: 'drift', window: 30 },
  ],
};

export interface RulTrainOptions {
  /** Piecewise-linear target cap: RUL above it is not observable from sensors (125 by convention). */
  readonly cap: number;
  /** Share of training units held out (whole units, never cycles) for early stopping, metrics and bands. */
  readonly validationShare: number;
  readonly seed: number;
  readonly features: FeatureSpec;
  readonly gbt: Partial<GbtOptions>;
  /**
   * Boosted models averaged, each with its own seed (row/column samples):
   * averaging decorrelated members trims variance at a linear cost in time.
   */
  readonly ensemble: number;
  /** Refit on all units with the validated number of rounds (better model, twice the time). */
  readonly refit: boolean;
  /**
   * Fit on every `rowStride`-th cycle of each unit (counted back from its
   * last): neighbouring cycles' window features barely differ, so long lives
   * give as much to learn from at a fraction of the rows. Features still use
   * every cycle, and held-out units are scored on all of theirs.
   */
  readonly rowStride: number;
  /** Central coverage of the uncertainty band. */
  readonly bandCoverage: number;
  /**
   * Add a second health index fitted on degrading cycles only. Cross-validation
   * on FD001/FD002 training units showed no gain (within seed noise), so it is
   * off by default; kept for subsets with two fault modes (FD003/FD004).
   */
  readonly degradationIndex: boolean;
  /** Where the training data came from (e.g. `cmapss:FD001`), recorded for the registry. */
  readonly source: string;
  /** Names of the sensor channels (metric names), for the model's metadata; default s1, s2, ... */
  readonly sensorNames?: readonly string[] | undefined;
}

export const DEFAULT_TRAIN_OPTIONS: RulTrainOptions = {
  cap: 125,
  validationShare: 0.2,
  seed: 42,
  features: DEFAULT_FEATURES,
  gbt: {},
  ensemble: 3,
  refit: true,
  rowStride: 1,
  bandCoverage: 0.9,
  degradationIndex: false,
  source: 'unspecified',
};

export interface TrainProgress {
  readonly stage: 'validate' | 'refit';
  /** Ensemble member being trained, 1-based, of `members`. */
  readonly member: number;
  readonly members: number;
  readonly round: number;
  readonly rounds: number;
  readonly validationRmse: number | undefined;
}

const windowFeature = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('last') }),
  z.object({ kind: z.literal('ewma'), alpha: z.number().gt(0).lte(1) }),
  z.object({ kind: z.literal('mean'), window: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('std'), window: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('slope'), window: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('drift'), window: z.number().int().positive() }),
]);
const numbers = z.array(z.number());
const tree = z.object({ feature: z.array(z.number().int()), threshold: numbers, left: z.array(z.number().int()), right: z.array(z.number().int()), value: numbers });

/** The persisted form of a trained model: plain JSON, validated on the way back in. */
export const SerializedRulModel = z.object({
  kind: z.literal('hourmeter.rul.gbt'),
  version: z.literal(1),
  cap: z.number().positive(),
  conditions: z.object({ centre: numbers, scale: numbers, centroids: z.array(numbers).min(1) }),
  normaliser: z.object({ sensors: z.array(z.number().int().nonnegative()), mean: z.array(numbers), std: z.array(numbers) }),
  healthIndexes: z.array(z.object({ weights: numbers, intercept: z.number() })).min(1),
  features: z.object({ cycle: z.boolean(), sensor: z.array(windowFeature), healthIndex: z.array(windowFeature) }),
  featureNames: z.array(z.string()),
  /** Ensemble members; the prediction is their mean. */
  gbt: z.array(z.object({ featureCount: z.number().int().positive(), base: z.number(), trees: z.array(tree) })).min(1),
  /**
   * Residual quantiles on held-out units per predicted-RUL bin: `lower` against
   * the capped target, `upper` against the uncapped truth (see trainRulModel).
   */
  band: z.object({ coverage: z.number().gt(0).lt(1), binEdges: numbers, lower: numbers, upper: numbers }),
  training: z.object({
    trainedAt: z.string(),
    source: z.string(),
    units: z.number().int(),
    rows: z.number().int(),
    unitLength: z.object({ min: z.number(), max: z.number() }),
    settingsRange: z.object({ min: numbers, max: numbers }),
    conditions: z.number().int().positive(),
    sensorsKept: z.array(z.string()),
    gbtOptions: z.record(z.string(), z.number()),
    members: z.number().int().positive(),
    /** Trees over all members. */
    rounds: z.number().int(),
    seconds: z.number(),
  }),
  validation: z.object({
    units: z.number().int(),
    rows: z.number().int(),
    /** All held-out cycles against the capped target. */
    rmse: z.number(),
    /** Held-out cycles with true RUL <= cap, against the true RUL: closest to the test protocol. */
    rmseDegrading: z.number(),
    scoreDegrading: z.number(),
    bandCoverage: z.number(),
  }),
});
export type SerializedRulModel = z.infer<typeof SerializedRulModel>;

interface Transforms {
  readonly conditions: ConditionModel;
  readonly normaliser: Normaliser;
  readonly healthIndexes: HealthIndex[];
  readonly features: FeatureSpec;
}

const indexNames = (count: number) => Array.from({ length: count }, (_, i) => (i === 0 ? 'hi' : `hi${i + 1}`));

/**
 * How many of a unit's first cycles have a known target: all of a failed
 * unit's; of a censored one, those at least `cap` cycles before its last row
 * (its true RUL there is beyond the cap whatever happens after).
 */
export function knownTargetRows(unit: TrainingUnit, cap: number): number {
  const n = unit.rows.length;
  if (!unit.censored) return n;
  return Math.max(0, Math.min(n, Math.floor(n - cap)));
}

/** Targets of the unit's known-target cycles (min(RUL, cap)). */
export function targets(unit: TrainingUnit, cap: number): Float64Array {
  const n = unit.rows.length;
  const end = unit.rulAtEnd ?? 0;
  if (unit.censored) return new Float64Array(knownTargetRows(unit, cap)).fill(cap);
  return Float64Array.from({ length: n }, (_, t) => Math.min(cap, n - 1 - t + end));
}

function learnTransforms(units: readonly TrainingUnit[], features: FeatureSpec, cap: number, degradationIndex: boolean): Transforms {
  const rows = units.flatMap((u) => u.rows);
  const conditions = learnConditions(rows.map((r) => r.settings));
  const normaliser = learnNormaliser(rows, conditions);
  const channels = units.map((u) => normaliseHistory(normaliser, conditions, u.rows));
  // Censored units contribute only their known-target cycles.
  const known = units.map((u) => knownTargetRows(u, cap));
  const healthIndexes = [fitHealthIndex(channels.map((ch, i) => ch.map((c) => c.subarray(0, known[i]))), units.map((u) => targets(u, cap)))];
  if (degradationIndex) {
    // Fitted on the degrading cycles only (true RUL <= cap), against true RUL:
    // a trend-shaped index, where the first one mostly separates healthy from worn.
    const failed = units.map((u, i) => [u, i] as const).filter(([u]) => !u.censored);
    const start = failed.map(([u]) => Math.max(0, u.rows.length - 1 + (u.rulAtEnd ?? 0) - cap));
    healthIndexes.push(
      fitHealthIndex(
        failed.map(([, i], j) => channels[i]!.map((c) => c.subarray(start[j]))),
        failed.map(([u], j) => targets(u, Infinity).subarray(start[j])),
      ),
    );
  }
  return { conditions, normaliser, healthIndexes, features };
}

function unitFeatures(tf: Transforms, rows: readonly CycleReading[]) {
  const channels = normaliseHistory(tf.normaliser, tf.conditions, rows);
  return buildFeatureMatrix(
    tf.features,
    channels,
    tf.healthIndexes.map((h) => healthIndexSeries(h, channels)),
  );
}

function stack(tf: Transforms, units: readonly TrainingUnit[], cap: number, stride = 1): { X: DenseMatrix; y: Float64Array } {
  // Features use each unit's whole history; only rows with a known target are kept (every `stride`-th, the last always).
  const parts = units.map((u) => unitFeatures(tf, u.rows));
  const known = units.map((u) => knownTargetRows(u, cap));
  const kept = known.map((k) => Math.ceil(k / stride));
  const rows = kept.reduce((a, k) => a + k, 0);
  const cols = parts[0]?.width ?? 0;
  const data = new Float64Array(rows * cols);
  const y = new Float64Array(rows);
  let r = 0;
  parts.forEach((m, i) => {
    const ys = targets(units[i]!, cap);
    // The kept rows end on the last known one; a unit with none keeps none.
    for (let t = known[i]! - 1 - stride * (kept[i]! - 1); t < known[i]!; t += stride, r++) {
      data.set(m.data.subarray(t * cols, (t + 1) * cols), r * cols);
      y[r] = ys[t]!;
    }
  });
  return { X: { rows, cols, data }, y };
}

function predictEnsemble(members: readonly GbtModel[], x: Float64Array, offset: number): number {
  let sum = 0;
  for (const m of members) sum += predictGbt(m, x, offset);
  return sum / members.length;
}

// Finer at the top: "looks healthy" (near the cap) is where the truth spreads most.
const BAND_BIN_EDGES = [15, 30, 45, 60, 80, 100, 115];

function bandBin(edges: readonly number[], rul: number): number {
  let b = 0;
  while (b < edges.length && rul >= edges[b]!) b++;
  return b;
}

export class RulModel {
  private constructor(private readonly json: SerializedRulModel) {}

  /** Restores a model from its JSON form, rejecting anything malformed. */
  static fromJSON(input: unknown): RulModel {
    const json = SerializedRulModel.parse(input);
    const width = json.featureNames.length;
    for (const member of json.gbt) {
      if (member.featureCount !== width) throw new Error(`model has ${width} feature names but trees expect ${member.featureCount}`);
    }
    return new RulModel(json);
  }

  /** @internal used by training */
  static fromSerialized(json: SerializedRulModel): RulModel {
    return new RulModel(json);
  }

  get metadata(): Pick<SerializedRulModel, 'training' | 'validation' | 'featureNames' | 'cap'> {
    return { training: this.json.training, validation: this.json.validation, featureNames: this.json.featureNames, cap: this.json.cap };
  }

  toJSON(): SerializedRulModel {
    return this.json;
  }

  /** RUL after the last cycle of `history` (cycles in order from the engine's first). */
  predict(history: readonly CycleReading[]): RulPrediction {
    if (history.length === 0) throw new Error('predict: empty history');
    return this.predictAll(history).at(-1)!;
  }

  /** Predictions after every cycle of `history` (each uses only the cycles up to it). */
  predictAll(history: readonly CycleReading[]): RulPrediction[] {
    const tf = this.transforms();
    const m = unitFeatures(tf, history);
    const out: RulPrediction[] = [];
    for (let t = 0; t < m.rows; t++) out.push(this.withBand(predictEnsemble(this.json.gbt, m.data, t * m.width)));
    return out;
  }

  private transforms(): Transforms {
    const { conditions, normaliser, healthIndexes, features } = this.json;
    return { conditions, normaliser, healthIndexes, features };
  }

  /** The prediction (capped, with its band) for a raw ensemble output; streaming.ts scores the trees itself. */
  withBand(raw: number): RulPrediction {
    const rul = Math.min(this.json.cap, Math.max(0, raw));
    const { binEdges, lower, upper } = this.json.band;
    const b = bandBin(binEdges, rul);
    return { rul, lower: Math.max(0, rul + lower[b]!), upper: Math.max(rul, rul + upper[b]!) };
  }
}

/**
 * Trains the RUL model: split by unit, learn conditions/normalisation/health
 * index on the fitting units only, boost with early stopping on the held-out
 * units, derive metrics and bands there, then (by default) refit everything on
 * all units with the validated number of rounds.
 */
export function trainRulModel(units: readonly TrainingUnit[], partial: Partial<RulTrainOptions> = {}, onProgress?: (p: TrainProgress) => void): RulModel {
  const started = performance.now();
  const o: RulTrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...partial };
  const gbtOptions: GbtOptions = { ...DEFAULT_GBT_OPTIONS, ...o.gbt };
  const failedUnits = units.filter((u) => !u.censored);
  if (failedUnits.length < 5) throw new Error(`trainRulModel: need at least 5 units that ran to failure, got ${failedUnits.length}`);
  // Validation holds out failed units only: a censored unit's truth is unknown.
  const order = shuffled(failedUnits, seededRandom(o.seed));
  const nVal = Math.max(1, Math.round(failedUnits.length * o.validationShare));
  const valUnits = order.slice(0, nVal);
  const fitUnits = [...order.slice(nVal), ...units.filter((u) => u.censored)];

  const tfFit = learnTransforms(fitUnits, o.features, o.cap, o.degradationIndex);
  const stride = Math.max(1, Math.floor(o.rowStride));
  const fitData = stack(tfFit, fitUnits, o.cap, stride);
  const valData = stack(tfFit, valUnits, o.cap);
  const members = Math.max(1, Math.floor(o.ensemble));
  const seedOf = (member: number) => gbtOptions.seed + 1000 * member;
  // Members differ only by seed, so one early-stopped member finds the round
  // count for all of them; without a refit every member is still needed here.
  const validated = o.refit ? 1 : members;
  const first = Array.from({ length: validated }, (_, k) =>
    fitGbt(fitData.X, fitData.y, { ...gbtOptions, seed: seedOf(k) }, valData, (p) =>
      onProgress?.({ stage: 'validate', member: k + 1, members: validated, round: p.round, rounds: gbtOptions.rounds, validationRmse: p.validationRmse }),
    ),
  );
  const firstModels = first.map((f) => f.model);

  // Held-out residuals: metrics, and the band quantiles per predicted-RUL bin.
  // With a refit they describe one member trained on 80% of the units, so they
  // are, if anything, pessimistic for the averaged, fully trained ensemble.
  // The upper edge comes from residuals against the UNCAPPED true RUL: a
  // healthy-looking engine really may have 250 cycles left, and its band must
  // say so. The lower edge comes from residuals against the CAPPED target:
  // sensors carry no evidence beyond the cap, and the engines seen in training
  // say little about how short a healthy-looking life can be (a fleet may hold
  // shorter-lived ones), so the band never promises more than the cap allows.
  const valPred = new Float64Array(valData.X.rows);
  for (let i = 0; i < valPred.length; i++) valPred[i] = Math.min(o.cap, Math.max(0, predictEnsemble(firstModels, valData.X.data, i * valData.X.cols)));
  const valTruth = Float64Array.from(valUnits.flatMap((u) => u.rows.map((_, t) => u.rows.length - 1 - t + (u.rulAtEnd ?? 0))));
  const nBins = BAND_BIN_EDGES.length + 1;
  const lowByBin: number[][] = Array.from({ length: nBins }, () => []);
  const highByBin: number[][] = Array.from({ length: nBins }, () => []);
  const lowAll: number[] = [];
  const highAll: number[] = [];
  for (let i = 0; i < valPred.length; i++) {
    const b = bandBin(BAND_BIN_EDGES, valPred[i]!);
    const low = valData.y[i]! - valPred[i]!;
    const high = valTruth[i]! - valPred[i]!;
    lowByBin[b]!.push(low);
    highByBin[b]!.push(high);
    lowAll.push(low);
    highAll.push(high);
  }
  const qLo = (1 - o.bandCoverage) / 2;
  const qHi = 1 - qLo;
  const sortNum = (a: number[]) => a.sort((x, y) => x - y);
  sortNum(lowAll);
  sortNum(highAll);
  // Sparse bins fall back to the pooled residuals rather than trusting a handful of points.
  const band = {
    coverage: o.bandCoverage,
    binEdges: BAND_BIN_EDGES,
    lower: lowByBin.map((rs) => quantile(rs.length >= 30 ? sortNum(rs) : lowAll, qLo)),
    upper: highByBin.map((rs) => quantile(rs.length >= 30 ? sortNum(rs) : highAll, qHi)),
  };
  let covered = 0;
  const degradingPred: number[] = [];
  const degradingTrue: number[] = [];
  {
    let r = 0;
    for (const u of valUnits) {
      const n = u.rows.length;
      for (let t = 0; t < n; t++, r++) {
        const pred = valPred[r]!;
        const b = bandBin(BAND_BIN_EDGES, pred);
        const truth = valTruth[r]!;
        if (truth >= pred + band.lower[b]! && truth <= pred + band.upper[b]!) covered++;
        if (truth <= o.cap) {
          degradingPred.push(pred);
          degradingTrue.push(truth);
        }
      }
    }
  }
  const validation = {
    units: valUnits.length,
    rows: valData.X.rows,
    rmse: rmse(valPred, valData.y),
    rmseDegrading: rmse(degradingPred, degradingTrue),
    scoreDegrading: phm08Score(degradingPred, degradingTrue),
    bandCoverage: covered / Math.max(1, valPred.length),
  };

  let tf = tfFit;
  let gbt: GbtModel[] = firstModels;
  if (o.refit) {
    tf = learnTransforms(units, o.features, o.cap, o.degradationIndex);
    const all = stack(tf, units, o.cap, stride);
    const rounds = Math.max(1, first[0]!.bestRounds);
    gbt = Array.from({ length: members }, (_, k) => {
      return fitGbt(all.X, all.y, { ...gbtOptions, seed: seedOf(k), rounds }, undefined, (p) =>
        onProgress?.({ stage: 'refit', member: k + 1, members, round: p.round, rounds, validationRmse: undefined }),
      ).model;
    });
  }

  const allRows = units.flatMap((u) => u.rows);
  const dims = allRows[0]?.settings.length ?? 0;
  const settingsMin = new Array<number>(dims).fill(Infinity);
  const settingsMax = new Array<number>(dims).fill(-Infinity);
  for (const r of allRows) {
    for (let j = 0; j < dims; j++) {
      settingsMin[j] = Math.min(settingsMin[j]!, r.settings[j]!);
      settingsMax[j] = Math.max(settingsMax[j]!, r.settings[j]!);
    }
  }
  const lengths = units.map((u) => u.rows.length);
  const sensorNames = tf.normaliser.sensors.map((k) => o.sensorNames?.[k] ?? `s${k + 1}`);
  const json: SerializedRulModel = {
    kind: 'hourmeter.rul.gbt',
    version: 1,
    cap: o.cap,
    conditions: tf.conditions,
    normaliser: tf.normaliser,
    healthIndexes: tf.healthIndexes,
    features: { cycle: o.features.cycle, sensor: [...o.features.sensor], healthIndex: [...o.features.healthIndex] },
    featureNames: featureNames(o.features, sensorNames, indexNames(tf.healthIndexes.length)),
    gbt,
    band,
    training: {
      trainedAt: new Date().toISOString(),
      source: o.source,
      units: units.length,
      rows: allRows.length,
      unitLength: { min: Math.min(...lengths), max: Math.max(...lengths) },
      settingsRange: { min: settingsMin, max: settingsMax },
      conditions: tf.conditions.centroids.length,
      sensorsKept: sensorNames,
      gbtOptions: { ...gbtOptions },
      members: gbt.length,
      rounds: gbt.reduce((a, m) => a + m.trees.length, 0),
      seconds: (performance.now() - started) / 1000,
    },
    validation,
  };
  return RulModel.fromSerialized(json);
}
