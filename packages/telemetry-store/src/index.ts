export type {
  Aggregation,
  LatestValue,
  MetricSeries,
  RangeQuery,
  SeriesPoint,
  StoredReading,
  TelemetryStore,
  TelemetrySink,
} from './port.js';
export type { StoreLogger } from './logger.js';
export { createDuckDbTelemetryStore, type DuckDbTelemetryStoreOptions } from './duckdb/store.js';
export { createInfluxTelemetryStore, type InfluxTelemetryStoreOptions } from './influx/store.js';
export { InfluxWriteError } from './influx/write-error.js';
// The contract suite lives behind `@hourmeter/telemetry-store/contract` so
// production code never imports vitest.
export {
  openDuckDbTelemetryExport,
  type DuckDbExportOptions,
  type DuckDbTelemetryExport,
  type ExportRange,
  type AssetTelemetryCounts,
} from './duckdb/export.js';
export { influxInspector, type InfluxInspector } from './influx/inspect.js';
export { createTelemetryParquetWriter, type ExportRow, type TelemetryParquetWriter } from './parquet-export.js';
