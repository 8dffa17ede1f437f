/**
 * Time-split backtest of the population reliability model on the fleet's own
 * history: fit on what was recorded before T (lives censored at T, no event
 * or hour-meter day after T), then score the assets at evaluation instants
 * from T on, against what happened after T.
 *
 * At an instant t an asset is at age a (its current life). Figures:
 * - RUL error, for lives that later ended in a failure: predicted median
 *   residual life at a vs the operating hours that really remained;
 * - the asymmetric PHM08 penalty on the same errors, with d measured in
 *   tenths of the lead time (a failure predicted one lead time too late
 *   costs e - 1, as 10 cycles late does on C-MAPSS);
 * - band coverage: share of those true RULs inside the 10 %..90 % residual-life band;
 * - precision and recall of "fails within the lead time" (flagged when the
 *   probability of failing within the lead time is at least `threshold`).
 *   The lead time is calendar time (parts, travel): the model is asked about
 *   lead x recent utilisation operating hours, the outcome is whether the
 *   failure came within the lead time of calendar time. A life censored
 *   before a lead time had passed tells neither way and is not scored;
 *   censored lives never count as failures.
 * - the held-out log-likelihood per life of what happened after T (a
 *   failure contributes ln h(t) - (H(t) - H(a)), a life still running at the
 *   end -(H(t) - H(a)), from its age a at T or its start after T). It is the
 *   criterion a candidate must beat the active version on: RUL errors can only
 *   be measured on lives that failed within the scored period, the short
 *   ones, which rewards pessimistic models; the likelihood also counts the
 *   lives that did not fail.
 */
import { phm08Score, rmse } from '../rul/metrics.js';
import { assetClock, buildLives, recentUtilisation, type AgeAxis, type AssetRecord, type LifeRecord, type MaintenanceEvent, type Restoration } from './lives.js';
import { conditionalFailureProbability, fitWeibull, hazard, residualLifeQuantile, type WeibullFit, type WeibullFitFailure, type WeibullParameters } from './weibull.js';

export interface BacktestInput {
  assets: readonly AssetRecord[];
  events: readonly MaintenanceEvent[];
  restoration: Restoration;
  /** T: training uses nothing recorded after it. */
  splitAt: number;
  /** End of the scored period (now). */
  endAt: number;
  leadTimeHours: number;
  /** Time between evaluation instants (default 7 days). */
  stepMs?: number | undefined;
  /** Failure probability within the lead time from which a unit is flagged (default 0.5). */
  threshold?: number | undefined;
}

export interface BacktestFigures {
  splitAt: number;
  endAt: number;
  /** Evaluation instants x assets whose life later ended in a failure (the RUL figures' sample). */
  rulPoints: number;
  rulRmseHours: number | null;
  /** Mean PHM08 penalty per RUL point, d in tenths of the lead time. */
  phmScore: number | null;
  bandCoverage: number | null;
  /** Instants x assets whose outcome within the lead time is known. */
  leadPoints: number;
  precision: number | null;
  recall: number | null;
  failuresAfterSplit: number;
  /** Mean held-out log-likelihood per life observed after T (higher is better); null with none. */
  logLikelihoodPerLife: number | null;
  livesAfterSplit: number;
}

export interface BacktestResult {
  /** The fit on data before T (what was scored). */
  trainingFit: WeibullFit | WeibullFitFailure;
  trainingLives: LifeRecord[];
  ageAxis: AgeAxis;
  figures: BacktestFigures | null;
}

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 86_400_000;
/** Bounds the work of one backtest (assets x instants). */
const MAX_POINTS = 200_000;

/** What a model says of one asset at one instant of the scored period. */
export interface PointEstimate {
  /** Residual life quantiles (10 %, 50 %, 90 %), on the age axis. */
  p10: number;
  p50: number;
  p90: number;
  /** Probability of failing within `leadAgeHours`. */
  failureProbability: number;
}

/** Any model's residual life at instant t of an asset in `life`, aged `age`; undefined when it cannot tell. */
export type LifeEstimator = (at: { asset: AssetRecord; life: LifeRecord; t: number; age: number; leadAgeHours: number }) => PointEstimate | undefined;

/** The scored lives and each asset's clock over the whole record up to the end (only the model is restricted to T). */
interface ScoringFrame {
  byAsset: Map<string, LifeRecord[]>;
  clocks: Map<string, (ts: number) => number>;
}

function scoringFrame(input: BacktestInput, ageAxis: AgeAxis): ScoringFrame {
  const { lives } = buildLives(input.assets, input.events, { restoration: input.restoration, asOf: input.endAt, ageAxis });
  const byAsset = new Map<string, LifeRecord[]>();
  for (const l of lives) {
    const list = byAsset.get(l.assetId) ?? [];
    list.push(l);
    byAsset.set(l.assetId, list);
  }
  return { byAsset, clocks: new Map(input.assets.map((a) => [a.assetId, assetClock(a, ageAxis, input.endAt)])) };
}

/**
 * Scores any model on the period after T by the figures above, except the
 * likelihood (a Weibull property: null here). The same instants and points
 * for every model, so figures of a Weibull and a condition model compare.
 */
