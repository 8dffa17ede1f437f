export { openDb, type Db, type DialectName, type OpenDbOptions } from './connect.js';
export type { Database } from './schema.js';
export type { Page, ListOptions } from './repositories/crud.js';
export { registryRepositories, addMonths, type AssetFilters } from './repositories/registry.js';
export { deviceRepository, type DeviceRepository, type DeviceAuthRecord } from './repositories/devices.js';
export {
  operatingHoursRepository,
  type OperatingHoursRepository,
  type DailyOperatingTime,
  type DailyTotalInput,
} from './repositories/operating-hours.js';
export { apiKeyRepository, type ApiKeyRepository, type AuthenticatedKey } from './repositories/api-keys.js';

import type { Db } from './connect.js';
import { apiKeyRepository } from './repositories/api-keys.js';
import { deviceRepository } from './repositories/devices.js';
import { operatingHoursRepository } from './repositories/operating-hours.js';
import { registryRepositories } from './repositories/registry.js';

/** Every repository over one open store. */
export function repositories(db: Db) {
  return {
    ...registryRepositories(db.kysely),
    devices: deviceRepository(db.kysely),
    apiKeys: apiKeyRepository(db.kysely),
    operatingHours: operatingHoursRepository(db.kysely),
  };
}
export type Repositories = ReturnType<typeof repositories>;
