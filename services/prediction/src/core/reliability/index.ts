export { lnGamma } from './gamma.js';
export {
  conditionalFailureProbability,
  fitWeibull,
  hazard,
  lifeQuantile,
  lifeQuantileInterval,
  mttf,
  mttfInterval,
  normalQuantile,
  residualLifeQuantile,
  survival,
  survivalCurve,
  survivalInterval,
  type Interval,
  type Life,
  type SurvivalPoint,
  type WeibullFit,
  type WeibullFitFailure,
  type WeibullFitOptions,
  type WeibullParameters,
} from './weibull.js';
export {
  buildLives,
  operatingHoursClock,
  recentUtilisation,
  type AgeAxis,
  type AssetRecord,
  type LifeEnd,
  type LifeRecord,
  type Lives,
  type LivesOptions,
  type MaintenanceEvent,
  type OperatingDay,
  type Restoration,
} from './lives.js';
export { assetClock, chooseAgeAxis } from './lives.js';
export { backtestWeibull, defaultSplit, scoreWeibull, type BacktestFigures, type BacktestInput, type BacktestResult } from './backtest.js';
