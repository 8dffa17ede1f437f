import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CMAPSS_DATA_DIR } from '@hourmeter/sim-cmapss';
import { UsageError, parseCli } from './cli-args.js';

const env = { HM_API_KEY: 'k'.repeat(32) };

describe('command line', () => {
  it('reads the documented example', () => {
    const c = parseCli(['--assets', '1000', '--models', 'pump,compressor', '--rate', '1', '--speed', '60', '--seed', '7'], env);
    expect(c).toMatchObject({ mode: 'fleet', assets: 1000, models: ['pump', 'compressor'], rate: 1, speed: 60, seed: 7, provision: true, apiKey: env.HM_API_KEY });
    expect(c.faults).toMatchObject({ drop: 0, duplicate: 0, wrongSecret: 0 });
  });

  it('reads a replay and fault flags', () => {
    const c = parseCli(['--cmapss', 'fd001', '--units', '1-20', '--hours-per-cycle', '2', '--no-provision', '--fault-duplicate', '0.1', '--fault-skew-ms=-60000'], {});
    expect(c.mode).toBe('cmapss');
    expect(c.cmapss).toMatchObject({ set: 'FD001', split: 'train', hoursPerCycle: 2, dataDir: CMAPSS_DATA_DIR });
    expect(c.cmapss!.units).toHaveLength(20);
    expect(c.faults).toMatchObject({ duplicate: 0.1, skewMs: -60_000 });
  });

  it.each([
    [['--assets', '0'], /--assets must be >= 1/],
    [['--assets', '2.5'], /integer/],
    [['--rate', 'fast'], /--rate must be a number/],
    [['--rate', '0'], /--rate must be > 0/],
    [['--models', 'pump,toaster'], /unknown model "toaster"/],
    [['--fault-drop', '2'], /--fault-drop must be <= 1/],
    [['--cmapss', 'FD009'], /FD001..FD004/],
    [['--units', '1-3'], /only applies with --cmapss/],
    [['--cmapss', 'FD001', '--units', '5-1'], /--units/],
    [['--mqtt', 'http://x'], /--mqtt must use/],
    [['--start', 'yesterday'], /--start/],
    [['--bogus'], /Unknown option/],
    [['--devices-file', 'x.json', '--no-provision'], /exclude each other/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCli(argv, env)).toThrow(UsageError);
    expect(() => parseCli(argv, env)).toThrow(message);
  });

  it('needs an API key to provision, not with --no-provision or a devices file', () => {
    expect(() => parseCli([], {})).toThrow(/HM_API_KEY/);
    expect(parseCli(['--no-provision'], {}).provision).toBe(false);
    expect(parseCli(['--devices-file', 'data/demo-devices.json'], {}).provision).toBe(false);
    expect(parseCli(['--api-key', 'abc'], {}).apiKey).toBe('abc');
  });

  it('exits 2 with a clear message on a bad flag', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'cli.ts'), '--rate', 'fast', '--no-provision'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/error: --rate must be a number, got "fast"/);
  });
});
