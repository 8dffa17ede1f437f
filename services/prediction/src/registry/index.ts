export {
  createRulModelRegistry,
  TrainRequest,
  type ActiveRulModel,
  type RulModelRegistry,
  type RulRegistryDeps,
  type TrainJob,
  type TrainJobState,
} from './registry.js';
export { trainInWorker } from './train-in-worker.js';
export {
  CMAPSS_METRIC_SPEC,
  CYCLE_METRIC,
  RUL_INPUT_METRICS,
  SENSOR_METRICS,
  SETTING_METRICS,
  cmapssTrainingUnits,
  currentRun,
  readingsToCycles,
  telemetryTrainingUnits,
  type CycleOptions,
  type MetricSpec,
  type FailureRun,
} from './training-data.js';
