/**
 * Trains, backtests and registers a condition-based RUL version of an asset
 * model and failure mode, next to its Weibull versions: the same lives, the
 * same time split T, the same scored instants. The candidate is trained on
 * lives and readings before T only and scored after T; the active version
 * (the Weibull baseline when nothing else is active) is scored on the same
 * period, and the candidate becomes active only when its RUL RMSE in hours
 * is lower. The stored version is then retrained on everything up to now.
 */
import type { ReliabilityModelRecord, Repositories } from '@hourmeter/db';
import type { AssetModel } from '@hourmeter/domain';
import { AppError, type Logger } from '@hourmeter/runtime';
import {
  buildLives,
  conditionModelOf,
  conditionRulOptions,
  defaultSplit,
  fitWeibull,
  lifeQuantileInterval,
  mttfInterval,
  parseConditionModel,
  scoreEstimates,
  scoreWeibull,
  serializeConditionModel,
  type AgeAxis,
  type AssetRecord,
  type BacktestFigures,
  type BacktestInput,
  type ConditionChannels,
  type ConditionTrainOptions,
  type MaintenanceEvent,
  type Restoration,
  type TimedReading,
  type WeibullFit,
} from '../core/reliability/index.js';
import type { RulModel, RulTrainOptions, TrainingUnit } from '../core/rul/index.js';
import { assetReadings, bucketMs, conditionChannels, conditionLifeEstimator, unitsOfLives, type ConditionTelemetry } from './condition-source.js';

export interface ConditionRequest {
  /** Operating hours one cycle of the model stands for; default from the fleet's mean life (see defaultHoursPerCycle). */
  hoursPerCycle?: number | undefined;
  settings?: readonly string[] | undefined;
  metrics?: readonly string[] | undefined;
  /** Boosted models averaged (default 3). */
  ensemble?: number | undefined;
  /** Above the cap: the population's residual life (default) or the cap alone (C-MAPSS convention). */
  aboveCap?: 'population' | 'cap' | undefined;
  seed?: number | undefined;
}

/** Stages reported while a condition version trains. */
export type ConditionStage = 'loading telemetry' | 'backtesting' | 'training' | 'comparing' | 'storing';

export type TrainRul = (units: readonly TrainingUnit[], options: Partial<RulTrainOptions>) => Promise<RulModel>;

export interface ConditionTrainContext {
  repos: Pick<Repositories, 'reliability'>;
  telemetry: ConditionTelemetry;
  trainRul: TrainRul;
  log: Logger;
  records: { assets: AssetRecord[]; events: MaintenanceEvent[] };
  restoration: Restoration;
  asOf: number;
}

export interface ConditionTrainOutcome {
  model: ReliabilityModelRecord;
  activated: boolean;
  reason: string;
}

/**
 * By default 125 cycles (the cap) cover about 60 % of the mean life: long
 * enough to see the whole degrading stretch of most lives, short enough to
 * stay informative.
 */
export function defaultHoursPerCycle(fit: WeibullFit, capShare = 0.6): number {
  const raw = (capShare * mttfInterval(fit).estimate) / 125;
  return Math.max(0.25, Number(raw.toPrecision(2)));
}

const rmseOf = (f: BacktestFigures | null | undefined) => (f && typeof f.rulRmseHours === 'number' ? f.rulRmseHours : null);

