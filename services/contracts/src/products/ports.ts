/**
 * What service products need from the rest of the platform. The reliability
 * port is filled by services/prediction's reliability service in the wiring
 * (services/server): the active Weibull fit per failure mode of an asset
 * model, and an asset's condition estimates.
 */
import type { Restoration } from './core/pricing.js';

export interface FailureModeFit {
  failureMode: string;
  restoration: Restoration;
  /** `operating_hours`, or `calendar_hours` when the fleet has no hour-meter history. */
  ageAxis: 'operating_hours' | 'calendar_hours';
  shape: number;
  scale: number;
  /** The model that produced the fit, e.g. `PUMP-1/bearing@weibull-v2`. */
  modelVersion: string;
}

export interface AssetConditionEstimate {
  failureMode: string;
  status: 'estimated' | 'no_failures' | 'not_trained';
  ageHours?: number | undefined;
  rulHours?: number | undefined;
  /** Operating hours per calendar hour over the last 30 days. */
  utilisation?: number | undefined;
  failureProbability?: number | undefined;
  modelVersion?: string | undefined;
}

export interface ReliabilityPort {
  /** The fitted failure modes of an asset model (those without an active fit are left out). */
  fits(assetModelId: string): Promise<FailureModeFit[]>;
  assetEstimates(assetId: string): Promise<AssetConditionEstimate[]>;
}
