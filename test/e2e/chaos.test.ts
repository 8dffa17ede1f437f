import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseChaosArgs } from '../../services/server/src/chaos/options.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const LINE = /^chaos: (\d+) faults, (\d+) readings acknowledged, (\d+) lost, (\d+) duplicated, (\d+) invoice errors, ready (\d+\.\d)% of the time$/m;

/** `npm run chaos -- <args>` as a child process: its exit code and output. */
function chaos(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/server/src/cli/chaos.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('npm run chaos', () => {
  it('parses its arguments: every fault of the mode by default, a subset, and clear refusals', () => {
    expect(parseChaosArgs([]).faults).not.toContain('redis-stopped');
    expect(parseChaosArgs(['--cluster']).faults).toContain('redis-stopped');
    expect(parseChaosArgs(['--faults', 'kill-9,spool-disk-full', '--fault-seconds', '3'])).toEqual({ cluster: false, faults: ['spool-disk-full', 'kill-9'], faultSeconds: 3 });
    expect(() => parseChaosArgs(['--faults', 'meteor'])).toThrow(/faults: malformed-flood/);
    expect(() => parseChaosArgs(['--faults', 'redis-stopped'])).toThrow(/needs --cluster/);
    expect(() => parseChaosArgs(['--fault-seconds', '0'])).toThrow(/fault-seconds/);
  });

  it('refuses bad arguments with exit code 2', async () => {
    const { code, out } = await chaos(['--faults', 'meteor']);
    expect(code).toBe(2);
    expect(out).toMatch(/^chaos: --faults/m);
  });

  // The spool's disk full needs root (a tmpfs), the server clock jump Debian's libfaketime: each joins when it can run here.
  const faults = [
    'telemetry-store-stopped',
    'database-stopped',
    ...(userInfo().uid === 0 ? ['spool-disk-full'] : []),
    ...(existsSync('/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1') ? ['server-clock-jump'] : []),
  ];
  it(`injects ${faults.join(', ')} into the embedded process, each with its effect checked, and loses nothing`, { timeout: 120_000 }, async () => {
    const { code, out } = await chaos(['--faults', faults.join(','), '--fault-seconds', '3']);
    expect(out, out).toMatch(LINE);
    const [, n, acknowledged, lost, duplicated, invoiceErrors] = LINE.exec(out)!.map(Number);
    expect({ n, lost, duplicated, invoiceErrors }).toEqual({ n: faults.length, lost: 0, duplicated: 0, invoiceErrors: 0 });
    expect(acknowledged).toBeGreaterThan(100);
    expect(out).toMatch(/the telemetry store is stopped: readiness down after/);
    expect(out).toMatch(/SQLite locked: [1-9]\d* writes refused with SQLITE_BUSY/);
    expect(out).not.toMatch(/FAILED/);
    expect(code, out).toBe(0);
  });
});
