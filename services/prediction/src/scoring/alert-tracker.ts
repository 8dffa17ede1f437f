import type { Alert, AlertEvidence, Severity } from '@hourmeter/domain';
import { isAppError, type Logger } from '@hourmeter/runtime';
import { isActive, TRANSITIONS, type AlertAction } from '../alerts/lifecycle.js';
import type { AlertStore } from '../alerts/ports.js';
import type { AssetRuntime, ModeWindow, Window } from './asset-windows.js';
import type { PredictionConfig } from './config.js';
import { DEFAULT_SUGGESTED_PARTS } from './failure-modes.js';
import type { PreventiveWorkOrders, RulEstimation } from './ports.js';
import { maxSeverity, severityFromAnomaly, severityFromFailureProbability, severityFromRul } from './severity.js';

export interface AlertTracker {
  /** A window flagged a failure mode (by the detector, or `byRul`): raise or update its alert, maybe order. */
  onDetected(rt: AssetRuntime, fm: string, mw: ModeWindow | undefined, w: Window, byRul: boolean): Promise<void>;
  /** A window saw the failure mode's metrics and nothing flagged: count towards clearing its alert. */
  onClean(rt: AssetRuntime, fm: string): Promise<void>;
  /** A human's or a work order's transition, remembered for the next detections. */
  transition(id: string, action: AlertAction, actor: string, reason: string): Promise<Alert>;
  /** The failure mode a RUL estimate is about. */
  rulFailureMode(rt: AssetRuntime, est: RulEstimation): string;
  /** Whether an estimate calls for an alert and a preventive order. */
  rulTriggers(rt: AssetRuntime, est: RulEstimation): boolean;
  /** Writes the detections queued since the last call (the scoring worker calls it once per batch). */
  writeDetections(): Promise<void>;
}

/**
 * Alerts per asset and failure mode: one active alert at a time (cached,
 * de-duplicated against the store's uniqueness), a re-raise cool-down after
 * one closes, clearing after consecutive clean windows, and the preventive
 * work order once a RUL estimate or the severity calls for one. Repeated
 * detections of an active alert are written only when they change what it
 * says (see `alertPeakGrowth` in config.ts): most windows of a running alert
 * only move its last-detected time, which is kept in memory and written per
 * `alertRefreshMs`, when detections pause, and before a human acts on it.
 * Those writes are queued and written together once per batch
 * (`writeDetections`), or before the alert's next write of another kind; the
 * cached alert shows them at once.
 */