export function scoreEstimates(estimator: LifeEstimator, input: BacktestInput, ageAxis: AgeAxis, frame = scoringFrame(input, ageAxis)): BacktestFigures {
  const lead = input.leadTimeHours;
  const threshold = input.threshold ?? 0.5;
  let step = input.stepMs ?? WEEK_MS;
  const span = Math.max(0, input.endAt - input.splitAt);
  while (input.assets.length * Math.ceil(span / step) > MAX_POINTS) step *= 2;

  const predicted: number[] = [];
  const actual: number[] = [];
  let covered = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let leadPoints = 0;
  for (const asset of input.assets) {
    const clock = frame.clocks.get(asset.assetId)!;
    const own = frame.byAsset.get(asset.assetId) ?? [];
    for (let t = input.splitAt; t < input.endAt; t += step) {
      const life = own.find((l) => l.startAt <= t && t < l.endAt);
      if (!life) continue;
      const age = (life.startHours ?? 0) + clock(t) - clock(life.startAt);
      const remaining = life.hours - age;
      const utilisation = ageAxis === 'calendar_hours' ? 1 : recentUtilisation(asset.days, t);
      const est = estimator({ asset, life, t, age, leadAgeHours: lead * utilisation });
      if (!est) continue;
      if (life.failed) {
        predicted.push(est.p50);
        actual.push(remaining);
        if (remaining >= est.p10 && remaining <= est.p90) covered++;
      }
      const leadMs = lead * HOUR_MS;
      const failsWithinLead = life.failed && life.endAt - t <= leadMs;
      const survivesLead = life.endAt - t >= leadMs && !failsWithinLead; // failed later, or censored after at least a lead time
      if (!failsWithinLead && !survivesLead) continue;
      leadPoints++;
      const flagged = est.failureProbability >= threshold;
      if (flagged && failsWithinLead) tp++;
      else if (flagged) fp++;
      else if (failsWithinLead) fn++;
    }
  }
  const n = predicted.length;
  const scale = lead / 10;
  return {
    splitAt: input.splitAt,
    endAt: input.endAt,
    rulPoints: n,
    rulRmseHours: n ? rmse(predicted, actual) : null,
    phmScore: n ? phm08Score(predicted.map((p) => p / scale), actual.map((a) => a / scale)) / n : null,
    bandCoverage: n ? covered / n : null,
    leadPoints,
    precision: tp + fp ? tp / (tp + fp) : null,
    recall: tp + fn ? tp / (tp + fn) : null,
    failuresAfterSplit: input.events.filter((e) => e.kind === 'failure' && e.at > input.splitAt && e.at <= input.endAt).length,
    logLikelihoodPerLife: null,
    livesAfterSplit: 0,
  };
}

/** The Weibull model as a life estimator: residual-life quantiles given the age. */
export function weibullEstimator(params: WeibullParameters): LifeEstimator {
  return ({ age, leadAgeHours }) => ({
    p10: residualLifeQuantile(params, age, 0.1),
    p50: residualLifeQuantile(params, age, 0.5),
    p90: residualLifeQuantile(params, age, 0.9),
    failureProbability: conditionalFailureProbability(params, age, leadAgeHours),
  });
}

/** Scores fixed Weibull parameters on the period after T (used for a candidate and for the active version alike). */
export function scoreWeibull(params: WeibullParameters, input: BacktestInput, ageAxis: AgeAxis): BacktestFigures {
  const frame = scoringFrame(input, ageAxis);
  const figures = scoreEstimates(weibullEstimator(params), input, ageAxis, frame);
  // Held-out likelihood of every life (or part of one) after T.
  let logLikelihood = 0;
  let livesAfter = 0;
  const cumulative = (h: number) => Math.pow(Math.max(0, h) / params.scale, params.shape);
  for (const asset of input.assets) {
    const clock = frame.clocks.get(asset.assetId)!;
    for (const life of frame.byAsset.get(asset.assetId) ?? []) {
      if (life.endAt <= input.splitAt || life.hours <= 0) continue;
      const entry = life.startAt < input.splitAt ? (life.startHours ?? 0) + clock(input.splitAt) - clock(life.startAt) : (life.startHours ?? 0);
      if (life.hours <= entry) continue;
      livesAfter++;
      logLikelihood -= cumulative(life.hours) - cumulative(entry);
      if (life.failed) logLikelihood += Math.log(hazard(params, life.hours));
    }
  }
  return { ...figures, logLikelihoodPerLife: livesAfter ? logLikelihood / livesAfter : null, livesAfterSplit: livesAfter };
}

export function backtestWeibull(input: BacktestInput): BacktestResult {
  const training = buildLives(input.assets, input.events, { restoration: input.restoration, asOf: input.splitAt });
  const trainingFit = fitWeibull(training.lives);
  return {
    trainingFit,
    trainingLives: training.lives,
    ageAxis: training.ageAxis,
    figures: trainingFit.status === 'fitted' ? scoreWeibull(trainingFit, input, training.ageAxis) : null,
  };
}

/**
 * Default T: the instant by which 70 % of the recorded failures had happened,
 * so that both sides of the split hold failures; undefined with fewer than 3.
 */
export function defaultSplit(events: readonly MaintenanceEvent[], endAt: number): number | undefined {
  const failures = events
    .filter((e) => e.kind === 'failure' && e.at <= endAt)
    .map((e) => e.at)
    .sort((a, b) => a - b);
  if (failures.length < 3) return undefined;
  const k = Math.min(failures.length - 2, Math.max(1, Math.ceil(failures.length * 0.7) - 1));
  // Just after the k-th failure: it belongs to training.
  return failures[k]! + 1;
}
