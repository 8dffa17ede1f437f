import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('./eval-cmapss.ts', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { encoding: 'utf8', timeout: 20_000 });

describe('eval-cmapss arguments', () => {
  it('exits 2 with a clear message for an unknown subset', () => {
    const r = run('--set', 'FD009');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--set must be one of FD001, FD002, FD003, FD004, got "FD009"');
  });
  it('exits 2 when --set is missing, an option is unknown or the data is not there', () => {
    expect(run().status).toBe(2);
    const unknown = run('--set', 'FD001', '--bogus');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/bogus/);
    const missing = run('--set', 'FD001', '--data', '/nonexistent');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('missing data file /nonexistent/train_FD001.txt');
  });
});
