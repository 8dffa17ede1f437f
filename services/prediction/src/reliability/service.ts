/**
 * Population reliability per asset model and failure mode: builds lives from
 * the platform's records, fits and versions Weibull models with a time-split
 * backtest, activates a candidate only when it beats the active version (or
 * by hand), retrains when enough new failures are recorded, and estimates
 * every asset's RUL, projected failure date and failure probability within
 * the asset model's lead time.
 */
import type { ReliabilityModelRecord, Repositories } from '@hourmeter/db';
import type { AssetModel } from '@hourmeter/domain';
import { AppError, type Logger } from '@hourmeter/runtime';
import {
  assetClock,
  backtestWeibull,
  buildLives,
  conditionalFailureProbability,
  defaultSplit,
  lifeQuantileInterval,
  mttfInterval,
  recentUtilisation,
  residualLifeQuantile,
  scoreWeibull,
  survivalCurve,
  type AgeAxis,
  type AssetRecord,
  type BacktestFigures,
  type BacktestInput,
  type LifeRecord,
  type MaintenanceEvent,
  type Restoration,
  type SurvivalPoint,
  type WeibullFit,
} from '../core/reliability/index.js';
import { fitWeibull } from '../core/reliability/weibull.js';
import { completeCycles, conditionEstimate, lifeCycles, parseConditionModel, type ConditionRulModel } from '../core/reliability/condition.js';
import { trainInWorker } from '../registry/train-in-worker.js';
import { assetReadings, bucketMs, type ConditionTelemetry } from './condition-source.js';
import { trainConditionVersion, type ConditionRequest, type ConditionStage, type TrainRul } from './condition-trainer.js';

export type TrainTrigger = 'manual' | 'auto' | 'schedule';
export type TrainStage = 'loading records' | 'fitting' | ConditionStage;

export interface ReliabilityTrainOptions {
  trigger?: TrainTrigger;
  createdBy?: string | undefined;
  /** T of the backtest (default: just after 70 % of the recorded failures). */
  splitAt?: number | undefined;
  /** true: activate whatever the backtest says (by hand). */
  activate?: boolean | undefined;
  onStage?: ((stage: TrainStage) => void) | undefined;
  /** `weibull` (population, the default) or `condition` (condition-based RUL from stored telemetry). */
  kind?: 'weibull' | 'condition' | undefined;
  /** How the condition model reads the telemetry (kind `condition`). */
  condition?: ConditionRequest | undefined;
}

export type ReliabilityTrainResult =
  | { status: 'trained'; model: ReliabilityModelRecord; activated: boolean; reason: string }
  | { status: 'no_failures'; failureMode: string; lives: number; message: string }
  | { status: 'degenerate'; failureMode: string; lives: number; message: string };

/** The fit as stored with a version: the MLE with its bounds, plus B10 and MTTF with theirs. */
export type StoredFit = WeibullFit & Record<string, unknown> & { b10: { estimate: number; lower: number; upper: number }; mttf: { estimate: number; lower: number; upper: number } };

export interface AssetReliabilityEstimate {
  assetId: string;
  serialNumber: string;
  failureMode: string;
  /** `estimated`, or why there is no number: no failure recorded yet, or no model trained yet. */
  status: 'estimated' | 'no_failures' | 'not_trained';
  /** `<model code>/<failure mode>@<kind>-v<n>` (kind `weibull` or `condition`): the model that produced the estimate. */
  modelVersion?: string | undefined;
  modelId?: string | undefined;
  ageAxis?: AgeAxis | undefined;
  ageHours?: number | undefined;
  /** Median residual life in operating hours (calendar hours on the calendar axis), 10 %..90 % band. */
  rulHours?: number | undefined;
  lowerHours?: number | undefined;
  upperHours?: number | undefined;
  /** Operating hours per calendar hour over the last 30 days. */
  utilisation?: number | undefined;
  /** Now + RUL at the recent utilisation; undefined when the asset has not run lately. */
  projectedFailureAt?: number | undefined;
  leadTimeHours: number;
  /** Probability of failing within the lead time (operating hours at the recent utilisation). */
  failureProbability?: number | undefined;
}

export interface FailureModeReliability {
  assetModel: { id: string; code: string; name: string };
  failureMode: string;
  status: 'fitted' | 'no_failures' | 'not_trained';
  restoration: Restoration;
  ageAxis: AgeAxis;
  failures: number;
  censored: number;
  /** The active version's fit and figures (what estimates use). */
  active?: { version: number; modelId: string; modelVersion: string; fit: StoredFit; backtest: Record<string, unknown> | null; dataTo: number } | undefined;
  survival: SurvivalPoint[];
  lives: LifeRecord[];
  versions: ReliabilityModelRecord[];
}

