import { CustomerInput } from '@hourmeter/domain';
import { openDb, repositories, type Db, type Repositories } from '@hourmeter/db';
import { createDuckDbTelemetryStore, type TelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir } from '@hourmeter/testkit';
import type { Logger } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import type { MeterSettings } from '../core/operating-time.js';

export interface RealStores {
  readonly repos: Repositories;
  readonly store: TelemetryStore;
  /** A new asset whose model carries `settings` (rule and gap limit). */
  newAsset(settings: MeterSettings): Promise<string>;
}

/**
 * The stores the hour meter runs on in production, fresh for the calling
 * suite: SQLite and the DuckDB telemetry store in a temp dir, opened before
 * its tests and closed after them.
 */
export function useRealStores(logger: Logger): RealStores {
  let dir: ReturnType<typeof tempDir> | undefined;
  let db: Db | undefined;
  let repos: Repositories | undefined;
  let store: TelemetryStore | undefined;

  beforeAll(async () => {
    dir = tempDir();
    db = await openDb({ dataDir: dir.path, logger });
    repos = repositories(db);
    store = await createDuckDbTelemetryStore({ dataDir: dir.path });
  });
  afterAll(async () => {
    await store?.close();
    await db?.close();
    dir?.cleanup();
  });

  const opened = <T>(x: T | undefined): T => {
    if (x === undefined) throw new Error('the stores open in beforeAll');
    return x;
  };
  return {
    get repos() {
      return opened(repos);
    },
    get store() {
      return opened(store);
    },
    async newAsset(settings) {
      const r = opened(repos);
      const customer = await r.customers.create(CustomerInput.parse({ name: 'C', currency: 'EUR' }));
      const site = await r.sites.create({ customerId: customer.id, name: 'S', timezone: 'UTC' });
      const model = await r.assetModels.create({
        code: `M-${Math.random().toString(36).slice(2, 8)}`,
        name: 'M',
        runningRule: settings.rule,
        maxGapSeconds: settings.maxGapMs / 1000,
        warrantyMonths: 12,
        leadTimeHours: 24,
      });
      return (await r.assets.create({ serialNumber: 'S1', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' })).id;
    },
  };
}
