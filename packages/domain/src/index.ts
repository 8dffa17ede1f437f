export * from './ids.js';
export * from './money.js';
export * from './time.js';
export * from './registry.js';
export * from './telemetry.js';
export * from './service.js';
export * from './contracts.js';
export * from './access.js';
export { CsvSyntaxError, parseCsv } from './csv.js';
