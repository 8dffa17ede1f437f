import type { Alert, AlertTransition, ModelPrecision, RulEstimateRecord } from '@hourmeter/domain';
import type { EventSink } from '@hourmeter/events';
import { AppError, type Logger } from '@hourmeter/runtime';
import type { AssetDetectorState } from '../anomaly/detector.js';
import { isActive, type AlertAction } from '../alerts/lifecycle.js';
import type { AlertListFilters, AlertStore, RulStore } from '../alerts/ports.js';
import { createAlertTracker } from './alert-tracker.js';
import { createAssetWindows, type AssetRuntime, type Window } from './asset-windows.js';
import { DEFAULT_PREDICTION_CONFIG, type PredictionConfig } from './config.js';
import type { AssetContextSource, PreventiveWorkOrders, RulEstimator, StoredReading } from './ports.js';
import { rulWorthStoring } from './rul-recording.js';
import { nextRulDelayMs } from './rul-schedule.js';
import { createScoringQueue } from './scoring-queue.js';

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

export type BulkOutcome = { id: string; ok: true; alert: Alert } | { id: string; ok: false; code: string; message: string };

export interface PredictionService {
  /** The ingest pipeline calls this after readings are stored. Cheap (queues), never throws. */
  onStored(readings: readonly StoredReading[]): Promise<void>;
  /** Resolves once everything queued so far is processed. */
  flush(): Promise<void>;
  listAlerts(opts: { limit?: number; cursor?: string; filters?: AlertListFilters }): Promise<{ items: Alert[]; nextCursor: string | null }>;
  getAlert(id: string): Promise<AlertDetail>;
  act(id: string, action: Exclude<AlertAction, 'resolve'>, by: { actor: string; reason: string }): Promise<AlertDetail>;
  /**
   * Acknowledges each of `ids` on its own: one that the state machine refuses
   * (or that does not exist) is reported with its error code and does not stop the others.
   */
  acknowledgeMany(ids: readonly string[], by: { actor: string; reason: string }): Promise<BulkOutcome[]>;
  /** Assigns an active alert to a person (null: nobody). */
  assign(id: string, userId: string | null): Promise<Alert>;
  /** Hides an active alert from the default list until `until` (null: now). */
  snooze(id: string, until: number | null): Promise<Alert>;
  /** Resolves the alerts a completed work order addressed (or one alert by id). */
  resolveByWorkOrder(ref: { workOrderId: string } | { alertId: string }, by?: { actor?: string; reason?: string }): Promise<Alert[]>;
  precision(): Promise<ModelPrecision[]>;
  rulHistory(assetId: string, q?: { from?: number; to?: number; limit?: number }): Promise<RulEstimateRecord[]>;
  /** Detector state per asset (JSON-serialisable), e.g. to persist across restarts. */
  snapshot(): Record<string, AssetDetectorState>;
  restore(states: Record<string, AssetDetectorState>): void;
  stats(): { processed: number; dropped: number; skipped: number; pending: number };
}

const isReading = (r: unknown): r is StoredReading => {
  const x = r as StoredReading | null;
  return !!x && typeof x === 'object' && typeof x.assetId === 'string' && Number.isFinite(x.ts) && !!x.metrics && typeof x.metrics === 'object';
};

/**
 * Prediction: streaming anomaly detection per asset (asset-windows.ts), alerts
 * per asset and failure mode with hysteresis and a re-raise cool-down
 * (alert-tracker.ts), RUL estimates when an estimator is wired, and preventive
 * work orders before the predicted failure. Readings are queued by `onStored`
 * and processed in order by one worker (scoring-queue.ts), so the ingest path
 * only pays for a push. RUL is estimated per asset at most every
 * `rulEveryMs` of reading time, not per reading, and less often the further
 * the last estimate is from a level that changes anything (nextRulDelayMs):
 * estimators that observe keep their own incremental state, the others get
 * the recent readings. Only
 * estimates that move the asset's RUL trend are stored (rul-recording.ts).
 */
