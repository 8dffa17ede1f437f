export { learnConditions, assignCondition, kMeans, type ConditionModel, type ConditionOptions } from './conditions.js';
export { learnNormaliser, normaliseHistory, type CycleReading, type Normaliser } from './normalise.js';
export {
  buildFeatureMatrix,
  computeWindowFeature,
  drift,
  ewma,
  featureNames,
  rollingMean,
  rollingSlope,
  rollingStd,
  type FeatureSpec,
  type WindowFeature,
} from './features.js';
export { fitHealthIndex, healthIndexSeries, type HealthIndex } from './health-index.js';
export { fitGbt, predictGbt, DEFAULT_GBT_OPTIONS, type GbtModel, type GbtOptions, type GbtTree, type DenseMatrix } from './gbt.js';
export { rmse, rmseCapped, phm08Score, quantile } from './metrics.js';
export {
  RulModel,
  SerializedRulModel,
  trainRulModel,
  knownTargetRows,
  DEFAULT_FEATURES,
  DEFAULT_TRAIN_OPTIONS,
  type RulPrediction,
  type RulTrainOptions,
  type TrainingUnit,
  type TrainProgress,
} from './model.js';
export { createRulStream, streamingFeature, type RulStream, type StreamingFeature } from './streaming.js';
