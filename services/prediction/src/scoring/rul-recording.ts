import type { RulEstimateRecord } from '@hourmeter/domain';
import type { PredictionConfig } from './config.js';

/**
 * Whether a new RUL estimate belongs in the stored trend: the first one, a
 * different model or failure mode, a move beyond the tolerance (hours and
 * share of the last stored value, or failure probability), or the last stored
 * one being `rulRecordEveryMs` old. The others differ from the stored trend by
 * less than the tolerance, so the asset page's trend and the fleet's latest
 * RUL stay within it while most estimates are not written.
 */
export function rulWorthStoring(
  last: RulEstimateRecord | undefined,
  next: RulEstimateRecord,
  cfg: Pick<PredictionConfig, 'rulRecordChange' | 'rulRecordEveryMs'>,
): boolean {
  if (!last || last.modelVersion !== next.modelVersion || last.failureMode !== next.failureMode) return true;
  if (next.ts - last.ts >= cfg.rulRecordEveryMs) return true;
  const tol = cfg.rulRecordChange;
  const moved = (a: number, b: number) => Math.abs(a - b) > Math.max(tol.hours, tol.share * Math.abs(a));
  if (moved(last.hours, next.hours) || moved(last.lowerHours, next.lowerHours) || moved(last.upperHours, next.upperHours)) return true;
  if ((last.failureProbability === undefined) !== (next.failureProbability === undefined)) return true;
  return Math.abs((last.failureProbability ?? 0) - (next.failureProbability ?? 0)) > tol.probability;
}