export function createPredictionService(input: PredictionDeps): PredictionService {
  const deps: PredictionDeps = input.events ? { ...input, alerts: alertStoreWithEvents(input.alerts, input.events) } : input;
  const cfg: PredictionConfig = { ...DEFAULT_PREDICTION_CONFIG, ...deps.config };
  const log = deps.logger.child({ svc: 'prediction' });
  const now = deps.now ?? Date.now;
  const windows = createAssetWindows(cfg, deps.assets);
  const tracker = createAlertTracker({ alerts: deps.alerts, preventive: deps.preventive, cfg, log, now });
  const rul = deps.rul;
  const keepWindow = !!rul && rul.usesWindow !== false;
  const counters = { processed: 0, skipped: 0 };
  const queue = createScoringQueue({ maxPending: cfg.maxPendingReadings, process: processBatch, log, now });

  /** The batch's RUL estimates to store, written together once the batch is scored. */
  let toStore: { rt: AssetRuntime; record: RulEstimateRecord }[] = [];

  async function storeRulEstimates(): Promise<void> {
    if (toStore.length === 0) return;
    const batch = toStore;
    toStore = [];
    try {
      await deps.rulEstimates.recordMany(batch.map((b) => b.record));
    } catch (err) {
      log.warn({ err, estimates: batch.length }, 'RUL estimates could not be stored');
      // The next estimate of these assets is stored instead.
      for (const { rt, record } of batch) if (rt.storedRul === record) rt.storedRul = undefined;
    }
  }

  async function runRul(rt: AssetRuntime, w: Window): Promise<void> {
    if (!rul || w.to < rt.nextRulAt) return;
    if (keepWindow && rt.recent.length === 0) return;
    rt.nextRulAt = w.to + cfg.rulEveryMs;
    const est = await rul.estimate(rt.ctx.assetId, keepWindow ? rt.recent.slice() : []);
    if (!est || ![est.hours, est.lowerHours, est.upperHours].every(Number.isFinite)) return;
    const clamp = (x: number) => Math.max(0, x);
    const e = { ...est, hours: clamp(est.hours), lowerHours: clamp(est.lowerHours), upperHours: clamp(est.upperHours), ts: w.to };
    rt.rul = e;
    rt.nextRulAt = w.to + nextRulDelayMs(e, rt.ctx.leadTimeHours, rt.model.leadTimeSafetyMargin ?? cfg.leadTimeSafetyMargin, cfg);
    const fm = tracker.rulFailureMode(rt, e);
    const record = {
      assetId: rt.ctx.assetId,
      ts: w.to,
      modelVersion: e.modelVersion,
      hours: e.hours,
      lowerHours: e.lowerHours,
      upperHours: e.upperHours,
      failureMode: fm,
      ...(e.failureProbability === undefined ? {} : { failureProbability: e.failureProbability }),
    };
    if (rulWorthStoring(rt.storedRul, record, cfg)) {
      rt.storedRul = record;
      toStore.push({ rt, record });
    }
    if (tracker.rulTriggers(rt, e)) await tracker.onDetected(rt, fm, w.modes.get(fm), w, true);
  }

  async function handleWindow(rt: AssetRuntime, w: Window): Promise<void> {
    for (const [fm, mw] of w.modes) {
      try {
        if (mw.flagged) await tracker.onDetected(rt, fm, mw, w, false);
        else await tracker.onClean(rt, fm);
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
        rt = await windows.runtimeFor(assetId);
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
        try {
          windows.observe(rt, r);
        } catch (err) {
          counters.skipped++;
          log.warn({ err, assetId }, 'reading could not be scored');
          continue;
        }
        counters.processed++;
        rul?.observe?.(assetId, r);
        if (keepWindow) {
          rt.recent.push(r);
          if (rt.recent.length > cfg.rulWindowReadings) rt.recent.splice(0, rt.recent.length - cfg.rulWindowReadings);
        }
      }
      const closed = rt.closed.splice(0);
      for (const w of closed) await handleWindow(rt, w);
    }
    try {
      await tracker.writeDetections();
    } catch (err) {
      log.warn({ err }, 'alert detections could not be written; kept for the next batch');
    }
    await storeRulEstimates();
  }

  /** Triage (assignee, snooze) is for alerts still being worked on. */
  async function activeAlert(id: string): Promise<Alert> {
    const alert = await deps.alerts.get(id);
    if (!isActive(alert.state)) throw new AppError('ILLEGAL_TRANSITION', `alert ${id} is ${alert.state}; only an active alert can be assigned or snoozed`, { from: alert.state });
    return alert;
  }

  async function transition(id: string, action: AlertAction, actor: string, reason: string): Promise<Alert> {
    const alert = await tracker.transition(id, action, actor, reason);
    // "No fault found" or a repair: what the signals show now is the new normal.
    if (action === 'dismiss' || action === 'resolve') {
      const rt = windows.existing(alert.assetId);
      if (rt) windows.reset(rt, rt.mapper.metricsOf(alert.failureMode));
    }
    return alert;
  }

  return {
    onStored(readings) {
      queue.push(readings);
      return Promise.resolve();
    },

    flush: () => queue.flush(),

    listAlerts: (opts) => deps.alerts.list(opts),

    async getAlert(id) {
      const alert = await deps.alerts.get(id);
      return { alert, history: await deps.alerts.history(id) };
    },

    async act(id, action, by) {
      const alert = await transition(id, action, by.actor, by.reason);
      return { alert, history: await deps.alerts.history(alert.id) };
    },

    async acknowledgeMany(ids, by) {
      const out: BulkOutcome[] = [];
      // One after another: each is its own guarded transition, and the order of the history follows the request.
      for (const id of new Set(ids)) {
        try {
          out.push({ id, ok: true, alert: await transition(id, 'acknowledge', by.actor, by.reason) });
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          out.push({ id, ok: false, code: err.code, message: err.message });
        }
      }
      return out;
    },

    async assign(id, userId) {
      await activeAlert(id);
      return deps.alerts.assign(id, userId, now());
    },

    async snooze(id, until) {
      await activeAlert(id);
      return deps.alerts.snooze(id, until, now());
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

    snapshot: () => windows.snapshot(),
    restore: (states) => windows.restore(states),
    stats: () => ({ ...counters, ...queue.stats() }),
  };
}

/** Emits an event after each alert write succeeded, so every path (detection, RUL, humans, work orders) is covered. */
function alertStoreWithEvents(store: AlertStore, events: EventSink): AlertStore {
  return {
    get: (id) => store.get(id),
    findActive: (a, f) => store.findActive(a, f),
    lastClosedAt: (a, f) => store.lastClosedAt(a, f),
    findActiveOfAsset: (a) => store.findActiveOfAsset(a),
    lastClosedAtOfAsset: (a) => store.lastClosedAtOfAsset(a),
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
    async assign(id, userId, at) {
      const alert = await store.assign(id, userId, at);
      events.emit('alert.updated', { alert, change: 'assigned' });
      return alert;
    },
    async snooze(id, until, at) {
      const alert = await store.snooze(id, until, at);
      events.emit('alert.updated', { alert, change: 'snoozed' });
      return alert;
    },
    async updateDetections(alerts) {
      await store.updateDetections(alerts);
      for (const alert of alerts) events.emit('alert.updated', { alert, change: 'detection' });
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
