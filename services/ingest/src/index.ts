export { createIngest, type Ingest, type IngestConfig, type IngestDeps, type IngestHealth, type IngestQuery } from './ingest.js';
export type { DeviceIngestCounters } from './ingest-counters.js';
export type { FsyncPolicy, SpoolStats } from './spool/spool.js';
export type { StoreWriteStats } from './store-drainer.js';
export { parseTelemetry, type ParseLimits, type ParsedTelemetry } from './core/parse-telemetry.js';
export { importTelemetryHistory, refKey, type ResolvedDevice, type TelemetryImportDeps, type TelemetryImportOptions, type TelemetryImportResult } from './history/telemetry-import.js';
export { parseLineProtocol, parseTelemetryCsv, type DeviceRef, type FileReading, type Precision } from './history/telemetry-file.js';
export { telemetryImportRoutes } from './history/telemetry-import-routes.js';
