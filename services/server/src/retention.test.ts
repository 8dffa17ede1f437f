import { createLogger, loadConfig } from '@hourmeter/runtime';
import { createDuckDbTelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir } from '@hourmeter/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startRetentionJob } from './retention.js';

const DAY = 86_400_000;

/** A logger whose JSON lines land in `lines`. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger, lines };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('telemetry retention job', () => {
  it('deletes exactly the readings older than now minus the retention days on the embedded store, at start-up', async () => {
    const dir = tempDir('hm-retention-');
    const store = await createDuckDbTelemetryStore({ dataDir: dir.path });
    try {
      const now = Date.UTC(2026, 5, 1, 12, 0, 0, 123);
      const cutoff = now - 30 * DAY;
      const at = (assetId: string, ts: number) => ({ assetId, deviceId: `dev_${assetId}`, ts, metrics: { temp: ts - cutoff } });
      await store.writeBatch([
        at('ast_a', cutoff - DAY), at('ast_a', cutoff - 1), at('ast_a', cutoff), at('ast_a', cutoff + 1), at('ast_a', now),
        at('ast_b', cutoff - 1), at('ast_b', cutoff),
      ]);
      const { logger, lines } = capturingLogger();
      const job = startRetentionJob({ store, retentionDays: 30, logger, now: () => now });
      await job.stop(); // waits for the run at start-up

      const points = async (assetId: string) =>
        (await store.queryRange({ assetId, metrics: ['temp'], from: 0, to: now + 1 }))[0]!.points.map((p) => p.ts);
      expect(await points('ast_a')).toEqual([cutoff, cutoff + 1, now]);
      expect(await points('ast_b')).toEqual([cutoff]);
      const done = lines.filter((l) => l.msg === 'telemetry older than the retention cutoff deleted');
      expect(done).toHaveLength(1);
      expect(done[0]).toMatchObject({ level: 30, svc: 'telemetry-retention', cutoff: new Date(cutoff).toISOString(), retentionDays: 30 });
      expect(done[0]!.durationMs).toEqual(expect.any(Number));
    } finally {
      await store.close();
      dir.cleanup();
    }
  });

  it('runs again every interval with a cutoff that follows the clock, and survives a failed run', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let clock = Date.UTC(2026, 0, 10);
    const cutoffs: number[] = [];
    const store = {
      deleteBefore: async (before: number) => {
        cutoffs.push(before);
        if (cutoffs.length === 2) throw new Error('InfluxDB delete failed (503)');
      },
    };
    const { logger, lines } = capturingLogger();
    const job = startRetentionJob({ store, retentionDays: 2, logger, now: () => clock });
    for (let day = 0; day < 2; day++) {
      clock += DAY;
      await vi.advanceTimersByTimeAsync(DAY);
    }
    await job.stop();
    const start = Date.UTC(2026, 0, 10);
    expect(cutoffs).toEqual([start - 2 * DAY, start - DAY, start]);
    const failed = lines.filter((l) => l.msg === 'telemetry retention run failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 50, cutoff: new Date(start - DAY).toISOString(), err: { message: 'InfluxDB delete failed (503)' } });
    // Stopped: no further runs.
    await vi.advanceTimersByTimeAsync(3 * DAY);
    expect(cutoffs).toHaveLength(3);
  });
});

describe('HM_TELEMETRY_RETENTION_DAYS and INFLUX_RETENTION_POLICY', () => {
  const influx1 = { HM_TELEMETRY_STORE: 'influxdb', INFLUX_URL: 'http://influx:8086', INFLUX_VERSION: '1' };
  const problem = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('configuration was accepted');
  };

  it('keeps telemetry forever unless a positive whole number of days is set', () => {
    expect(loadConfig({}).HM_TELEMETRY_RETENTION_DAYS).toBeUndefined();
    expect(loadConfig({ HM_TELEMETRY_RETENTION_DAYS: '' }).HM_TELEMETRY_RETENTION_DAYS).toBeUndefined();
    expect(loadConfig({ HM_TELEMETRY_RETENTION_DAYS: '365' }).HM_TELEMETRY_RETENTION_DAYS).toBe(365);
    for (const bad of ['0', '-3', '1.5', 'forever']) {
      expect(problem({ HM_TELEMETRY_RETENTION_DAYS: bad })).toMatch(/HM_TELEMETRY_RETENTION_DAYS/);
    }
  });

  it('takes a retention policy for InfluxDB 1.x only', () => {
    expect(loadConfig({ ...influx1, INFLUX_RETENTION_POLICY: 'one_year' }).INFLUX_RETENTION_POLICY).toBe('one_year');
    expect(problem({ ...influx1, INFLUX_VERSION: '2', INFLUX_TOKEN: 't', INFLUX_ORG: 'o', INFLUX_RETENTION_POLICY: 'one_year' })).toMatch(
      /INFLUX_RETENTION_POLICY: InfluxDB 1\.x only/,
    );
  });
});
