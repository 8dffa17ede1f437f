import type { Severity } from '@hourmeter/domain';
import type { DetectorConfig } from '../anomaly/detector.js';
import type { RegimeRule } from '../anomaly/regime.js';
import type { FailureModeRule } from './failure-modes.js';
import { DEFAULT_ANOMALY_THRESHOLDS, type AnomalySeverityThresholds } from './severity.js';

/** Per asset model settings (keyed by asset model id or code); everything optional. */
export interface ModelPredictionConfig {
  regime?: RegimeRule;
  /** Tried before the default rules. */
  failureModes?: FailureModeRule[];
  /** Part numbers per failure mode for preventive orders (merged over the defaults). */
  suggestedParts?: Record<string, string[]>;
  /** Failure mode of RUL estimates that name none. */
  rulFailureMode?: string;
  /** Globs of metrics never monitored (added to the defaults). */
  ignoreMetrics?: string[];
  leadTimeSafetyMargin?: number;
}

export interface PredictionConfig {
  detector: Partial<DetectorConfig>;
  /** Recorded on anomaly-driven alerts; precision is reported per version. */
  detectorVersion: string;
  /** Evaluation window per asset (reading time): detections are aggregated per window and failure mode. */
  windowMs: number;
  /** An open alert (not acknowledged, no work order) is resolved after this many consecutive clean windows. */
  clearAfterWindows: number;
  /** After an alert of an asset and failure mode closes, none is raised again for this long. */
  cooldownMs: number;
  anomalyThresholds: AnomalySeverityThresholds;
  /** A preventive order is opened when RUL <= lead time * (1 + margin). */
  leadTimeSafetyMargin: number;
  /** ... or when an estimate's probability of failing within the lead time reaches this. */
  preventiveFailureProbability: number;
  /** Without a RUL estimate, alerts of these severities open a preventive order. */
  preventiveOnSeverities: Severity[];
  /** How often (reading time) the RUL estimator is asked per asset at most. */
  rulEveryMs: number;
  /**
   * Between estimates the RUL cannot fall far: an estimate `h` hours above the
   * next RUL level that changes what scoring does (the preventive trigger,
   * severity bands, zero) makes the next one due after `rulHeadroomShare * h`
   * hours of reading time, at least `rulEveryMs`, at most `rulMaxEveryMs`.
   * Operating hours never pass faster than reading time, so this is cautious.
   */
  rulHeadroomShare: number;
  rulMaxEveryMs: number;
  /**
   * An active alert's repeated detections are written only when they matter:
   * at once when the severity rises or the peak signal score grows by this
   * share over the written evidence (which is otherwise kept: it is what
   * raised the alert), else at most once per `alertRefreshMs` of reading time
   * (its last-detected time), and before the alert closes.
   */
  alertPeakGrowth: number;
  alertRefreshMs: number;
  /**
   * A RUL estimate is stored (the asset page's trend) when it moved from the
   * last stored one by more than `hours` and `share` of it, its failure
   * probability by more than `probability`, its model or failure mode changed,
   * or `rulRecordEveryMs` of reading time passed; the others only drive alerts.
   */
  rulRecordChange: { share: number; hours: number; probability: number };
  rulRecordEveryMs: number;
  /** Readings per asset kept for RUL estimators that read a window (not for observing ones such as the registry adapter). */
  rulWindowReadings: number;
  /** Readings waiting for processing beyond which new batches are dropped (and counted). */
  maxPendingReadings: number;
  /** Globs of metrics never monitored: counters and totals drift by design. */
  ignoreMetrics: string[];
  defaultRulFailureMode: string;
  models: Record<string, ModelPredictionConfig>;
}

export const DEFAULT_PREDICTION_CONFIG: PredictionConfig = {
  detector: {},
  detectorVersion: 'anomaly-ewmad-cusum-1',
  windowMs: 10 * 60_000,
  clearAfterWindows: 6,
  cooldownMs: 6 * 3_600_000,
  anomalyThresholds: DEFAULT_ANOMALY_THRESHOLDS,
  leadTimeSafetyMargin: 0.25,
  preventiveFailureProbability: 0.5,
  preventiveOnSeverities: ['high', 'critical'],
  rulEveryMs: 10 * 60_000,
  rulHeadroomShare: 0.25,
  rulMaxEveryMs: 24 * 3_600_000,
  alertPeakGrowth: 0.25,
  alertRefreshMs: 6 * 3_600_000,
  rulRecordChange: { share: 0.1, hours: 1, probability: 0.05 },
  rulRecordEveryMs: 2 * 3_600_000,
  rulWindowReadings: 500,
  maxPendingReadings: 200_000,
  ignoreMetrics: ['*hours*', '*_count', '*counter*', '*_total', 'seq', 'cycle', 'uptime*'],
  defaultRulFailureMode: 'degradation',
  models: {},
};