export async function trainConditionVersion(
  ctx: ConditionTrainContext,
  m: AssetModel,
  failureMode: string,
  req: ConditionRequest,
  meta: { trigger: string; createdBy: string | null; splitAt?: number | undefined; activate?: boolean | undefined; onStage?: ((stage: ConditionStage) => void) | undefined },
): Promise<ConditionTrainOutcome> {
  const { assets, events } = ctx.records;
  const asOf = ctx.asOf;
  const { ageAxis, lives } = buildLives(assets, events, { restoration: ctx.restoration, asOf });
  const fit = fitWeibull(lives);
  if (fit.status !== 'fitted') throw new AppError('CONFLICT', `no ${failureMode} failure recorded for ${m.code} yet: a condition model needs failures to learn from`, { status: fit.status });
  const hoursPerCycle = req.hoursPerCycle ?? defaultHoursPerCycle(fit);
  const channels: ConditionChannels = await conditionChannels(m, ctx.telemetry, assets, req);
  if (channels.sensors.length === 0) throw new AppError('VALIDATION_FAILED', `${m.code} has no stored numeric metric to learn ${failureMode} from`);

  meta.onStage?.('loading telemetry');
  const step = bucketMs(hoursPerCycle);
  const readings = new Map<string, TimedReading[]>();
  for (const a of assets) readings.set(a.assetId, await assetReadings(ctx.telemetry, a.assetId, channels, m.runningRule, a.commissionedAt, asOf, step));
  const byId = new Map(assets.map((a) => [a.assetId, a]));
  const options = (baseline: WeibullFit): ConditionTrainOptions => ({
    hoursPerCycle,
    channels,
    baseline,
    source: `records:${m.code}/${failureMode}`,
    ensemble: req.ensemble,
    seed: req.seed,
    aboveCap: req.aboveCap,
  });

  meta.onStage?.('backtesting');
  const splitAt = meta.splitAt ?? defaultSplit(events, asOf);
  let figures: BacktestFigures | null = null;
  let comparedWith: Record<string, unknown> | undefined;
  let activeRmse: number | null = null;
  const active = await ctx.repos.reliability.models.active(m.id, failureMode);
  if (splitAt !== undefined && splitAt < asOf) {
    // Nothing after T: lives censored at T, the hour meter's days complete by T, readings before T.
    const before = buildLives(assets, events, { restoration: ctx.restoration, asOf: splitAt, ageAxis });
    const beforeFit = fitWeibull(before.lives);
    const units = unitsOfLives(before.lives, byId, readings, { ageAxis, asOf: splitAt, hoursPerCycle, channels });
    if (beforeFit.status === 'fitted' && units.filter((u) => !u.censored).length >= 5) {
      const o = options(beforeFit);
      const candidate = conditionModelOf(await ctx.trainRul(units, conditionRulOptions(o)), o);
      const input: BacktestInput = { assets, events, restoration: ctx.restoration, splitAt, endAt: asOf, leadTimeHours: m.leadTimeHours };
      figures = scoreEstimates(conditionLifeEstimator(candidate, readings, ageAxis, asOf), input, ageAxis);
      // The active version on the same period when its data ends by T; else its own recorded figures.
      // With nothing active, the Weibull fitted on the same data before T is the baseline to beat.
      if (active && active.dataTo <= splitAt && active.fit.status === 'fitted') {
        const stored = active.kind === 'condition' ? await ctx.repos.reliability.models.loadModelJson(active.id) : undefined;
        const rescored = stored
          ? scoreEstimates(conditionLifeEstimator(parseConditionModel(stored), readings, active.ageAxis as AgeAxis, asOf), input, active.ageAxis as AgeAxis)
          : scoreWeibull(active.fit as unknown as WeibullFit, input, active.ageAxis as AgeAxis);
        activeRmse = rmseOf(rescored);
        comparedWith = { version: active.version, kind: active.kind, rulRmseHours: activeRmse, how: 'rescored on the same period' };
      } else if (active) {
        activeRmse = typeof active.backtest?.rulRmseHours === 'number' ? active.backtest.rulRmseHours : null;
        comparedWith = { version: active.version, kind: active.kind, rulRmseHours: activeRmse, how: 'its own recorded backtest' };
      } else {
        activeRmse = rmseOf(scoreWeibull(beforeFit, input, ageAxis));
        comparedWith = { kind: 'weibull', rulRmseHours: activeRmse, how: 'Weibull fitted on the same data before T' };
      }
    }
  }

  meta.onStage?.('training');
  const units = unitsOfLives(lives, byId, readings, { ageAxis, asOf, hoursPerCycle, channels });
  const failed = units.filter((u) => !u.censored).length;
  if (failed < 5) throw new AppError('CONFLICT', `${m.code}/${failureMode}: ${failed} failed lives with telemetry, a condition model needs at least 5`, { status: 'too_few_failures' });
  const o = options(fit);
  const model = conditionModelOf(await ctx.trainRul(units, conditionRulOptions(o)), o);

  meta.onStage?.('comparing');
  const mine = rmseOf(figures);
  let activate: boolean;
  let reason: string;
  if (meta.activate) [activate, reason] = [true, 'activated by hand'];
  else if (mine === null) [activate, reason] = [false, 'no backtest figures (too few failures before the split, or none after it): stays inactive'];
  else if (activeRmse !== null && mine >= activeRmse) [activate, reason] = [false, `does not beat ${active ? `v${active.version}` : 'the Weibull baseline'} on the backtest (RUL RMSE ${mine.toFixed(1)} h vs ${activeRmse.toFixed(1)} h)`];
  else [activate, reason] = [true, `beats ${active ? `v${active.version}` : 'the Weibull baseline'} on the backtest (RUL RMSE ${mine.toFixed(1)} h vs ${activeRmse === null ? 'none' : `${activeRmse.toFixed(1)} h`})`];

  meta.onStage?.('storing');
  const json = model.model.toJSON();
  const record = await ctx.repos.reliability.models.create(
    {
      assetModelId: m.id,
      failureMode,
      kind: 'condition',
      ageAxis,
      restoration: ctx.restoration,
      dataTo: asOf,
      failures: fit.failures,
      censored: fit.censored,
      // The population fit on the same lives: the fallback where sensors cannot tell, and what the reliability page draws.
      fit: {
        ...fit,
        b10: lifeQuantileInterval(fit, 0.1),
        mttf: mttfInterval(fit),
        condition: { hoursPerCycle, capCycles: model.spec.capCycles, aboveCap: model.spec.aboveCap, settings: channels.settings, sensors: channels.sensors, units: json.training.units, rows: json.training.rows, validation: json.validation },
      },
      backtest: figures ? { ...figures, ...(comparedWith ? { comparedWith } : {}) } : null,
      trigger: meta.trigger,
      createdBy: meta.createdBy,
      activate,
      modelJson: serializeConditionModel(model),
    },
    asOf,
  );
  ctx.log.info({ assetModelId: m.id, failureMode, version: record.version, activated: activate, rulRmseHours: mine, versus: activeRmse }, 'condition model trained');
  return { model: record, activated: activate, reason };
}
