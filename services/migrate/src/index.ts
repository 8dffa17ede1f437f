export { parseMigrateArgs, USAGE, type MigrateOptions } from './args.js';
export { MigrateError } from './errors.js';
export { planMigration, runMigration, formatPlan, formatResult, type MigrationPlan, type MigrationResult } from './migrate.js';
export { FROZEN_PARENTS, SQLITE_FILE, type TableReport, type RelationalResult } from './relational.js';
export { DUCKDB_FILE, type TelemetryResult } from './telemetry.js';
