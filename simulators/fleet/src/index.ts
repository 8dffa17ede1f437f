export {
  createFleet,
  defaultSimStart,
  devicesFromFile,
  fleetProvisionSpec,
  modelOfIndex,
  simSerial,
  SIM_CUSTOMER_REF,
  type Fleet,
  type FleetDevice,
  type FleetOptions,
  type FleetStats,
} from './fleet.js';
export { AssetSim, type AssetSimOptions, type FailureRecord } from './physics/asset.js';
export { MODELS, PUMP, COMPRESSOR, GEARBOX, modelKindForCode } from './physics/models.js';
export { MODEL_KINDS, type ModelKind, type ModelSpec, type OperatingState, type FailureModeSpec } from './physics/model-spec.js';
export { MaintenanceCompleted, SimCommand } from './commands.js';
export { AssetSource } from './asset-source.js';
