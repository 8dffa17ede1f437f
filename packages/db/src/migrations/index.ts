import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-registry.js';
import * as m0002 from './0002-operating-hours.js';
import * as m0003 from './0003-service-operations.js';
import * as m0004 from './0004-alerts.js';
import * as m0005 from './0005-contracts.js';
import * as m0006 from './0006-rul-models.js';
import * as m0007 from './0007-model-prediction-settings.js';
import * as m0008 from './0008-partition-leases.js';
import * as m0009 from './0009-device-connections.js';
import * as m0010 from './0010-idempotency-keys.js';
import * as m0011 from './0011-stock-follows-use.js';
import * as m0012 from './0012-billing-periods.js';
import * as m0013 from './0013-receivables.js';
import * as m0014 from './0014-reliability-models.js';
import * as m0015 from './0015-integrations.js';
import * as m0016 from './0016-users.js';
import * as m0017 from './0017-customer-clock.js';
import * as m0019 from './0019-notify-everyone.js';
import * as m0020 from './0020-rul-estimate-failure-probability.js';
import * as m0021 from './0021-condition-models.js';
import * as m0022 from './0022-technicians.js';
import * as m0023 from './0023-sla-requests.js';
import * as m0024 from './0024-returns-installation-hazards.js';
import * as m0025 from './0025-customer-users.js';
import * as m0026 from './0026-alert-triage.js';
import * as m0028 from './0028-leads-and-nps.js';
import * as m0029 from './0029-service-products.js';

/**
 * Versioned migrations, applied in key order. Listed statically (not read from
 * the directory) so they work the same from TypeScript sources and bundles.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001-registry': m0001,
  '0002-operating-hours': m0002,
  '0003-service-operations': m0003,
  '0004-alerts': m0004,
  '0005-contracts': m0005,
  '0006-rul-models': m0006,
  '0007-model-prediction-settings': m0007,
  '0008-partition-leases': m0008,
  '0009-device-connections': m0009,
  '0010-idempotency-keys': m0010,
  '0011-stock-follows-use': m0011,
  '0012-billing-periods': m0012,
  '0013-receivables': m0013,
  '0014-reliability-models': m0014,
  '0015-integrations': m0015,
  '0016-users': m0016,
  '0017-customer-clock': m0017,
  '0019-notify-everyone': m0019,
  '0020-rul-estimate-failure-probability': m0020,
  '0021-condition-models': m0021,
  '0022-technicians': m0022,
  '0023-sla-requests': m0023,
  '0024-returns-installation-hazards': m0024,
  '0025-customer-users': m0025,
  '0026-alert-triage': m0026,
  '0028-leads-and-nps': m0028,
  '0029-service-products': m0029,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
