import type { ReliabilityPort } from '@hourmeter/contracts';
import type { ReliabilityService } from '@hourmeter/prediction';

/**
 * Service products price extended warranties from the reliability service
 * (services/prediction): the active Weibull fit of each failure mode of an
 * asset model, and an asset's condition estimates. Modes without an active
 * fitted version are left out: there is nothing to price them from.
 */
export function reliabilityPricingPort(reliability: Pick<ReliabilityService, 'failureModes' | 'assetEstimates'>): ReliabilityPort {
  return {
    async fits(assetModelId) {
      const { failureModes } = await reliability.failureModes(assetModelId);
      return failureModes.flatMap((m) =>
        m.status === 'fitted' && m.active && m.active.fit.status === 'fitted'
          ? [{ failureMode: m.failureMode, restoration: m.restoration, ageAxis: m.ageAxis, shape: m.active.fit.shape, scale: m.active.fit.scale, modelVersion: m.active.modelVersion }]
          : [],
      );
    },
    async assetEstimates(assetId) {
      return (await reliability.assetEstimates(assetId)).map((e) => ({
        failureMode: e.failureMode,
        status: e.status,
        ageHours: e.ageHours,
        rulHours: e.rulHours,
        utilisation: e.utilisation,
        failureProbability: e.failureProbability,
        modelVersion: e.modelVersion,
      }));
    },
  };
}
