import type { Alert, AlertTransition, ModelPrecision, RulEstimateRecord, Severity } from '@hourmeter/domain';
import type { EventSink } from '@hourmeter/events';
import { AppError, isAppError, type Logger } from '@hourmeter/runtime';
import { createAnomalyDetector, newAssetState, type AssetDetectorState, type MetricScore } from '../anomaly/detector.js';
import type { RegimeRule } from '../anomaly/regime.js';
import { isActive, TRANSITIONS, type AlertAction } from '../alerts/lifecycle.js';
import type { AlertListFilters, AlertStore, RulStore } from '../alerts/ports.js';
import { DEFAULT_PREDICTION_CONFIG, type ModelPredictionConfig, type PredictionConfig } from './config.js';
import { DEFAULT_SUGGESTED_PARTS, failureModeMapper, type FailureModeMapper } from './failure-modes.js';
import type { AssetContext, AssetContextSource, PreventiveWorkOrders, RulEstimation, RulEstimator, StoredReading } from './ports.js';
import { maxSeverity, severityFromAnomaly, severityFromFailureProbability, severityFromRul } from './severity.js';

export interface PredictionDeps {
  alerts: AlertStore;
  rulEstimates: RulStore;
  assets: AssetContextSource;
  logger: Logger;
  /** Absent: anomaly-driven path only. */
  rul?: RulEstimator;
  /** Absent: alerts only, no preventive orders. */
  preventive?: PreventiveWorkOrders;
  config?: Partial<PredictionConfig>;
  /** Wall clock for human transitions. */
  now?: () => number;
  /** Absent: no events. Present: alert.raised / alert.updated / alert.transitioned after each store write. */
  events?: EventSink;
}

export interface AlertDetail {
  alert: Alert;
  history: AlertTransition[];
}

export interface PredictionService {
  /** The ingest pipeline calls this after readings are stored. Cheap (queues), never throws. */
  onStored(readings: readonly StoredReading[]): Promise<void>;
  /** Resolves once everything queued so far is processed. */
  flush(): Promise<void>;
  listAlerts(opts: { limit?: number; cursor?: string; filters?: AlertListFilters }): Promise<{ items: Alert[]; nextCursor: string | null }>;
  getAlert(id: string): Promise<AlertDetail>;
  act(id: string, action: Exclude<AlertAction, 'resolve'>, by: { actor: string; reason: string }): Promise<AlertDetail>;
  /** Resolves the alerts a completed work order addressed (or one alert by id). */
  resolveByWorkOrder(ref: { workOrderId: string } | { alertId: string }, by?: { actor?: string; reason?: string }): Promise<Alert[]>;
  precision(): Promise<ModelPrecision[]>;
  rulHistory(assetId: string, q?: { from?: number; to?: number; limit?: number }): Promise<RulEstimateRecord[]>;
  /** Detector state per asset (JSON-serialisable), e.g. to persist across restarts. */
  snapshot(): Record<string, AssetDetectorState>;
  restore(states: Record<string, AssetDetectorState>): void;
  stats(): { processed: number; dropped: number; skipped: number; pending: number };
}

interface ModeWindow {
  flagged: boolean;
  strength: number;
  signals: Map<string, { metric: string; score: number; trendPerHour: number }>;
}

interface Window {
  from: number;
  to: number;
  modes: Map<string, ModeWindow>;
}

interface AssetRuntime {
  ctx: AssetContext;
  model: ModelPredictionConfig;
  det: AssetDetectorState;
  mapper: FailureModeMapper;
  opts: { regime: RegimeRule; ignore: (m: string) => boolean };
  sink: (s: MetricScore) => void;
  window: Window | undefined;
  closed: Window[];
  recent: StoredReading[];
  lastRulAt: number;
  rul: (RulEstimation & { ts: number }) | undefined;
}

const globs = (patterns: readonly string[]) => {
  const res = patterns.map((g) => new RegExp(`^${g.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`));
  const cache = new Map<string, boolean>();
  return (m: string) => {
    let hit = cache.get(m);
    if (hit === undefined) cache.set(m, (hit = res.some((r) => r.test(m))));
    return hit;
  };
};

