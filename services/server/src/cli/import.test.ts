import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, repositories } from '@hourmeter/db';
import { loadConfig } from '@hourmeter/runtime';
import { tempDir } from '@hourmeter/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTelemetryStore } from '../telemetry-store.js';

const ROOT = new URL('../../../../', import.meta.url).pathname;
const logger = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 2, 1);

/** `npm run import` as a person runs it: a real process on the SQLite and DuckDB files of a data dir. */
describe('npm run import (a real process on SQLite and DuckDB files)', () => {
  const dir = tempDir();
  let assetId = '';
  let deviceId = '';
  const env: NodeJS.ProcessEnv = { ...process.env, HM_DATA_DIR: dir.path, HM_LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  delete env.HM_TELEMETRY_STORE;

  const run = (...args: string[]) => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'services/server/src/cli/import.ts', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
    return { code: res.status, out: res.stdout, err: res.stderr };
  };
  const file = (name: string, text: string) => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  };
  const withDb = async <T>(fn: (repos: ReturnType<typeof repositories>) => Promise<T>): Promise<T> => {
    const db = await openDb({ dataDir: dir.path, logger });
    try {
      return await fn(repositories(db));
    } finally {
      await db.close();
    }
  };
  const stored = async () => {
    const { store } = await openTelemetryStore(loadConfig({ HM_DATA_DIR: dir.path }), logger);
    try {
      const [series] = await store.queryRange({ assetId, metrics: ['v'], from: T0 - 86_400_000, to: T0 + 30 * 86_400_000 });
      return series?.points.length ?? 0;
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    await withDb(async (r) => {
      const customer = await r.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
      const site = await r.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
      const model = await r.assetModels.create({ code: 'IMP-PUMP', name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
      assetId = (await r.assets.create({ serialNumber: 'IMP-1', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' })).id;
      deviceId = (await r.devices.create({ assetId, name: 'gw' })).device.id;
    });
  }, 60_000);
  afterAll(() => dir.cleanup());

  it('refuses bad arguments and unreadable files with exit code 2', () => {
    const usage = run('spreadsheet', 'x.csv');
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('usage: npm run import -- maintenance <file.csv>');
    const missing = run('maintenance', join(dir.path, 'nope.csv'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read .*nope\.csv/);
  }, 60_000);

  it('maintenance: a bad file names its rows, exits 2 and imports nothing; a good one imports and reports', async () => {
    const bad = run('maintenance', file('bad.csv', ['asset_serial,date,kind,failure_mode', 'IMP-1,2026-02-01,corrective,seal_leak', 'NO-SUCH,2026-02-02,corrective,seal_leak'].join('\n')));
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('import refused: maintenance history refused, nothing imported');
    expect(bad.err).toContain('row 3 (asset_serial): no asset with serial number NO-SUCH');
    const unparsable = run('maintenance', file('bad-date.csv', ['asset_serial,date,kind', 'IMP-1,2026-02-01,corrective', 'IMP-1,not-a-date,corrective'].join('\n')));
    expect(unparsable.code).toBe(2);
    expect(unparsable.err).toMatch(/row 3 \(date\): date "not-a-date"/);
    expect(await withDb(async (r) => (await r.workOrders.list({ filters: { assetId }, limit: 50 })).items)).toHaveLength(0);

    const text = ['asset_serial,date,kind,failure_mode', 'IMP-1,2026-02-01,corrective,seal_leak', 'IMP-1,2026-02-20,corrective,seal_leak', 'IMP-1,2026-03-01,preventive,seal_leak'].join('\n');
    const good = run('maintenance', file('good.csv', text));
    expect(good.err).toBe('');
    expect(good.code).toBe(0);
    expect(good.out).toContain('maintenance history: 3 rows, 3 imported, 0 already imported before');
    const orders = await withDb(async (r) => (await r.workOrders.list({ filters: { assetId }, limit: 50 })).items);
    expect(orders.map((o) => [o.kind, o.state]).sort()).toEqual([['corrective', 'completed'], ['corrective', 'completed'], ['preventive', 'completed']]);
    // Again: nothing new, the rows reported as already there.
    expect(run('maintenance', file('good.csv', text)).out).toContain('3 rows, 0 imported, 3 already imported before (rows 2, 3, 4)');
  }, 120_000);

  it('telemetry: a bad file exits 2 with nothing stored; a long good one shows progress and is stored through ingest', async () => {
    const bad = run('telemetry', file('bad.csv', [`ts,device_id,v`, `${T0},${deviceId},1`, `${T0 + 60_000},dev_unknown,2`].join('\n')));
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('telemetry file refused, nothing imported');
    expect(bad.err).toContain('row 3: unknown device dev_unknown');
    expect(await stored()).toBe(0);

    const lines = [`ts,device_id,v`];
    for (let i = 0; i < 3000; i++) lines.push(`${T0 + i * 60_000},${deviceId},${i}`);
    const good = run('telemetry', file('good.csv', lines.join('\n')));
    expect(good.code).toBe(0);
    expect(good.err).toContain('telemetry sent to ingest: 3000/3000 (100%)');
    expect(good.out).toContain('telemetry: 3000 readings, 3000 stored, 0 already stored before');
    expect(await stored()).toBe(3000);

    // Line protocol (ms precision) through the same path; a re-sent reading is a duplicate.
    const lp = run('telemetry', file('more.lp', [`pump,device_id=${deviceId} v=5 ${T0 + 3000 * 60_000}`, `pump,device_id=${deviceId} v=0 ${T0}`].join('\n')), '--precision', 'ms');
    expect(lp.code).toBe(0);
    expect(lp.out).toContain('telemetry: 2 readings, 1 stored, 1 already stored before');
    expect(await stored()).toBe(3001);
  }, 180_000);
});
