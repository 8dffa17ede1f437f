import { randomBytes } from 'node:crypto';
import { findOnPath, freePort, startInfluxd, suiteTitle, type RunningServer } from '@hourmeter/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { telemetryStoreContract } from '../contract.js';
import type { StoredReading } from '../port.js';
import { influxQuery } from './influxql.js';
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

  it('rejects a write to an unknown database without retrying at once, but as retryable: the points are fine, the server needs the database', async () => {
    const store = createInfluxTelemetryStore({ url: influxUrl, version: 1, database: 'hm_missing_db' });
    const err = await store.writeBatch([{ assetId: 'a', deviceId: 'd', ts: 1, metrics: { x: 1 } }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfluxWriteError);
    expect((err as InfluxWriteError).retryable).toBe(true);
    expect((err as Error).message).toMatch(/after 1 attempt\(s\).*database not found/);
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

const influxd = findOnPath('influxd');

describe.skipIf(!influxd)(suiteTitle('InfluxDB 1.x with a row limit (own influxd)', !influxd, 'install Debian package `influxdb`'), () => {
  const ROW_LIMIT = 5;
  let server: RunningServer | undefined;
  let url = '';
  const database = 'hm_limited';
  const T = Date.UTC(2025, 0, 1);
  const readings: StoredReading[] = Array.from({ length: 40 }, (_, i) => ({
    assetId: 'ast_1', deviceId: `dev_${i % 2}`, ts: T + i * 1000, seq: i, metrics: { temp: i, rpm: 1000 + i },
  }));

  beforeAll(async () => {
    // influxd reads INFLUXDB_<SECTION>_<KEY> overrides from its environment,
    // which it inherits when spawned.
    process.env.INFLUXDB_HTTP_MAX_ROW_LIMIT = String(ROW_LIMIT);
    try {
      server = await startInfluxd(influxd!);
    } finally {
      delete process.env.INFLUXDB_HTTP_MAX_ROW_LIMIT;
    }
    url = server.url;
    const res = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE ${database}` }) });
    expect(res.status).toBe(200);
    await createInfluxTelemetryStore({ url, version: 1, database }).writeBatch(readings);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('returns every point of a range larger than the row limit', async () => {
    const store = createInfluxTelemetryStore({ url, version: 1, database });
    // The premise: a plain (non-chunked) query is cut at the limit and only flagged.
    const plain = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q: 'SELECT temp FROM telemetry', db: database }) });
    const [cut] = ((await plain.json()) as { results: { series: { values: unknown[]; partial?: boolean }[] }[] }).results[0]!.series;
    expect([cut!.values.length, cut!.partial]).toEqual([ROW_LIMIT, true]);

    const [temp, rpm] = await store.queryRange({ assetId: 'ast_1', metrics: ['temp', 'rpm'], from: T, to: T + 60_000 });
    expect(temp!.points).toEqual(readings.map((r) => ({ ts: r.ts, value: r.metrics.temp })));
    expect(rpm!.points).toHaveLength(readings.length);
    const [buckets] = await store.queryRange({ assetId: 'ast_1', metrics: ['temp'], from: T, to: T + 60_000, stepMs: 2000, agg: 'max' });
    expect(buckets!.points).toHaveLength(readings.length / 2);
    expect(await store.latest('ast_1')).toEqual([
      { metric: 'rpm', ts: T + 39_000, value: 1039 },
      { metric: 'temp', ts: T + 39_000, value: 39 },
    ]);
  });

  it('merges results streamed in many chunks back into whole series, per statement', async () => {
    const ep = { url, database, headers: {}, timeoutMs: 10_000, chunkSize: 3 };
    const [byDevice, count] = await influxQuery(ep, 'SELECT temp FROM telemetry GROUP BY device_id; SELECT count(temp) FROM telemetry');
    expect(byDevice!.series!.map((s) => s.tags)).toEqual([{ device_id: 'dev_0' }, { device_id: 'dev_1' }]);
    expect(byDevice!.series!.map((s) => s.values!.map((row) => row[1]))).toEqual([
      readings.filter((_, i) => i % 2 === 0).map((r) => r.metrics.temp),
      readings.filter((_, i) => i % 2 === 1).map((r) => r.metrics.temp),
    ]);
    expect(count!.series![0]!.values).toEqual([[0, readings.length]]);
  });
});
