import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-registry.js';
import * as m0002 from './0002-operating-hours.js';

/**
 * Versioned migrations, applied in key order. Listed statically (not read from
 * the directory) so they work the same from TypeScript sources and bundles.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001-registry': m0001,
  '0002-operating-hours': m0002,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
