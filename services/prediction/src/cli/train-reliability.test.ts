import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openDb, repositories } from '@hourmeter/db';
import { tempDir } from '@hourmeter/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordFailure } from '../reliability/testing.js';
import { parseSplitAt } from './train-reliability.js';

const cli = fileURLToPath(new URL('./train.ts', import.meta.url));
const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

function run(dataDir: string, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { env: { ...process.env, HM_DATA_DIR: dataDir, DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('npm run train -- --failure-mode (population reliability)', () => {
  const dir = tempDir();
  beforeAll(async () => {
    const db = await openDb({ dataDir: dir.path, logger: pino({ level: 'silent' }) });
    const repos = repositories(db);
    const customer = await repos.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
    const model = await repos.assetModels.create({ code: 'GBX', name: 'Gearbox', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await repos.assets.create({ serialNumber: `G-${i}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' })).id);
    for (const [i, d] of [[0, 40], [1, 75], [2, 110], [3, 150], [0, 190]] as const) await recordFailure(repos, ids[i]!, 'gear_wear', T0 + d * DAY);
    await db.close();
  });
  afterAll(() => dir.cleanup());

  it('fits and registers a version, with progress on stderr and the summary last on stdout', async () => {
    const r = await run(dir.path, '--asset-model', 'GBX', '--failure-mode', 'gear_wear');
    expect(r.stderr).toContain('reliability GBX/gear_wear [1/1]: loading records');
    expect(r.stderr).toContain('reliability GBX/gear_wear [1/1]: backtesting');
    const last = r.stdout.trim().split('\n').at(-1)!;
    // Six assets on the calendar axis (no hour-meter data): 5 failures, 6 running lives censored now.
    expect(last).toMatch(/^reliability GBX\/gear_wear v1 \(active\): failures=5 censored=6 shape=\d+\.\d{3} scale_h=\d+\.\d b10_h=\d+\.\d mttf_h=\d+\.\d backtest_rul_rmse_h=\S+ backtest_loglik=\S+ reason="first version of this failure mode"$/);
    expect(r.status).toBe(0);
  }, 60_000);

  it('says there is nothing to fit for a mode without failures, and rejects bad arguments with exit 2', async () => {
    const [none, bad, badSplit, unknown] = await Promise.all([
      run(dir.path, '--asset-model', 'GBX', '--failure-mode', 'seal_leak'),
      run(dir.path, '--asset-model', 'GBX', '--failure-mode', 'gear_wear', '--cmapss', 'FD001'),
      run(dir.path, '--asset-model', 'GBX', '--failure-mode', 'gear_wear', '--split-at', '2026-03-01'),
      run(dir.path, '--asset-model', 'NOPE', '--failure-mode', 'gear_wear'),
    ]);
    expect(none.status).toBe(1);
    expect(none.stdout).toContain('reliability GBX/seal_leak: no_failures (no seal_leak failure recorded for GBX yet');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--failure-mode and --cmapss train different models');
    expect(badSplit.status).toBe(2);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('asset model NOPE not found');
  }, 120_000);

  it('reads --split-at as epoch ms or a zoned ISO date-time only', () => {
    expect(parseSplitAt('1767225600000')).toBe(1767225600000);
    expect(parseSplitAt('2026-03-01T00:00:00Z')).toBe(Date.parse('2026-03-01T00:00:00Z'));
    expect(parseSplitAt('2026-03-01T00:00:00+02:00')).toBe(Date.parse('2026-02-28T22:00:00Z'));
    expect(parseSplitAt('2026-03-01')).toBeUndefined();
  });
});
