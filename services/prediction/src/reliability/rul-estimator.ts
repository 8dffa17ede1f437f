import type { RulEstimation, RulEstimator, StoredReading } from '../scoring/ports.js';
import type { ReliabilityService } from './service.js';

/**
 * The population reliability model behind the prediction service's RUL port:
 * for an asset, the failure mode it is most likely to fail of within the lead
 * time, with its median residual life, band and that probability. It needs no
 * readings (age comes from the hour meter), so it serves where condition data
 * is thin or no condition model is trained.
 */
export function reliabilityRulEstimator(reliability: Pick<ReliabilityService, 'assetEstimates'>): RulEstimator {
  return {
    usesWindow: false,
    async estimate(assetId): Promise<RulEstimation | undefined> {
      const estimates = (await reliability.assetEstimates(assetId)).filter((e) => e.status === 'estimated');
      if (estimates.length === 0) return undefined;
      const worst = estimates.reduce((a, b) => ((b.failureProbability ?? 0) > (a.failureProbability ?? 0) ? b : a));
      return {
        hours: worst.rulHours!,
        lowerHours: worst.lowerHours!,
        upperHours: worst.upperHours!,
        modelVersion: worst.modelVersion!,
        failureMode: worst.failureMode,
        failureProbability: worst.failureProbability!,
      };
    },
  };
}

/** The first estimator that gives an estimate wins (condition model first, population model as fallback). */
export function firstRulEstimate(...estimators: readonly RulEstimator[]): RulEstimator {
  const observers = estimators.filter((e) => e.observe);
  return {
    usesWindow: estimators.some((e) => e.usesWindow !== false),
    ...(observers.length
      ? {
          observe(assetId: string, reading: StoredReading) {
            for (const e of observers) e.observe!(assetId, reading);
          },
        }
      : {}),
    async estimate(assetId, window) {
      for (const e of estimators) {
        const est = await e.estimate(assetId, window);
        if (est) return est;
      }
      return undefined;
    },
  };
}
