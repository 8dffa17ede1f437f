import { phm08Score, rmse, rmseCapped } from '../core/rul/metrics.js';

/** Published C-MAPSS results compare with the true RUL capped at 125 (see shared/cmapss/README.md). */
export const PUBLISHED_RUL_CAP = 125;

export interface CmapssSummary {
  set: string;
  predicted: readonly number[];
  /** True RUL at each test unit's last cycle, uncapped (RUL_<set>.txt). */
  actual: readonly number[];
  trainSeconds: number;
}

/**
 * The machine-readable last line of `eval:cmapss`. Scripts parse it, so its
 * fields keep their order: `rmse_capped` was added right after `rmse`.
 */
export function cmapssSummaryLine(s: CmapssSummary): string {
  return (
    `cmapss ${s.set}: rmse=${rmse(s.predicted, s.actual).toFixed(2)}` +
    ` rmse_capped=${rmseCapped(s.predicted, s.actual, PUBLISHED_RUL_CAP).toFixed(2)}` +
    ` score=${phm08Score(s.predicted, s.actual).toFixed(2)} units=${s.actual.length} train_s=${s.trainSeconds.toFixed(1)}`
  );
}