export function createAlertTracker(deps: {
  alerts: AlertStore;
  preventive?: PreventiveWorkOrders | undefined;
  cfg: PredictionConfig;
  log: Logger;
  now: () => number;
}): AlertTracker {
  const { cfg, log, now } = deps;
  /** Active alert per `${assetId}|${failureMode}` (null = known none). */
  const active = new Map<string, Alert | null>();
  const closedAt = new Map<string, number | null>();
  const cleanWindows = new Map<string, number>();
  /** Newest detection time of an active alert not written yet (the cached alert is the stored one). */
  const pendingAt = new Map<string, number>();
  const ordering = new Set<string>();
  /** Detection writes waiting for writeDetections, by alert id: the alert as it is to be stored. */
  const queued = new Map<string, Alert>();
  const keyOf = (assetId: string, fm: string) => `${assetId}|${fm}`;

  /** Assets whose stored alert state is in the maps (a key missing there means none). */
  const loaded = new Set<string>();

  /** Reads an asset's active alerts and close times once, in two queries rather than two per failure mode. */
  async function load(assetId: string): Promise<void> {
    if (loaded.has(assetId)) return;
    const [alerts, closed] = await Promise.all([deps.alerts.findActiveOfAsset(assetId), deps.alerts.lastClosedAtOfAsset(assetId)]);
    if (loaded.has(assetId)) return;
    loaded.add(assetId);
    // What this process did meanwhile is newer than what was read.
    for (const a of alerts) if (!active.has(keyOf(assetId, a.failureMode))) active.set(keyOf(assetId, a.failureMode), a);
    for (const [fm, at] of closed) if (!closedAt.has(keyOf(assetId, fm))) closedAt.set(keyOf(assetId, fm), at);
  }

  async function activeFor(assetId: string, fm: string): Promise<Alert | undefined> {
    await load(assetId);
    return active.get(keyOf(assetId, fm)) ?? undefined;
  }

  async function lastClosed(assetId: string, fm: string): Promise<number | undefined> {
    await load(assetId);
    return closedAt.get(keyOf(assetId, fm)) ?? undefined;
  }

  function remember(alert: Alert): void {
    const key = keyOf(alert.assetId, alert.failureMode);
    if (isActive(alert.state)) {
      active.set(key, alert);
    } else {
      if (active.get(key)?.id === alert.id) active.set(key, null);
      cleanWindows.delete(key);
      pendingAt.delete(key);
      closedAt.set(key, Math.max(closedAt.get(key) ?? Number.NEGATIVE_INFINITY, alert.closedAt ?? now()));
    }
  }

  const peakOf = (e: AlertEvidence) => e.signals.reduce((m, s) => Math.max(m, Math.abs(s.score)), 0);

  /** Severity rises, or the strongest signal grows by `alertPeakGrowth` (new signals on a RUL-raised alert included). */
  function changesWhatItSays(alert: Alert, severity: Severity, evidence: AlertEvidence): boolean {
    return severity !== alert.severity || peakOf(evidence) > peakOf(alert.evidence) * (1 + cfg.alertPeakGrowth);
  }

  /** The alert with this detection, its write queued. */
  function queueDetection(alert: Alert, d: { severity: Severity; evidence: AlertEvidence; at: number }): Alert {
    const next: Alert = { ...alert, severity: d.severity, evidence: d.evidence, lastDetectedAt: d.at, updatedAt: d.at };
    queued.set(alert.id, next);
    return next;
  }

  /** Writes queued detections (of these alerts only, if given); a failed write stays queued unless a newer one replaced it. */
  async function writeQueued(ids?: readonly string[]): Promise<void> {
    const batch = ids ? ids.flatMap((id) => queued.get(id) ?? []) : [...queued.values()];
    if (batch.length === 0) return;
    for (const a of batch) queued.delete(a.id);
    try {
      await deps.alerts.updateDetections(batch);
    } catch (err) {
      for (const a of batch) if (!queued.has(a.id)) queued.set(a.id, a);
      throw err;
    }
  }

  /** Queues an alert's newest detection time if only memory has it; its evidence stays. */
  function writePending(key: string): Alert | undefined {
    const alert = active.get(key);
    const at = pendingAt.get(key);
    if (!alert || at === undefined) return alert ?? undefined;
    pendingAt.delete(key);
    const written = queueDetection(alert, { severity: alert.severity, evidence: alert.evidence, at });
    remember(written);
    return written;
  }

  function rulFailureMode(rt: AssetRuntime, est: RulEstimation): string {
    return est.failureMode ?? rt.model.rulFailureMode ?? cfg.defaultRulFailureMode;
  }

  function rulTriggers(rt: AssetRuntime, est: RulEstimation): boolean {
    const margin = rt.model.leadTimeSafetyMargin ?? cfg.leadTimeSafetyMargin;
    return est.hours <= rt.ctx.leadTimeHours * (1 + margin) || (est.failureProbability ?? 0) >= cfg.preventiveFailureProbability;
  }

  async function maybePreventive(rt: AssetRuntime, alert: Alert, rul: (RulEstimation & { ts: number }) | undefined): Promise<void> {
    if (!deps.preventive || alert.workOrderId) return;
    const key = keyOf(alert.assetId, alert.failureMode);
    if (ordering.has(key)) return;
    const due = rul ? rulTriggers(rt, rul) : cfg.preventiveOnSeverities.includes(alert.severity);
    if (!due) return;
    ordering.add(key);
    try {
      // linkWorkOrder reads the alert back: what memory has must be stored first.
      await writeQueued([alert.id]);
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
      remember(await deps.alerts.linkWorkOrder(alert.id, res.workOrderId, pendingAt.get(key) ?? alert.lastDetectedAt));
      log.info({ assetId: alert.assetId, failureMode: alert.failureMode, workOrderId: res.workOrderId, created: res.created }, 'preventive work order linked');
    } finally {
      ordering.delete(key);
    }
  }

  return {
    rulFailureMode,
    rulTriggers,
    writeDetections: () => writeQueued(),

    async onDetected(rt, fm, mw, w, byRul) {
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
        const next = maxSeverity(alert.severity, severity);
        if (changesWhatItSays(alert, next, merged)) {
          pendingAt.delete(key);
          alert = queueDetection(alert, { severity: next, evidence: merged, at: w.to });
        } else if (w.to - alert.lastDetectedAt >= cfg.alertRefreshMs) {
          pendingAt.delete(key);
          alert = queueDetection(alert, { severity: alert.severity, evidence: alert.evidence, at: w.to });
        } else {
          pendingAt.set(key, w.to);
        }
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
          pendingAt.delete(key);
          const current = await deps.alerts.findActive(assetId, fm);
          active.set(key, current ?? null);
          if (!current) throw err;
          queued.delete(current.id);
          alert = await deps.alerts.updateDetection(current.id, { severity: maxSeverity(current.severity, severity), evidence, at: w.to });
        }
      }
      remember(alert);
      await maybePreventive(rt, alert, rul);
    },

    async onClean(rt, fm) {
      if (!(await activeFor(rt.ctx.assetId, fm))) return;
      const key = keyOf(rt.ctx.assetId, fm);
      // Detections paused: the last-detected time is final for now, so it is written.
      const alert = writePending(key)!;
      const clean = (cleanWindows.get(key) ?? 0) + 1;
      cleanWindows.set(key, clean);
      // Only an alert nobody has picked up and no work order addresses clears by itself.
      if (clean < cfg.clearAfterWindows || alert.state !== 'open' || alert.workOrderId) return;
      await writeQueued([alert.id]);
      const resolved = await deps.alerts.transition(alert.id, {
        to: 'resolved',
        actor: 'system',
        reason: `cleared: ${clean} consecutive clean windows`,
        at: alert.lastDetectedAt + clean * cfg.windowMs,
        allowedFrom: ['open'],
      });
      remember(resolved);
    },

    async transition(id, action, actor, reason) {
      const t = TRANSITIONS[action];
      for (const [key, a] of active) if (a?.id === id) writePending(key);
      await writeQueued([id]);
      const alert = await deps.alerts.transition(id, { to: t.to, actor, reason, at: now(), allowedFrom: t.from });
      remember(alert);
      return alert;
    },
  };
}
