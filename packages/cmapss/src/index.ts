export { CmapssParseError, parseRows, parseRul, COLUMN_COUNT, SENSOR_COUNT, SETTING_COUNT, type CmapssRow } from './parse.js';
export { groupByUnit, lastCycle, trueRul, cappedRul, type CmapssUnit } from './units.js';
export {
  CMAPSS_SETS,
  cmapssFiles,
  isCmapssSetName,
  loadCmapssSet,
  loadTestUnits,
  loadTrainUnits,
  type CmapssSet,
  type CmapssSetName,
} from './load.js';