const isReading = (r: unknown): r is StoredReading => {
  const x = r as StoredReading | null;
  return !!x && typeof x === 'object' && typeof x.assetId === 'string' && Number.isFinite(x.ts) && !!x.metrics && typeof x.metrics === 'object';
};

/**
 * Prediction: streaming anomaly detection per asset, alerts per asset and
 * failure mode (de-duplicated, with hysteresis and a re-raise cool-down), RUL
 * estimates when an estimator is wired, and preventive work orders before the
 * predicted failure. Readings are queued by `onStored` and processed in order
 * by one worker, so the ingest path only pays for a push.
 */
export function createPredictionService(input: PredictionDeps): PredictionService {
  const deps: PredictionDeps = input.events ? { ...input, alerts: alertStoreWithEvents(input.alerts, input.events) } : input;
  const cfg: PredictionConfig = { ...DEFAULT_PREDICTION_CONFIG, ...deps.config };
  const log = deps.logger.child({ svc: 'prediction' });
  const now = deps.now ?? Date.now;
  const detector = createAnomalyDetector(cfg.detector);
  const runtimes = new Map<string, AssetRuntime>();
  const restored = new Map<string, AssetDetectorState>();
  /** Active alert per `${assetId}|${failureMode}` (null = known none). */
  const active = new Map<string, Alert | null>();
  const closedAt = new Map<string, number | null>();
  const cleanWindows = new Map<string, number>();
  const pending: (readonly StoredReading[])[] = [];
  let pendingCount = 0;
  let scheduled = false;
  let running: Promise<void> = Promise.resolve();
  const counters = { processed: 0, dropped: 0, skipped: 0 };
  let lastDropLog = 0;

  const keyOf = (assetId: string, fm: string) => `${assetId}|${fm}`;
  const modelConfig = (ctx: AssetContext): ModelPredictionConfig => ({
    ...(cfg.models[ctx.assetModelId] ?? (ctx.assetModelCode ? cfg.models[ctx.assetModelCode] : undefined) ?? {}),
    ...ctx.prediction,
  });

  async function runtimeFor(assetId: string): Promise<AssetRuntime | undefined> {
    const existing = runtimes.get(assetId);
    if (existing) return existing;
    const ctx = await deps.assets.contextFor(assetId);
    if (!ctx) return undefined;
    const model = modelConfig(ctx);
    const ignorePatterns = [...cfg.ignoreMetrics, ...(model.ignoreMetrics ?? [])];
    if (ctx.runningRule) ignorePatterns.push(ctx.runningRule.metric);
    const running = ctx.runningRule;
    // Default: a load-like metric; else the hour meter's running state; else one regime.
    const regime: RegimeRule =
      model.regime ??
      (running && running.kind !== 'counter'
        ? { kind: 'auto', running: { metric: running.metric, ...(running.kind === 'threshold' ? { above: running.above } : {}) } }
        : { kind: 'auto' });
    const rt: AssetRuntime = {
      ctx,
      model,
      det: restored.get(assetId) ?? newAssetState(),
      mapper: failureModeMapper(model.failureModes),
      opts: { regime, ignore: globs(ignorePatterns) },
      sink: () => {},
      window: undefined,
      closed: [],
      recent: [],
      lastRulAt: Number.NEGATIVE_INFINITY,
      rul: undefined,
    };
    rt.sink = (s) => {
      const w = rt.window;
      if (!w) return;
      const fm = rt.mapper.failureModeOf(s.metric);
      let mw = w.modes.get(fm);
      if (!mw) w.modes.set(fm, (mw = { flagged: false, strength: 0, signals: new Map() }));
      if (!s.flagged) return;
      mw.flagged = true;
      const strength = Math.max(Math.abs(s.levelZ), s.cusum);
      if (strength > mw.strength) mw.strength = strength;
      const prev = mw.signals.get(s.metric);
      if (!prev || Math.abs(s.levelZ) >= Math.abs(prev.score)) mw.signals.set(s.metric, { metric: s.metric, score: s.levelZ, trendPerHour: s.trendPerHour });
    };
    runtimes.set(assetId, rt);
    return rt;
  }

  async function activeFor(assetId: string, fm: string): Promise<Alert | undefined> {
    const key = keyOf(assetId, fm);
    if (!active.has(key)) active.set(key, (await deps.alerts.findActive(assetId, fm)) ?? null);
    return active.get(key) ?? undefined;
  }

  async function lastClosed(assetId: string, fm: string): Promise<number | undefined> {
    const key = keyOf(assetId, fm);
    if (!closedAt.has(key)) closedAt.set(key, (await deps.alerts.lastClosedAt(assetId, fm)) ?? null);
    return closedAt.get(key) ?? undefined;
  }

  function remember(alert: Alert): void {
    const key = keyOf(alert.assetId, alert.failureMode);
    if (isActive(alert.state)) {
      active.set(key, alert);
    } else {
      if (active.get(key)?.id === alert.id) active.set(key, null);
      cleanWindows.delete(key);
      closedAt.set(key, Math.max(closedAt.get(key) ?? Number.NEGATIVE_INFINITY, alert.closedAt ?? now()));
    }
  }

  function rulFailureMode(rt: AssetRuntime, est: RulEstimation): string {
    return est.failureMode ?? rt.model.rulFailureMode ?? cfg.defaultRulFailureMode;
  }

  function rulTriggers(rt: AssetRuntime, est: RulEstimation): boolean {
    const margin = rt.model.leadTimeSafetyMargin ?? cfg.leadTimeSafetyMargin;
    return est.hours <= rt.ctx.leadTimeHours * (1 + margin) || (est.failureProbability ?? 0) >= cfg.preventiveFailureProbability;
  }

  async function onDetected(rt: AssetRuntime, fm: string, mw: ModeWindow | undefined, w: Window, byRul: boolean): Promise<void> {
    const assetId = rt.ctx.assetId;
    const rul = rt.rul && rulFailureMode(rt, rt.rul) === fm ? rt.rul : undefined;
    let severity: Severity = mw?.flagged ? severityFromAnomaly(mw.strength, cfg.anomalyThresholds) : 'low';
    if (rul) severity = maxSeverity(severity, severityFromRul(rul, rt.ctx.leadTimeHours));
    if (rul?.failureProbability !== undefined) severity = maxSeverity(severity, severityFromFailureProbability(rul.failureProbability));
    const signals = mw ? [...mw.signals.values()].sort((a, b) => Math.abs(b.score) - Math.abs(a.score)).slice(0, 10) : [];
    const modelVersion = byRul && rul ? rul.modelVersion : cfg.detectorVersion;
    const evidence = {
      signals,
      windowFrom: w.from,
      windowTo: w.to,
      ...(rt.rul ? { rul: { hours: rt.rul.hours, lowerHours: rt.rul.lowerHours, upperHours: rt.rul.upperHours } } : {}),
      modelVersion: rt.rul && rul ? `${cfg.detectorVersion}+${rul.modelVersion}` : modelVersion,
    };
    const key = keyOf(assetId, fm);
    let alert = await activeFor(assetId, fm);
    cleanWindows.set(key, 0);
    if (alert) {
      // Evidence of a RUL-only detection must not wipe the signals seen so far.
      const merged = signals.length ? evidence : { ...evidence, signals: alert.evidence.signals };
      alert = await deps.alerts.updateDetection(alert.id, { severity: maxSeverity(alert.severity, severity), evidence: merged, at: w.to });
    } else {
      const closed = await lastClosed(assetId, fm);
      if (closed !== undefined && w.to - closed < cfg.cooldownMs) {
        log.debug({ assetId, failureMode: fm }, 'detection within the re-raise cool-down: not raised');
        return;
      }
      const reason = byRul
        ? `RUL ${rul?.hours.toFixed(1)} h vs lead time ${rt.ctx.leadTimeHours} h${rul?.failureProbability === undefined ? '' : `, ${(rul.failureProbability * 100).toFixed(0)} % probability of failing within it`}`
        : `sustained departure of ${signals.map((s) => s.metric).join(', ')}`;
      try {
        alert = await deps.alerts.raise({ assetId, failureMode: fm, severity, evidence, modelVersion, at: w.to, reason });
        log.info({ assetId, failureMode: fm, alertId: alert.id, severity }, 'alert raised');
      } catch (err) {
        if (!isAppError(err) || err.code !== 'CONFLICT') throw err;
        active.delete(key);
        const current = await activeFor(assetId, fm);
        if (!current) throw err;
        alert = await deps.alerts.updateDetection(current.id, { severity: maxSeverity(current.severity, severity), evidence, at: w.to });
      }
    }
    remember(alert);
    await maybePreventive(rt, alert, rul);
  }

  const ordering = new Set<string>();
  async function maybePreventive(rt: AssetRuntime, alert: Alert, rul: (RulEstimation & { ts: number }) | undefined): Promise<void> {
    if (!deps.preventive || alert.workOrderId) return;
    const key = keyOf(alert.assetId, alert.failureMode);
    if (ordering.has(key)) return;
    const due = rul ? rulTriggers(rt, rul) : cfg.preventiveOnSeverities.includes(alert.severity);
    if (!due) return;
    ordering.add(key);
    try {
      const parts = rt.model.suggestedParts?.[alert.failureMode] ?? DEFAULT_SUGGESTED_PARTS[alert.failureMode];
      const reason = rul
        ? `predicted RUL ${rul.hours.toFixed(1)} h (band ${rul.lowerHours.toFixed(1)}-${rul.upperHours.toFixed(1)} h, ${rul.modelVersion})${rul.failureProbability === undefined ? '' : `, ${(rul.failureProbability * 100).toFixed(0)} % probability of failing`} within lead time ${rt.ctx.leadTimeHours} h`
        : `${alert.severity} anomaly: ${alert.evidence.signals.map((s) => `${s.metric} ${s.score.toFixed(1)} scales`).join(', ')}`;
      const res = await deps.preventive.openPreventive({
        assetId: alert.assetId,
        failureMode: alert.failureMode,
        alertId: alert.id,
        reason,
        severity: alert.severity,
        ...(rul ? { rulHours: rul.hours } : {}),
        ...(parts ? { suggestedPartNumbers: [...parts] } : {}),
      });
      remember(await deps.alerts.linkWorkOrder(alert.id, res.workOrderId, alert.lastDetectedAt));
      log.info({ assetId: alert.assetId, failureMode: alert.failureMode, workOrderId: res.workOrderId, created: res.created }, 'preventive work order linked');
    } finally {
      ordering.delete(key);
    }
  }

  async function onClean(rt: AssetRuntime, fm: string): Promise<void> {
    const alert = await activeFor(rt.ctx.assetId, fm);
    if (!alert) return;
    const key = keyOf(rt.ctx.assetId, fm);
    const clean = (cleanWindows.get(key) ?? 0) + 1;
    cleanWindows.set(key, clean);
    // Only an alert nobody has picked up and no work order addresses clears by itself.
    if (clean < cfg.clearAfterWindows || alert.state !== 'open' || alert.workOrderId) return;
    const resolved = await deps.alerts.transition(alert.id, {
      to: 'resolved',
      actor: 'system',
      reason: `cleared: ${clean} consecutive clean windows`,
      at: alert.lastDetectedAt + clean * cfg.windowMs,
      allowedFrom: ['open'],
    });
    remember(resolved);
  }

  async function runRul(rt: AssetRuntime, w: Window): Promise<void> {
    if (!deps.rul || w.to - rt.lastRulAt < cfg.rulEveryMs || rt.recent.length === 0) return;
    rt.lastRulAt = w.to;
    const est = await deps.rul.estimate(rt.ctx.assetId, rt.recent.slice());
    if (!est || ![est.hours, est.lowerHours, est.upperHours].every(Number.isFinite)) return;
    const clamp = (x: number) => Math.max(0, x);
    const e = { ...est, hours: clamp(est.hours), lowerHours: clamp(est.lowerHours), upperHours: clamp(est.upperHours), ts: w.to };
    rt.rul = e;
    const fm = rulFailureMode(rt, e);
    await deps.rulEstimates.record({
      assetId: rt.ctx.assetId,
      ts: w.to,
      modelVersion: e.modelVersion,
      hours: e.hours,
      lowerHours: e.lowerHours,
      upperHours: e.upperHours,
      failureMode: fm,
    });
    if (rulTriggers(rt, e)) await onDetected(rt, fm, w.modes.get(fm), w, true);
  }

  async function handleWindow(rt: AssetRuntime, w: Window): Promise<void> {
    for (const [fm, mw] of w.modes) {
      try {
        if (mw.flagged) await onDetected(rt, fm, mw, w, false);
        else await onClean(rt, fm);
      } catch (err) {
        log.warn({ err, assetId: rt.ctx.assetId, failureMode: fm }, 'alert handling failed');
      }
    }
    try {
      await runRul(rt, w);
    } catch (err) {
      log.warn({ err, assetId: rt.ctx.assetId }, 'RUL estimation failed');
    }
  }

  async function processBatch(batch: readonly StoredReading[]): Promise<void> {
    const byAsset = new Map<string, StoredReading[]>();
    for (const r of batch) {
      if (!isReading(r)) {
        counters.skipped++;
        continue;
      }
      const list = byAsset.get(r.assetId);
      if (list) list.push(r);
      else byAsset.set(r.assetId, [r]);
    }
    for (const [assetId, readings] of byAsset) {
      let rt: AssetRuntime | undefined;
      try {
        rt = await runtimeFor(assetId);
      } catch (err) {
        log.warn({ err, assetId }, 'asset context unavailable; readings skipped');
      }
      if (!rt) {
        counters.skipped += readings.length;
        continue;
      }
      readings.sort((a, b) => a.ts - b.ts);
      for (const r of readings) {
        if (!(r.ts > rt.det.lastTs)) {
          counters.skipped++;
          continue;
        }
        if (rt.window && r.ts >= rt.window.from + cfg.windowMs) {
          rt.closed.push(rt.window);
          rt.window = undefined;
        }
        rt.window ??= { from: r.ts, to: r.ts, modes: new Map() };
        rt.window.to = r.ts;
        try {
          detector.observe(rt.det, r.ts, r.metrics, rt.opts, rt.sink);
        } catch (err) {
          counters.skipped++;
          log.warn({ err, assetId }, 'reading could not be scored');
          continue;
        }
        counters.processed++;
        if (deps.rul) {
          rt.recent.push(r);
          if (rt.recent.length > cfg.rulWindowReadings) rt.recent.splice(0, rt.recent.length - cfg.rulWindowReadings);
        }
      }
      const closed = rt.closed.splice(0);
      for (const w of closed) await handleWindow(rt, w);
    }
  }

  async function drain(): Promise<void> {
    try {
      while (pending.length) {
        const batch = pending.shift()!;
        pendingCount -= batch.length;
        try {
          await processBatch(batch);
        } catch (err) {
          log.error({ err }, 'prediction batch failed');
        }
      }
    } finally {
      scheduled = false;
    }
  }

  async function transition(id: string, action: AlertAction, actor: string, reason: string): Promise<Alert> {
    const t = TRANSITIONS[action];
    const alert = await deps.alerts.transition(id, { to: t.to, actor, reason, at: now(), allowedFrom: t.from });
    remember(alert);
    // "No fault found" or a repair: what the signals show now is the new normal.
    if (action === 'dismiss' || action === 'resolve') {
      const rt = runtimes.get(alert.assetId);
      if (rt) detector.reset(rt.det, rt.mapper.metricsOf(alert.failureMode));
    }
    return alert;
  }

  return {
    onStored(readings) {
      try {
        if (!Array.isArray(readings) || readings.length === 0) return Promise.resolve();
        if (pendingCount + readings.length > cfg.maxPendingReadings) {
          counters.dropped += readings.length;
          if (now() - lastDropLog > 60_000) {
            lastDropLog = now();
            log.warn({ dropped: counters.dropped, pending: pendingCount }, 'prediction is behind; readings not scored');
          }
          return Promise.resolve();
        }
        pending.push(readings);
        pendingCount += readings.length;
        if (!scheduled) {
          scheduled = true;
          running = running.then(drain);
        }
      } catch (err) {
        log.error({ err }, 'onStored failed');
      }
      return Promise.resolve();
    },

    async flush() {
      while (scheduled || pending.length) await running;
    },

    listAlerts: (opts) => deps.alerts.list(opts),

    async getAlert(id) {
      const alert = await deps.alerts.get(id);
      return { alert, history: await deps.alerts.history(id) };
    },

    async act(id, action, by) {
      const alert = await transition(id, action, by.actor, by.reason);
      return { alert, history: await deps.alerts.history(alert.id) };
    },

    async resolveByWorkOrder(ref, by = {}) {
      const targets = 'alertId' in ref ? [await deps.alerts.get(ref.alertId)] : await deps.alerts.findByWorkOrder(ref.workOrderId);
      const out: Alert[] = [];
      for (const a of targets) {
        if (a.state === 'resolved') {
          out.push(a);
          continue;
        }
        const reason = by.reason ?? ('workOrderId' in ref ? `work order ${ref.workOrderId} completed` : 'resolved');
        out.push(await transition(a.id, 'resolve', by.actor ?? 'system', reason));
      }
      return out;
    },

    precision: () => deps.alerts.precision(),

    async rulHistory(assetId, q) {
      if (!(await deps.assets.contextFor(assetId))) throw new AppError('NOT_FOUND', `asset ${assetId} not found`);
      return deps.rulEstimates.history(assetId, q);
    },

    snapshot() {
      const out: Record<string, AssetDetectorState> = {};
      for (const [id, rt] of runtimes) out[id] = JSON.parse(JSON.stringify(rt.det)) as AssetDetectorState;
      return out;
    },

    restore(states) {
      for (const [id, s] of Object.entries(states)) {
        restored.set(id, s);
        const rt = runtimes.get(id);
        if (rt) rt.det = s;
      }
    },

    stats: () => ({ ...counters, pending: pendingCount }),
  };
}

