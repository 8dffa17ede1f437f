// ---------------------------------------------------------------- remaining-useful-life regression
export * from './core/rul/index.js';

// ---------------------------------------------------------------- population reliability (Weibull with censoring)
export * from './core/reliability/index.js';

// ---------------------------------------------------------------- anomaly detection, alerts, preventive orders
export {
  createAnomalyDetector,
  newAssetState,
  DEFAULT_DETECTOR_CONFIG,
  type AnomalyDetector,
  type AssetDetectorState,
  type DetectorConfig,
  type MetricScore,
} from './anomaly/detector.js';
export type { RegimeRule } from './anomaly/regime.js';
export { TRANSITIONS as ALERT_TRANSITIONS, type AlertAction } from './alerts/lifecycle.js';
export type { AlertStore, RulStore, AlertListFilters } from './alerts/ports.js';
export { DEFAULT_PREDICTION_CONFIG, type PredictionConfig, type ModelPredictionConfig } from './scoring/config.js';
export { DEFAULT_FAILURE_MODE_RULES, DEFAULT_SUGGESTED_PARTS, failureModeMapper, type FailureModeRule } from './scoring/failure-modes.js';
export { severityFromAnomaly, severityFromFailureProbability, severityFromRul } from './scoring/severity.js';
export type {
  AssetContext,
  AssetContextSource,
  OpenPreventiveInput,
  PreventiveWorkOrders,
  RulEstimation,
  RulEstimator,
} from './scoring/ports.js';
export { registryAssetContext } from './scoring/asset-context.js';
export { inMemoryPreventiveWorkOrders } from './scoring/in-memory-work-orders.js';
export { createPredictionService, type PredictionDeps, type PredictionService, type AlertDetail } from './scoring/prediction-service.js';
export { predictionRoutes, type PredictionRouteDeps } from './routes/prediction-routes.js';

// ---------------------------------------------------------------- RUL model registry, training jobs, RulEstimator adapter
export * from './registry/index.js';
export * from './rul-adapter/index.js';
export { rulModelRoutes, type RulModelRouteDeps } from './routes/rul-model-routes.js';

// ---------------------------------------------------------------- population reliability per asset model and failure mode
export {
  createReliabilityService,
  modelVersionLabel,
  type AssetReliabilityEstimate,
  type FailureModeReliability,
  type ReliabilityService,
  type ReliabilityServiceDeps,
  type ReliabilityTrainOptions,
  type ReliabilityTrainResult,
  type StoredFit,
  type TrainStage as ReliabilityTrainStage,
  type TrainTrigger as ReliabilityTrainTrigger,
} from './reliability/service.js';
export { reliabilityRoutes, type ReliabilityRouteDeps } from './routes/reliability-routes.js';
export { firstRulEstimate, reliabilityRulEstimator } from './reliability/rul-estimator.js';
export { createRetrainSchedule, type RetrainSchedule, type RetrainScheduleDeps } from './reliability/retrain-schedule.js';
export { recordFailure } from './reliability/testing.js';

// ---------------------------------------------------------------- condition-based RUL from the platform's records
export { assetReadings, bucketMs, conditionChannels, conditionLifeEstimator, runningFilter, unitsOfLives, type ConditionTelemetry } from './reliability/condition-source.js';
export { defaultHoursPerCycle, trainConditionVersion, type ConditionRequest, type TrainRul } from './reliability/condition-trainer.js';
