export { createIngest, type Ingest, type IngestConfig, type IngestDeps, type IngestHealth, type IngestQuery } from './ingest.js';
export type { DeviceIngestCounters } from './ingest-counters.js';
export type { FsyncPolicy, SpoolStats } from './spool/spool.js';
export type { StoreWriteStats } from './store-drainer.js';
export { parseTelemetry, type ParseLimits, type ParsedTelemetry } from './core/parse-telemetry.js';
