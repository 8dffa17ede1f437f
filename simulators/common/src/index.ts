export { mulberry32, deriveSeed, prngFor, type Prng } from './prng.js';
export {
  FAULT_KINDS,
  FaultConfig,
  FaultPlanner,
  NO_FAULTS,
  addFaultCounts,
  emptyFaultCounts,
  faultsEnabled,
  malformedPayload,
  type FaultConfigInput,
  type FaultCounts,
  type FaultKind,
  type ReadingPlan,
} from './faults.js';
export { type CommandOutcome, type ReadingSource, type SimReading } from './source.js';
export { DeviceLink, emptyCounters, type DeviceCounters, type DeviceLinkOptions } from './device-link.js';
export { createDeviceRunner, type Runner, type RunnerDevice, type RunnerOptions, type RunnerStats } from './runner.js';
export { cpuPercentBetween, usageMeter, type ProcessUsage, type UsageMeter } from './process-usage.js';
export { ApiClient, ApiError } from './api-client.js';
export { provisionFleet, type ProvisionSpec, type ProvisionedDevice } from './provision.js';
export { DevicesFile, readDevicesFile } from './devices-file.js';
export { progressLine } from './progress.js';
export { compareIngest, expectedIngest, ingestDelta, type CounterMismatch, type PlatformIngestCounters } from './verify.js';
