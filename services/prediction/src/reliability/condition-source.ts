/**
 * The platform's own records as condition-model training data: lives from
 * work orders and the hour meter (the lives builder of the Weibull model),
 * each joined with the stored telemetry of the asset model's metrics over
 * that life, bucketed and restricted to running time.
 */
import type { AssetModel, RunningRule } from '@hourmeter/domain';
import type { TelemetryStore } from '@hourmeter/telemetry-store';
import {
  assetClock,
  completeCycles,
  conditionEstimate,
  conditionUnit,
  lifeCycles,
  weibullEstimator,
  type AgeAxis,
  type AssetRecord,
  type ConditionChannels,
  type ConditionRulModel,
  type LifeEstimator,
  type LifeRecord,
  type TimedReading,
} from '../core/reliability/index.js';
import type { RulPrediction, TrainingUnit } from '../core/rul/index.js';

export type ConditionTelemetry = Pick<TelemetryStore, 'queryRange' | 'latest'>;

export interface ChannelOptions {
  /** Metrics of the operating point; default: the asset model's regime metric, if it has one. */
  settings?: readonly string[] | undefined;
  /** Condition metrics; default: every numeric metric the assets report, less settings, the running metric and ignored ones. */
  metrics?: readonly string[] | undefined;
}

/** Which metrics the condition model reads, from the request or else from what the population reports. */
export async function conditionChannels(m: AssetModel, telemetry: ConditionTelemetry, assets: readonly AssetRecord[], opts: ChannelOptions): Promise<ConditionChannels> {
  const regime = m.prediction?.regime;
  const settings = [...(opts.settings ?? (regime?.kind === 'metric' ? [regime.metric] : []))];
  if (opts.metrics) return { settings, sensors: opts.metrics.filter((x) => !settings.includes(x)) };
  // A boolean running flag or an hour counter says nothing of condition; a threshold rule's metric (a current, a speed) may.
  const runningOnly = m.runningRule.kind === 'threshold' ? [] : [m.runningRule.metric];
  const excluded = new Set([...settings, ...runningOnly, ...(m.prediction?.ignoreMetrics ?? [])]);
  const seen = new Set<string>();
  // A sample of the population is enough to learn what the product line reports.
  for (const a of assets.slice(0, 20)) for (const v of await telemetry.latest(a.assetId)) if (!excluded.has(v.metric)) seen.add(v.metric);
  return { settings, sensors: [...seen].sort() };
}

/** A reading counts when the running rule does not say the asset was stopped (a counter rule cannot tell per reading). */
export function runningFilter(rule: RunningRule): (values: Readonly<Record<string, number>>) => boolean {
  if (rule.kind === 'counter') return () => true;
  const threshold = rule.kind === 'threshold' ? rule.above : 0.5;
  return (values) => {
    const v = values[rule.metric];
    return v === undefined || v > threshold;
  };
}

/**
 * An asset's readings of the channels in [from, to), as bucket means of
 * `stepMs` (a bucket is running when the running metric's mean says so).
 */
export async function assetReadings(telemetry: ConditionTelemetry, assetId: string, channels: ConditionChannels, rule: RunningRule, from: number, to: number, stepMs: number): Promise<TimedReading[]> {
  const names = [...channels.settings, ...channels.sensors];
  const withRunning = rule.kind === 'counter' || names.includes(rule.metric) ? names : [...names, rule.metric];
  if (to <= from) return [];
  const series = await telemetry.queryRange({ assetId, metrics: withRunning, from, to, stepMs, agg: 'mean' });
  const byTs = new Map<number, Record<string, number>>();
  for (const s of series) {
    for (const p of s.points) {
      let row = byTs.get(p.ts);
      if (!row) byTs.set(p.ts, (row = {}));
      row[s.metric] = p.value;
    }
  }
  const running = runningFilter(rule);
  return [...byTs.entries()]
    .sort((a, b) => a[0] - b[0])
    .filter(([, values]) => running(values))
    .map(([ts, values]) => ({ ts, values }));
}

/** Bucket width for a cycle length: a few buckets per cycle, at least a minute, at most an hour. */
export const bucketMs = (hoursPerCycle: number) => Math.round(Math.min(3_600_000, Math.max(60_000, (hoursPerCycle * 3_600_000) / 4)));

/** A life's readings, from its start to its end (or `until`). */
const readingsOf = (all: readonly TimedReading[], life: Pick<LifeRecord, 'startAt' | 'endAt'>, until = Infinity) => all.filter((r) => r.ts >= life.startAt && r.ts < life.endAt && r.ts < until);

/**
 * Training units of lives: each life's cycles from the readings before `asOf`,
 * on the clock of what was known at `asOf`; lives too short for two cycles or
 * without readings are left out.
 */
export function unitsOfLives(
  lives: readonly LifeRecord[],
  assets: ReadonlyMap<string, AssetRecord>,
  readings: ReadonlyMap<string, readonly TimedReading[]>,
  o: { ageAxis: AgeAxis; asOf: number; hoursPerCycle: number; channels: ConditionChannels },
): TrainingUnit[] {
  const units: TrainingUnit[] = [];
  for (const life of lives) {
    const asset = assets.get(life.assetId);
    if (!asset) continue;
    const clock = assetClock(asset, o.ageAxis, o.asOf);
    const start = clock(life.startAt);
    const unit = conditionUnit(`${life.assetId}@${life.startAt}`, life, readingsOf(readings.get(life.assetId) ?? [], life, o.asOf), (ts) => clock(ts) - start, o.hoursPerCycle, o.channels);
    if (unit) units.push(unit);
  }
  return units;
}

/**
 * The condition model as a backtest estimator: each life's predictions are
 * computed once over its whole record (features are causal: the estimate
 * after cycle k reads nothing after it) and looked up at the instant's last
 * complete cycle. Before a life's first usable reading it answers with its
 * own population baseline.
 */
export function conditionLifeEstimator(c: ConditionRulModel, readings: ReadonlyMap<string, readonly TimedReading[]>, ageAxis: AgeAxis, endAt: number): LifeEstimator {
  const cached = new Map<string, { first: number; predictions: RulPrediction[] } | null>();
  const baseline = weibullEstimator(c.spec.baseline);
  const h = c.spec.hoursPerCycle;
  return (at) => {
    const key = `${at.asset.assetId}@${at.life.startAt}`;
    let entry = cached.get(key);
    if (entry === undefined) {
      const clock = assetClock(at.asset, ageAxis, endAt);
      const start = clock(at.life.startAt);
      const ageOf = (ts: number) => clock(ts) - start;
      const own = readingsOf(readings.get(at.asset.assetId) ?? [], at.life);
      const n = completeCycles(at.life.hours - (at.life.startHours ?? 0), h) + 1;
      const rows = lifeCycles(own, ageOf, n, h, c.spec);
      const first = own.find((r) => [...c.spec.settings, ...c.spec.sensors].every((x) => Number.isFinite(r.values[x])));
      entry = rows && first ? { first: Math.floor(ageOf(first.ts) / h), predictions: c.model.predictAll(rows) } : null;
      cached.set(key, entry);
    }
    const lifeAge = at.age - (at.life.startHours ?? 0);
    const done = completeCycles(lifeAge, h);
    if (!entry || done < 1 || entry.first >= done) return baseline(at);
    return conditionEstimate(c, entry.predictions[Math.min(done, entry.predictions.length) - 1]!, done, lifeAge, at.leadAgeHours);
  };
}