export interface ReliabilityServiceDeps {
  repos: Pick<Repositories, 'reliability' | 'assetModels' | 'assets'>;
  logger: Logger;
  now?: () => number;
  /** How long record-derived lives are reused for estimates (default 30 s). */
  cacheMs?: number;
  /** Stored telemetry: needed to train and use condition models. */
  telemetry?: ConditionTelemetry | undefined;
  /** How condition models are trained (default: in a worker thread). */
  trainRul?: TrainRul | undefined;
}

export interface ReliabilityService {
  failureModes(assetModelIdOrCode: string): Promise<{ assetModel: AssetModel; failureModes: FailureModeReliability[] }>;
  detail(assetModelIdOrCode: string, failureMode: string): Promise<FailureModeReliability>;
  train(assetModelIdOrCode: string, failureMode: string, opts?: ReliabilityTrainOptions): Promise<ReliabilityTrainResult>;
  activate(assetModelIdOrCode: string, failureMode: string, version: number): Promise<ReliabilityModelRecord>;
  assetEstimates(assetId: string): Promise<AssetReliabilityEstimate[]>;
  fleetEstimates(assetModelIdOrCode: string): Promise<AssetReliabilityEstimate[]>;
  /** Retrains a failure mode when enough new failures were recorded (called on completed corrective orders). */
  onWorkOrderCompleted(wo: { assetId: string; kind: string; failureMode?: string | undefined }): Promise<ReliabilityTrainResult | undefined>;
  /** Resolves when automatic retraining is done (tests, shutdown). */
  idle(): Promise<void>;
}

const DEFAULT_RETRAIN_AFTER = 3;
const SURVIVAL_POINTS = 60;

export const modelVersionLabel = (code: string, failureMode: string, version: number, kind = 'weibull') => `${code}/${failureMode}@${kind}-v${version}`;

