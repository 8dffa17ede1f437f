import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apiTargetFromEnv, conditionSummaryLine, runConditionTraining } from './train-condition.js';

const cli = fileURLToPath(new URL('./train.ts', import.meta.url));

function run(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { env: { ...process.env, HM_API_KEY: 'k', HM_ADMIN_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A port nothing listens on: bound, then closed again. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

// The server-side path (a real server training a real fleet) is test/e2e/fleet-learning.test.ts.
describe('npm run train -- --kind condition', () => {
  it('finds the server and key where the other API CLIs do, and says what is missing', () => {
    expect(apiTargetFromEnv({ HM_API_KEY: 'a' })).toEqual({ url: 'http://127.0.0.1:8080', key: 'a' });
    expect(apiTargetFromEnv({ HM_ADMIN_KEY: 'b', HM_HTTP_PORT: '9000' })).toEqual({ url: 'http://127.0.0.1:9000', key: 'b' });
    expect(apiTargetFromEnv({ HM_API_KEY: 'a', HM_API_URL: 'https://hm.example.com/' })).toEqual({ url: 'https://hm.example.com', key: 'a' });
    expect(apiTargetFromEnv({ HM_API_URL: 'http://x' })).toEqual({ error: expect.stringContaining('set HM_API_KEY') });
  });

  it('summarises the version, its backtest and the verdict in one line', () => {
    const line = conditionSummaryLine('PUMP', 'bearing_wear', {
      model: {
        version: 3,
        status: 'active',
        kind: 'condition',
        failures: 9,
        censored: 32,
        fit: { condition: { hoursPerCycle: 6, sensors: ['vib', 'temp'] } },
        backtest: { rulRmseHours: 57.18, phmScore: 1.2123, bandCoverage: 0.5, comparedWith: { rulRmseHours: 310.63 } },
      },
      reason: 'beats v2 on the backtest',
    });
    expect(line).toBe(
      'reliability PUMP/bearing_wear condition-v3 (active): failures=9 censored=32 hours_per_cycle=6.00 sensors=vib,temp ' +
        'backtest_rul_rmse_h=57.2 compared_rul_rmse_h=310.6 phm_score=1.212 band_coverage=50.0% reason="beats v2 on the backtest"',
    );
    const bare = conditionSummaryLine('PUMP', 'seal_leak', { model: { version: 1, status: 'inactive', kind: 'condition', failures: 5, censored: 0, fit: {}, backtest: null }, reason: 'no backtest figures' });
    expect(bare).toBe('reliability PUMP/seal_leak condition-v1 (inactive): failures=5 censored=0 hours_per_cycle=- sensors=- backtest_rul_rmse_h=- compared_rul_rmse_h=- phm_score=- band_coverage=- reason="no backtest figures"');
  });

  it('exits 1 naming the server when it cannot be reached, printing no summary', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    let out = '';
    let err = '';
    const io = { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) } };
    const code = await runConditionTraining({ assetModel: 'PUMP', failureMode: 'bearing_wear', activate: false }, { url, key: 'k' }, io);
    expect(code).toBe(1);
    expect(err).toContain(`error: cannot reach ${url}`);
    expect(out).toBe('');
  });

  it('rejects arguments that do not make a condition training with exit 2', async () => {
    const [noMode, all, metricsForWeibull, badKind] = await Promise.all([
      run('--asset-model', 'PUMP', '--kind', 'condition'),
      run('--asset-model', 'PUMP', '--failure-mode', 'all', '--kind', 'condition'),
      run('--asset-model', 'PUMP', '--failure-mode', 'bearing_wear', '--metrics', 'vib'),
      run('--asset-model', 'PUMP', '--failure-mode', 'bearing_wear', '--kind', 'neural'),
    ]);
    for (const r of [noMode, all, metricsForWeibull, badKind]) expect(r.status).toBe(2);
    expect(noMode.stderr).toContain('error: --kind condition needs --failure-mode');
    expect(all.stderr).toContain('error: --kind condition trains one failure mode: name it');
    expect(metricsForWeibull.stderr).toContain('error: --metrics and --settings are for --kind condition');
    expect(badKind.stderr).toContain('error: --kind must be weibull or condition, got "neural"');
  }, 120_000);
});
