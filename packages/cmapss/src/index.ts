export { CmapssParseError, parseRows, parseRul, COLUMN_COUNT, SENSOR_COUNT, SETTING_COUNT, type CmapssRow } from './parse.js';
export { groupByUnit, lastCycle, trueRul, cappedRul, type CmapssUnit } from './units.js';
export {
  CMAPSS_DATA_DIR,
  CMAPSS_SETS,
  cmapssFile,
  cmapssFiles,
  isCmapssSetName,
  loadCmapssSet,
  loadTestUnits,
  loadTrainUnits,
  readCmapssText,
  type CmapssSet,
  type CmapssSetName,
} from './load.js';