/** Emits an event after each alert write succeeded, so every path (detection, RUL, humans, work orders) is covered. */
function alertStoreWithEvents(store: AlertStore, events: EventSink): AlertStore {
  return {
    get: (id) => store.get(id),
    findActive: (a, f) => store.findActive(a, f),
    lastClosedAt: (a, f) => store.lastClosedAt(a, f),
    history: (id) => store.history(id),
    findByWorkOrder: (id) => store.findByWorkOrder(id),
    list: (o) => store.list(o),
    precision: () => store.precision(),
    async raise(input) {
      const alert = await store.raise(input);
      events.emit('alert.raised', { alert });
      return alert;
    },
    async updateDetection(id, d) {
      const alert = await store.updateDetection(id, d);
      events.emit('alert.updated', { alert, change: 'detection' });
      return alert;
    },
    async linkWorkOrder(id, workOrderId, at) {
      const alert = await store.linkWorkOrder(id, workOrderId, at);
      events.emit('alert.updated', { alert, change: 'work_order_linked' });
      return alert;
    },
    async transition(id, t) {
      const alert = await store.transition(id, t);
      // The store checked the state against allowedFrom; with one candidate that is the previous state.
      const from = t.allowedFrom.length === 1 ? t.allowedFrom[0] : undefined;
      events.emit('alert.transitioned', { alert, ...(from ? { from } : {}), to: t.to, actor: t.actor, reason: t.reason });
      return alert;
    },
  };
}
