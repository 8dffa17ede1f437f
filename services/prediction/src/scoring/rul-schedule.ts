import type { PredictionConfig } from './config.js';
import type { RulEstimation } from './ports.js';

const MS_PER_HOUR = 3_600_000;
/** Below this probability of failing within the lead time nothing depends on it (severity.ts starts at 0.2). */
const QUIET_PROBABILITY = 0.1;

/**
 * How long (reading time) after an estimate the next one of the asset is due:
 * `rulHeadroomShare` of the hours between the estimate's RUL (its lower band,
 * as severity.ts reads it) and the next lower level at which scoring acts
 * differently (the preventive trigger, the severity bands, zero), within
 * [rulEveryMs, rulMaxEveryMs]. An estimate whose failure probability matters
 * is followed at the shortest interval. Far from failure most readings thus
 * share an estimate; near a level every reading may get one.
 */
export function nextRulDelayMs(
  est: Pick<RulEstimation, 'hours' | 'lowerHours' | 'failureProbability'>,
  leadTimeHours: number,
  safetyMargin: number,
  cfg: Pick<PredictionConfig, 'rulEveryMs' | 'rulHeadroomShare' | 'rulMaxEveryMs'>,
): number {
  if ((est.failureProbability ?? 0) >= QUIET_PROBABILITY) return cfg.rulEveryMs;
  const r = Math.min(est.hours, est.lowerHours);
  const levels = [leadTimeHours * (1 + safetyMargin), 2 * leadTimeHours, leadTimeHours, 0.5 * leadTimeHours, 0].filter((l) => l < r);
  const headroom = levels.length ? r - Math.max(...levels) : 0;
  return Math.min(cfg.rulMaxEveryMs, Math.max(cfg.rulEveryMs, cfg.rulHeadroomShare * headroom * MS_PER_HOUR));
}
