import type { Severity } from '@hourmeter/domain';
import type { StoredReading } from '@hourmeter/telemetry-store';
import type { ModelPredictionConfig } from './config.js';

export type { StoredReading };

/** A RUL model behind a port (the C-MAPSS-trained regression gets adapted to it). */
export interface RulEstimator {
  /**
   * Stateful estimators follow each asset's readings themselves (incremental
   * features): the service hands them every scored reading here. Must be cheap.
   */
  observe?(assetId: string, reading: StoredReading): void;
  /**
   * false: estimate() does not read the window (it observes, or needs no
   * readings), so the service keeps none and passes an empty one. Default true.
   */
  readonly usesWindow?: boolean;
  /** Remaining useful life from the asset's recent readings (oldest first), or undefined when it cannot tell. */
  estimate(
    assetId: string,
    window: readonly StoredReading[],
  ):
    | Promise<RulEstimation | undefined>
    | RulEstimation
    | undefined;
}

export interface RulEstimation {
  hours: number;
  lowerHours: number;
  upperHours: number;
  modelVersion: string;
  /** The failure mode the model predicts; defaults to the asset model's configured one. */
  failureMode?: string;
  /** Probability of failing within the asset model's lead time (population reliability), 0..1. */
  failureProbability?: number;
}

export interface OpenPreventiveInput {
  assetId: string;
  failureMode: string;
  alertId: string;
  reason: string;
  rulHours?: number;
  severity: Severity;
  suggestedPartNumbers?: string[];
}

/**
 * Opens preventive work orders (implemented by services/work-orders). Must be
 * idempotent per asset and failure mode: while one is open, it returns that one
 * with `created: false`.
 */
export interface PreventiveWorkOrders {
  openPreventive(input: OpenPreventiveInput): Promise<{ workOrderId: string; created: boolean }>;
}

/** What prediction needs to know about an asset. */
export interface AssetContext {
  assetId: string;
  assetModelId: string;
  assetModelCode?: string;
  leadTimeHours: number;
  /** The hour meter's running metric; a counter rule's metric is never monitored. */
  runningRule?: { kind: 'boolean' | 'threshold' | 'counter'; metric: string; above?: number };
  /** The asset model's own prediction settings (registry); they take precedence over code config. */
  prediction?: ModelPredictionConfig | undefined;
}

export interface AssetContextSource {
  contextFor(assetId: string): Promise<AssetContext | undefined>;
}
