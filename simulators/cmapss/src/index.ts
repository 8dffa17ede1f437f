export { rowToReading, unitReadings, UnitReplaySource, parseUnitRange, type ReplayTiming } from './replay.js';
export {
  CMAPSS_MODEL_CODE,
  cmapssAssetModel,
  cmapssProvisionSpec,
  cmapssSerial,
  createCmapssReplay,
  defaultReplayStart,
  loadReplayUnits,
  type CmapssReplayOptions,
  type CmapssSplit,
} from './cmapss-replay.js';
// Re-exported so callers (the fleet CLI) validate set names without a second dependency.
export { CMAPSS_DATA_DIR, CMAPSS_SETS, isCmapssSetName, type CmapssSetName } from '@hourmeter/cmapss';