export function createReliabilityService(deps: ReliabilityServiceDeps): ReliabilityService {
  const log = deps.logger.child({ svc: 'reliability' });
  const now = deps.now ?? Date.now;
  const cacheMs = deps.cacheMs ?? 30_000;
  const cache = new Map<string, { at: number; data: Promise<{ assets: AssetRecord[]; events: MaintenanceEvent[] }> }>();
  let queue: Promise<unknown> = Promise.resolve();

  async function resolveAssetModel(idOrCode: string): Promise<AssetModel> {
    const byId = await deps.repos.assetModels.find(idOrCode);
    if (byId) return byId;
    const m = (await deps.repos.assetModels.list({ filters: { code: idOrCode }, limit: 1 })).items[0];
    if (!m) throw new AppError('NOT_FOUND', `asset model ${idOrCode} not found`);
    return m;
  }

  const restorationOf = (m: AssetModel, failureMode: string): Restoration => m.prediction?.repairRestores?.[failureMode] ?? 'as_good_as_new';

  async function loadRecords(assetModelId: string, failureMode: string): Promise<{ assets: AssetRecord[]; events: MaintenanceEvent[] }> {
    const [population, orders, days] = await Promise.all([
      deps.repos.reliability.populationAssets(assetModelId),
      deps.repos.reliability.lifeEndingOrders(assetModelId, failureMode),
      deps.repos.reliability.operatingDays(assetModelId),
    ]);
    return {
      assets: population.map((a) => ({ assetId: a.assetId, serialNumber: a.serialNumber, commissionedAt: a.commissionedAt, days: days.get(a.assetId) ?? [] })),
      events: orders.map((o) => ({ assetId: o.assetId, at: o.at, kind: o.kind, workOrderId: o.workOrderId })),
    };
  }

  /** Records reused for a short while: the fleet view asks for every asset at once. */
  function records(assetModelId: string, failureMode: string, fresh = false) {
    const key = `${assetModelId}\u0000${failureMode}`;
    const hit = cache.get(key);
    const t = now();
    if (!fresh && hit && t - hit.at < cacheMs) return hit.data;
    const data = loadRecords(assetModelId, failureMode);
    cache.set(key, { at: t, data });
    data.catch(() => cache.delete(key));
    return data;
  }

  function storedFit(fit: WeibullFit): StoredFit {
    return { ...fit, b10: lifeQuantileInterval(fit, 0.1), mttf: mttfInterval(fit) };
  }

  async function modesOf(m: AssetModel): Promise<string[]> {
    const [recorded, models] = await Promise.all([deps.repos.reliability.recordedFailureModes(m.id), deps.repos.reliability.models.list(m.id)]);
    const configured = Object.keys(m.prediction?.repairRestores ?? {});
    return [...new Set([...recorded, ...models.map((v) => v.failureMode), ...configured])].sort();
  }

  async function detailOf(m: AssetModel, failureMode: string): Promise<FailureModeReliability> {
    const asOf = now();
    const restoration = restorationOf(m, failureMode);
    const [{ assets, events }, versions] = await Promise.all([records(m.id, failureMode), deps.repos.reliability.models.list(m.id, failureMode)]);
    const { ageAxis, lives } = buildLives(assets, events, { restoration, asOf });
    const failures = lives.filter((l) => l.failed).length;
    const activeRecord = versions.find((v) => v.status === 'active');
    const active = activeRecord && {
      version: activeRecord.version,
      modelId: activeRecord.id,
      modelVersion: modelVersionLabel(m.code, failureMode, activeRecord.version, activeRecord.kind),
      fit: activeRecord.fit as unknown as StoredFit,
      backtest: activeRecord.backtest,
      dataTo: activeRecord.dataTo,
    };
    const maxHours = Math.max(1, ...lives.map((l) => l.hours)) * 1.2;
    return {
      assetModel: { id: m.id, code: m.code, name: m.name },
      failureMode,
      status: failures === 0 ? 'no_failures' : active ? 'fitted' : 'not_trained',
      restoration,
      ageAxis,
      failures,
      censored: lives.length - failures,
      active,
      survival: active ? survivalCurve(active.fit, Math.max(maxHours, active.fit.b10.estimate), SURVIVAL_POINTS) : [],
      lives,
      versions,
    };
  }

  async function trainModel(m: AssetModel, failureMode: string, opts: ReliabilityTrainOptions): Promise<ReliabilityTrainResult> {
    const asOf = now();
    opts.onStage?.('loading records');
    const restoration = restorationOf(m, failureMode);
    const { assets, events } = await records(m.id, failureMode, true);
    if (opts.kind === 'condition') {
      if (!deps.telemetry) throw new AppError('VALIDATION_FAILED', 'condition models need the telemetry store, which this service was not given');
      if (!events.some((e) => e.kind === 'failure')) {
        return { status: 'no_failures', failureMode, lives: assets.length, message: `no ${failureMode} failure recorded for ${m.code} yet: a condition model needs failures to learn from` };
      }
      const ctx = { repos: deps.repos, telemetry: deps.telemetry, trainRul: deps.trainRul ?? trainInWorker, log, records: { assets, events }, restoration, asOf };
      const out = await trainConditionVersion(ctx, m, failureMode, opts.condition ?? {}, {
        trigger: opts.trigger ?? 'manual',
        createdBy: opts.createdBy ?? null,
        splitAt: opts.splitAt,
        activate: opts.activate,
        onStage: opts.onStage,
      });
      return { status: 'trained', ...out };
    }
    const { ageAxis, lives } = buildLives(assets, events, { restoration, asOf });
    opts.onStage?.('fitting');
    const fit = fitWeibull(lives);
    if (fit.status === 'no_failures') {
      return { status: 'no_failures', failureMode, lives: lives.length, message: `no ${failureMode} failure recorded for ${m.code} yet: there is nothing to fit (${lives.length} censored lives)` };
    }
    if (fit.status === 'degenerate') return { status: 'degenerate', failureMode, lives: lives.length, message: `${m.code}/${failureMode}: ${fit.reason}` };

    opts.onStage?.('backtesting');
    const splitAt = opts.splitAt ?? defaultSplit(events, asOf);
    let figures: BacktestFigures | null = null;
    let input: BacktestInput | undefined;
    if (splitAt !== undefined && splitAt < asOf) {
      input = { assets, events, restoration, splitAt, endAt: asOf, leadTimeHours: m.leadTimeHours };
      figures = backtestWeibull(input).figures;
    }

    opts.onStage?.('comparing');
    const active = await deps.repos.reliability.models.active(m.id, failureMode);
    let activate: boolean;
    let reason: string;
    let comparedWith: Record<string, unknown> | undefined;
    if (opts.activate) [activate, reason] = [true, 'activated by hand'];
    else if (!active) [activate, reason] = [true, 'first version of this failure mode'];
    else if (!figures || figures.logLikelihoodPerLife === null || !input) [activate, reason] = [false, 'no backtest figures (nothing observed after the split): the active version stays'];
    else {
      // The active version is rescored on the same period when its data ends by T (no leak);
      // otherwise its own recorded backtest is the comparison.
      let activeScore: number | null;
      if (active.dataTo <= input.splitAt && active.fit.status === 'fitted') {
        const rescored = scoreWeibull(active.fit as unknown as WeibullFit, input, active.ageAxis as AgeAxis);
        activeScore = rescored.logLikelihoodPerLife;
        comparedWith = { version: active.version, logLikelihoodPerLife: activeScore, rulRmseHours: rescored.rulRmseHours, how: 'rescored on the same period' };
      } else {
        activeScore = typeof active.backtest?.logLikelihoodPerLife === 'number' ? active.backtest.logLikelihoodPerLife : null;
        comparedWith = { version: active.version, logLikelihoodPerLife: activeScore, rulRmseHours: active.backtest?.rulRmseHours ?? null, how: 'its own recorded backtest' };
      }
      const mine = figures.logLikelihoodPerLife;
      activate = activeScore === null || mine > activeScore;
      const versus = `held-out log-likelihood per life ${mine.toFixed(3)} vs ${activeScore === null ? 'none' : activeScore.toFixed(3)}`;
      reason = activate ? `beats v${active.version} on the backtest (${versus})` : `does not beat v${active.version} on the backtest (${versus}): v${active.version} stays active`;
    }

    opts.onStage?.('storing');
    const model = await deps.repos.reliability.models.create(
      {
        assetModelId: m.id,
        failureMode,
        kind: 'weibull',
        ageAxis,
        restoration,
        dataTo: asOf,
        failures: fit.failures,
        censored: fit.censored,
        fit: storedFit(fit),
        backtest: figures ? { ...figures, ...(comparedWith ? { comparedWith } : {}) } : null,
        trigger: opts.trigger ?? 'manual',
        createdBy: opts.createdBy ?? null,
        activate,
      },
      asOf,
    );
    log.info({ assetModelId: m.id, failureMode, version: model.version, activated: activate, shape: fit.shape, scale: fit.scale, rulRmseHours: figures?.rulRmseHours }, 'reliability model trained');
    return { status: 'trained', model, activated: activate, reason };
  }

  async function estimatesFor(m: AssetModel, failureMode: string, onlyAssetId?: string): Promise<AssetReliabilityEstimate[]> {
    const asOf = now();
    const active = await deps.repos.reliability.models.active(m.id, failureMode);
    const { assets, events } = await records(m.id, failureMode);
    const scope = onlyAssetId ? assets.filter((a) => a.assetId === onlyAssetId) : assets;
    const base = (a: AssetRecord) => ({ assetId: a.assetId, serialNumber: a.serialNumber, failureMode, leadTimeHours: m.leadTimeHours });
    const recorded = events.some((e) => e.kind === 'failure');
    if (!active || active.fit.status !== 'fitted') {
      return scope.map((a) => ({ ...base(a), status: recorded ? 'not_trained' : 'no_failures' }));
    }
    const params = active.fit as unknown as WeibullFit;
    const ageAxis = active.ageAxis as AgeAxis;
    const { lives } = buildLives(scope, events.filter((e) => !onlyAssetId || e.assetId === onlyAssetId), { restoration: active.restoration as Restoration, asOf, ageAxis });
    const current = new Map(lives.filter((l) => l.endedBy === 'running').map((l) => [l.assetId, l]));
    const condition = active.kind === 'condition' ? await conditionModel(active.id) : undefined;
    return Promise.all(
      scope.map(async (a): Promise<AssetReliabilityEstimate> => {
        const life = current.get(a.assetId);
        const age = life?.hours ?? 0;
        const utilisation = ageAxis === 'calendar_hours' ? 1 : recentUtilisation(a.days, asOf);
        // The lead time is calendar time (parts, travel): at the recent utilisation it is worth this many operating hours.
        const leadAgeHours = m.leadTimeHours * utilisation;
        const fromCondition = condition && life ? await conditionPoint(condition, a, life, ageAxis, asOf, m, leadAgeHours) : undefined;
        const rul = fromCondition?.p50 ?? residualLifeQuantile(params, age, 0.5);
        return {
          ...base(a),
          status: 'estimated',
          modelVersion: modelVersionLabel(m.code, failureMode, active.version, fromCondition ? 'condition' : 'weibull'),
          modelId: active.id,
          ageAxis,
          ageHours: age,
          rulHours: rul,
          lowerHours: fromCondition?.p10 ?? residualLifeQuantile(params, age, 0.1),
          upperHours: fromCondition?.p90 ?? residualLifeQuantile(params, age, 0.9),
          utilisation,
          projectedFailureAt: utilisation > 0 ? Math.round(asOf + (rul / utilisation) * 3_600_000) : undefined,
          failureProbability: fromCondition?.failureProbability ?? conditionalFailureProbability(params, age, leadAgeHours),
        };
      }),
    );
  }

  /** Parsed condition models by version id (versions never change once stored). */
  const conditionModels = new Map<string, Promise<ConditionRulModel | undefined>>();
  function conditionModel(id: string): Promise<ConditionRulModel | undefined> {
    let hit = conditionModels.get(id);
    if (!hit) {
      hit = deps.repos.reliability.models.loadModelJson(id).then((json) => (json ? parseConditionModel(json) : undefined));
      conditionModels.set(id, hit);
    }
    return hit;
  }

  /**
   * The condition model's estimate for an asset's current life from its stored
   * readings; undefined (the version's Weibull fit answers, and says so in the
   * model version) without telemetry or before a first complete cycle with readings.
   */
  async function conditionPoint(c: ConditionRulModel, a: AssetRecord, life: LifeRecord, ageAxis: AgeAxis, asOf: number, m: AssetModel, leadAgeHours: number) {
    if (!deps.telemetry) return undefined;
    const h = c.spec.hoursPerCycle;
    const clock = assetClock(a, ageAxis, asOf);
    const start = clock(life.startAt);
    const lifeAge = life.hours - (life.startHours ?? 0);
    const done = completeCycles(lifeAge, h);
    if (done < 1) return undefined;
    const readings = await assetReadings(deps.telemetry, a.assetId, c.spec, m.runningRule, life.startAt, asOf, bucketMs(h));
    const rows = lifeCycles(readings, (ts) => clock(ts) - start, done, h, c.spec);
    if (!rows) return undefined;
    return conditionEstimate(c, c.model.predict(rows), done, lifeAge, leadAgeHours);
  }

  function enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    async failureModes(idOrCode) {
      const m = await resolveAssetModel(idOrCode);
      const modes = await modesOf(m);
      return { assetModel: m, failureModes: await Promise.all(modes.map((fm) => detailOf(m, fm))) };
    },

    async detail(idOrCode, failureMode) {
      return detailOf(await resolveAssetModel(idOrCode), failureMode);
    },

    async train(idOrCode, failureMode, opts = {}) {
      const m = await resolveAssetModel(idOrCode);
      return enqueue(() => trainModel(m, failureMode, opts));
    },

    async activate(idOrCode, failureMode, version) {
      const m = await resolveAssetModel(idOrCode);
      const record = await deps.repos.reliability.models.activate(m.id, failureMode, version, now());
      log.info({ assetModelId: m.id, failureMode, version }, 'reliability model activated by hand');
      return record;
    },

    async assetEstimates(assetId) {
      const asset = await deps.repos.assets.find(assetId);
      if (!asset) throw new AppError('NOT_FOUND', `asset ${assetId} not found`);
      const m = await resolveAssetModel(asset.assetModelId);
      const modes = await modesOf(m);
      return (await Promise.all(modes.map((fm) => estimatesFor(m, fm, assetId)))).flat();
    },

    async fleetEstimates(idOrCode) {
      const m = await resolveAssetModel(idOrCode);
      const modes = await modesOf(m);
      return (await Promise.all(modes.map((fm) => estimatesFor(m, fm)))).flat();
    },

    async onWorkOrderCompleted(wo) {
      if (wo.kind !== 'corrective' || !wo.failureMode) return undefined;
      const failureMode = wo.failureMode;
      const asset = await deps.repos.assets.find(wo.assetId);
      if (!asset) return undefined;
      const m = await resolveAssetModel(asset.assetModelId);
      return enqueue(async () => {
        // Counted since the newest version (active or not): a rejected candidate must not
        // make every following failure retrain.
        const latest = (await deps.repos.reliability.models.list(m.id, failureMode))[0];
        const { events } = await records(m.id, failureMode, true);
        const failures = events.filter((e) => e.kind === 'failure');
        const fresh = latest ? failures.filter((e) => e.at > latest.dataTo).length : failures.length;
        const needed = latest ? (m.prediction?.retrainAfterFailures ?? DEFAULT_RETRAIN_AFTER) : 2;
        if (fresh < needed) return undefined;
        log.info({ assetModelId: m.id, failureMode, newFailures: fresh }, 'enough new failures: retraining the reliability model');
        return trainModel(m, failureMode, { trigger: 'auto' });
      });
    },

    async idle() {
      let q: Promise<unknown>;
      do {
        q = queue;
        await q;
      } while (q !== queue);
    },
  };
}
