import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Broker, createBroker, inMemoryDevices } from '@hourmeter/broker';
import { openDb, type Db } from '@hourmeter/db';
import { createEventBus, deviceConnectionEvents } from '@hourmeter/events';
import { createIngest, type Ingest } from '@hourmeter/ingest';
import { createMetrics, type Metrics } from '@hourmeter/metrics';
import { hashSecret, newSecret } from '@hourmeter/runtime';
import { createDuckDbTelemetryStore, type TelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir, waitFor } from '@hourmeter/testkit';
import Fastify, { type FastifyInstance } from 'fastify';
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbCountSources, metricsRoute } from './metrics.js';

const logger = pino({ level: 'silent' });
let dir: ReturnType<typeof tempDir>;
let store: TelemetryStore;
let ingest: Ingest;
let broker: Broker;
let db: Db;
let metrics: Metrics;
let app: FastifyInstance;
let base: string;
const secret = newSecret();
const device = { id: 'dev_01JTESTDEVICE0000000000000', assetId: 'ast_01JTESTASSET00000000000000', secretHash: hashSecret(secret), status: 'active' as const };

beforeAll(async () => {
  dir = tempDir();
  store = await createDuckDbTelemetryStore({ dataDir: dir.path, threads: 1 });
  db = await openDb({ dataDir: dir.path, logger });
  const bus = createEventBus({ logger });
  const late: { metrics?: Metrics } = {};
  ingest = await createIngest({
    logger,
    store,
    config: { spoolDir: join(dir.path, 'spool'), fsyncIntervalMs: 2, flushIntervalMs: 20 },
    onWrite: (ms, n) => late.metrics?.observeStoreWrite(ms, n),
  });
  broker = await createBroker({ logger, devices: inMemoryDevices([device]), ingress: ingest, tcp: { port: 0 } });
  broker.connections.onChange(deviceConnectionEvents(bus));
  metrics = late.metrics = createMetrics({
    ingest: () => ingest.health(),
    broker: () => broker.stats(),
    events: bus,
    ...dbCountSources(db),
  });
  app = Fastify();
  app.addHook('onResponse', metrics.onResponse);
  metricsRoute(app, metrics);
  app.get('/hello/:name', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await broker?.close();
  await ingest?.close();
  await store?.close();
  await db?.close();
  dir?.cleanup();
});

async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

describe('GET /metrics with a real broker and ingest', () => {
  it('moves with real MQTT readings, rejections, auth failures and connections', async () => {
    let m = await scrape();
    expect(m.get('hourmeter_ingest_readings_accepted_total')).toBe(0);
    expect(m.get('hourmeter_broker_online_devices')).toBe(0);
    expect(m.get('hourmeter_alerts{severity="high",state="open"}')).toBe(0);
    expect(m.get('hourmeter_work_orders{state="open"}')).toBe(0);

    await expect(connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, { clientId: device.id, username: device.id, password: 'wrong', reconnectPeriod: 0 })).rejects.toThrow();
    const client = await connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, { clientId: device.id, username: device.id, password: secret, reconnectPeriod: 0 });
    try {
      const now = Date.now();
      const readings = Array.from({ length: 10 }, (_, i) => ({ ts: now - 10_000 + i * 1000, seq: i, metrics: { vibration_rms: 2 + i / 10, running: true } }));
      await client.publishAsync(`hm/v1/${device.id}/telemetry`, JSON.stringify(readings), { qos: 1 });
      await client.publishAsync(`hm/v1/${device.id}/telemetry`, JSON.stringify(readings.slice(0, 3)), { qos: 1 });
      await client.publishAsync(`hm/v1/${device.id}/telemetry`, JSON.stringify({ ts: now, metrics: { 'Bad Name': 1 } }), { qos: 1 });
      await ingest.drained(10_000);
      await waitFor('store write observed', () => ingest.health().store.readingsWritten >= 10);

      m = await scrape();
      expect(m.get('hourmeter_ingest_readings_accepted_total')).toBe(10);
      expect(m.get('hourmeter_ingest_readings_duplicate_total')).toBe(3);
      expect(m.get('hourmeter_ingest_rejected_total{reason="INVALID_METRIC"}')).toBe(1);
      expect(m.get('hourmeter_ingest_store_readings_written_total')).toBe(10);
      expect(m.get('hourmeter_ingest_store_write_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(m.get('hourmeter_ingest_spool_pending_readings')).toBe(0);
      expect(m.get('hourmeter_broker_online_devices')).toBe(1);
      expect(m.get('hourmeter_broker_auth_failures_total{reason="bad_secret"}')).toBe(1);
      expect(m.get('hourmeter_events_total{type="device.connected"}')).toBe(1);
    } finally {
      await client.endAsync();
    }
    await waitFor('device offline', () => broker.connections.onlineCount() === 0);
    m = await scrape();
    expect(m.get('hourmeter_broker_online_devices')).toBe(0);
    expect(m.get('hourmeter_events_total{type="device.disconnected"}')).toBe(1);
  });

  it('records HTTP latency by route pattern', async () => {
    await fetch(`${base}/hello/alice`);
    await fetch(`${base}/hello/bob`);
    await fetch(`${base}/nope/${Math.random()}`);
    const m = await scrape();
    expect(m.get('hourmeter_http_request_duration_seconds_count{method="GET",route="/hello/:name",status_code="200"}')).toBe(2);
    expect(m.get('hourmeter_http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}')).toBe(1);
  });

  it('asks for the scrape token when one is configured', async () => {
    const guarded = Fastify();
    metricsRoute(guarded, metrics, { token: 'scrape-token-0123456789' });
    const none = await guarded.inject({ url: '/metrics' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect((await guarded.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    const ok = await guarded.inject({ url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('hourmeter_ingest_readings_accepted_total');
    await guarded.close();
  });
});
