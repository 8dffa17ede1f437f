import { randomBytes } from 'node:crypto';
import { freePort, suiteTitle } from '@hourmeter/testkit';
import { describe, expect, inject, it } from 'vitest';
import { telemetryStoreContract } from '../contract.js';
import { createInfluxTelemetryStore } from './store.js';
import { InfluxWriteError } from './write-error.js';

const influxUrl = inject('influxUrl');

async function influxQl(q: string): Promise<void> {
  const res = await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q }) });
  const body = (await res.json()) as { results?: { error?: string }[]; error?: string };
  const error = body.error ?? body.results?.find((r) => r.error)?.error;
  if (!res.ok || error) throw new Error(`${q}: ${res.status} ${error ?? ''}`);
}

describe.skipIf(!influxUrl)(suiteTitle('InfluxDB 1.x (influxd from the test run)', !influxUrl, 'install Debian package `influxdb`'), () => {
  // A database per store, so tests never see each other's points.
  telemetryStoreContract('InfluxDB 1.x', async () => {
    const database = `hm_${randomBytes(6).toString('hex')}`;
    await influxQl(`CREATE DATABASE ${database}`);
    const store = createInfluxTelemetryStore({ url: influxUrl, version: 1, database, batchSize: 100 });
    return {
      store,
      async cleanup() {
        await store.close();
        await influxQl(`DROP DATABASE ${database}`);
      },
    };
  });

  it('writes to a named retention policy', async () => {
    const database = `hm_${randomBytes(6).toString('hex')}`;
    await influxQl(`CREATE DATABASE ${database}`);
    await influxQl(`CREATE RETENTION POLICY "short" ON ${database} DURATION 1h REPLICATION 1`);
    try {
      const store = createInfluxTelemetryStore({ url: influxUrl, version: 1, database, retentionPolicy: 'short' });
      const ts = Date.now() - 1000;
      await store.writeBatch([{ assetId: 'ast_1', deviceId: 'dev_1', ts, seq: 1, metrics: { temp: 1.25 } }]);
      const [temp] = await store.queryRange({ assetId: 'ast_1', metrics: ['temp'], from: ts, to: ts + 1 });
      expect(temp!.points).toEqual([{ ts, value: 1.25 }]);
      // The default policy (autogen) holds nothing: the point went to "short".
      const other = createInfluxTelemetryStore({ url: influxUrl, version: 1, database });
      const [none] = await other.queryRange({ assetId: 'ast_1', metrics: ['temp'], from: ts, to: ts + 1 });
      expect(none!.points).toEqual([]);
    } finally {
      await influxQl(`DROP DATABASE ${database}`);
    }
  });

  it('rejects a write it could not deliver to an unknown database, without retrying', async () => {
    const store = createInfluxTelemetryStore({ url: influxUrl, version: 1, database: 'hm_missing_db' });
    const err = await store.writeBatch([{ assetId: 'a', deviceId: 'd', ts: 1, metrics: { x: 1 } }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfluxWriteError);
    expect((err as InfluxWriteError).retryable).toBe(false);
    expect((err as Error).message).toMatch(/database not found/);
  });
});

describe('InfluxDB adapter without a server', () => {
  it('rejects writeBatch with a clear, retryable error after its retries', async () => {
    const url = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const store = createInfluxTelemetryStore({ url, version: 1, database: 'x', maxRetries: 2, minRetryDelayMs: 10 });
    const started = Date.now();
    const err = await store.writeBatch([{ assetId: 'a', deviceId: 'd', ts: 1, metrics: { x: 1 } }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfluxWriteError);
    expect((err as InfluxWriteError).code).toBe('TELEMETRY_STORE_UNAVAILABLE');
    expect((err as Error).message).toContain(url);
    expect((err as Error).message).toMatch(/3 attempt/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await store.ping()).toBe(false);
  });
});
