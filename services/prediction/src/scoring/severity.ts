import type { RulEstimate, Severity } from '@hourmeter/domain';

export const SEVERITY_ORDER: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
export const severityRank = (s: Severity) => SEVERITY_ORDER.indexOf(s);
export const maxSeverity = (a: Severity, b: Severity): Severity => (severityRank(a) >= severityRank(b) ? a : b);

/** Anomaly strength (how many baseline scales the recent signal sits away) at which each severity starts. */
export interface AnomalySeverityThresholds {
  medium: number;
  high: number;
  critical: number;
}
export const DEFAULT_ANOMALY_THRESHOLDS: AnomalySeverityThresholds = { medium: 3, high: 6, critical: 10 };

export function severityFromAnomaly(strength: number, t: AnomalySeverityThresholds = DEFAULT_ANOMALY_THRESHOLDS): Severity {
  if (strength >= t.critical) return 'critical';
  if (strength >= t.high) return 'high';
  if (strength >= t.medium) return 'medium';
  return 'low';
}

/**
 * Severity from the RUL against the lead time (parts + travel + margin): below
 * half the lead time the failure can no longer be prevented in time (critical);
 * below the lead time, act now (high); below twice the lead time, plan (medium).
 * The lower band is used: being early is cheap, being late is not.
 */
export function severityFromRul(rul: RulEstimate, leadTimeHours: number): Severity {
  const r = Math.min(rul.hours, rul.lowerHours) / leadTimeHours;
  if (r <= 0.5) return 'critical';
  if (r <= 1) return 'high';
  if (r <= 2) return 'medium';
  return 'low';
}

/**
 * Severity from the probability of failing within the lead time: even odds
 * or worse must be acted on now (high), four in five cannot wait (critical),
 * one in five deserves planning (medium).
 */
export function severityFromFailureProbability(p: number): Severity {
  if (p >= 0.8) return 'critical';
  if (p >= 0.5) return 'high';
  if (p >= 0.2) return 'medium';
  return 'low';
}
