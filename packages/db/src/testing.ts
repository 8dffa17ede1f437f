import { CustomerInput, isCustomerRole, type Role } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import { pgDatabase, tempDir } from '@hourmeter/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { openDb, type Db } from './connect.js';
import { repositories, type Repositories } from './index.js';

/** One relational engine a repository suite runs against. */
export interface DbTarget {
  name: 'sqlite' | 'postgres';
  /** Why the suite cannot run here (no server installed), if it cannot. */
  skip?: string | undefined;
  /** A fresh, migrated, empty store and its cleanup. */
  open(): Promise<{ db: Db; cleanup: () => Promise<void> }>;
}

const silent = pino({ level: 'silent' });

/**
 * SQLite in a temp dir always; PostgreSQL on a database of its own on the
 * cluster the vitest global setup started (skipped with the package to install
 * when there is none). Use with `describe.each(dbTargets())`.
 */
export function dbTargets(): DbTarget[] {
  const postgresUrl = inject('postgresUrl');
  return [
    {
      name: 'sqlite',
      open: async () => {
        const dir = tempDir();
        const db = await openDb({ dataDir: dir.path, logger: silent });
        return { db, cleanup: async () => (await db.close(), dir.cleanup()) };
      },
    },
    {
      name: 'postgres',
      skip: postgresUrl ? undefined : 'no PostgreSQL server (install Debian package `postgresql`)',
      open: async () => {
        const pg = await pgDatabase(postgresUrl);
        const db = await openDb({ databaseUrl: pg.url, dataDir: '.', logger: silent });
        return { db, cleanup: async () => (await db.close(), await pg.drop()) };
      },
    },
  ];
}

/** A suite's store on one target: readable from the suite's beforeAll hooks on. */
export interface DbTargetStore {
  readonly db: Db;
  readonly repos: Repositories;
  /** A new active asset (with customer, site and a boolean-rule model). */
  newAsset(): Promise<string>;
}

/**
 * `target`'s fresh store for the calling suite (opened in a beforeAll
 * registered first, so later hooks can use it; closed and dropped after the
 * suite). Where the target cannot run here it registers one skipped test
 * saying why and returns undefined: `const store = useDbTarget(target); if (!store) return;`.
 */
export function useDbTarget(target: DbTarget): DbTargetStore | undefined {
  if (target.skip) {
    it.skip(`skipped: ${target.skip}`, () => {});
    return undefined;
  }
  let db: Db | undefined;
  let repos: Repositories | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let seq = 0;
  beforeAll(async () => {
    const opened = await target.open();
    cleanup = opened.cleanup;
    db = opened.db;
    repos = repositories(opened.db);
  });
  afterAll(async () => cleanup?.());
  const opened = (): Repositories => {
    if (!repos) throw new Error('the store opens in beforeAll');
    return repos;
  };
  return {
    get db() {
      if (!db) throw new Error('the store opens in beforeAll');
      return db;
    },
    get repos() {
      return opened();
    },
    async newAsset() {
      const r = opened();
      seq++;
      const customer = await r.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
      const site = await r.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
      const model = await r.assetModels.create({ code: `FIX-${target.name}-${seq}-${Math.random().toString(36).slice(2, 8)}`, name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
      return (await r.assets.create({ serialNumber: `SN-${seq}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' })).id;
    },
  };
}

/** Issues a bearer key for a role on the key repository (for `routeHarness` of @hourmeter/http/testing). */
export function roleKeyIssuer(repos: Repositories): (role: Role) => Promise<string> {
  // Customer-role keys belong to a customer of their own that owns nothing, so a route a customer may call answers it with nothing.
  let harnessCustomer: Promise<string> | undefined;
  const customerId = () => (harnessCustomer ??= repos.customers.create(CustomerInput.parse({ name: 'Role-matrix customer', currency: 'EUR' })).then((c) => c.id));
  return async (role) => (await repos.apiKeys.create({ name: role, role, ...(isCustomerRole(role) ? { customerId: await customerId() } : {}) })).key;
}

/** The SQLite target alone: route tests, which exercise the HTTP edge over a store whose engines the repository suites cover. */
export function sqliteTarget(): DbTarget {
  return dbTargets().find((t) => t.name === 'sqlite')!;
}

/** The stable code of the AppError `p` rejects with (fails the test otherwise). */
export async function expectAppError(p: Promise<unknown>, code: string): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}
