import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createBroker, type Broker } from '@hourmeter/broker';
import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import { createIngest, type Ingest } from '@hourmeter/ingest';
import { switchableStore, type SwitchableStore } from '@hourmeter/ingest/testing';
import { createHourMeter, modelSettingsSource } from '@hourmeter/metering';
import { createDuckDbTelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir, waitFor } from '@hourmeter/testkit';
import type { FastifyInstance } from 'fastify';
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../app.js';

const logger = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 0, 5, 8);

describe.each(dbTargets())('POST /api/v1/telemetry ($name)', (target) => {
  const fx = useDbTarget(target);
  if (!fx) return;
  const dir = tempDir('hm-http-ingest-');
  let store: SwitchableStore;
  let ingest: Ingest;
  let broker: Broker;
  let app: FastifyInstance;
  let base: string;
  let device: { id: string; secret: string; assetId: string };
  let ingestGen = 0;

  /** Ingest as the server runs it, on a spool that outlives it (restart = a new ingest on the same directory). */
  async function openIngest(config: { maxSpoolBytes?: number; segmentBytes?: number } = {}): Promise<Ingest> {
    return createIngest({
      logger,
      store,
      config: { spoolDir: `${dir.path}/spool-${ingestGen}`, fsyncIntervalMs: 2, flushIntervalMs: 10, batchSize: 200, retryBaseMs: 10, retryMaxMs: 50, ...config },
    });
  }
  /** The server's wiring: one ingest behind both the MQTT broker and the HTTP API. */
  async function startServer(config: Parameters<typeof openIngest>[0] = {}): Promise<void> {
    ingest = await openIngest(config);
    broker = await createBroker({ logger, devices: fx!.repos.devices, ingress: ingest, tcp: { port: 0 } });
    app = await buildApi({
      repos: fx!.repos,
      logger,
      health: {},
      version: 'test',
      telemetry: store,
      hourMeter: createHourMeter({ samples: store, totals: fx!.repos.operatingHours, logger, settings: modelSettingsSource(fx!.repos) }),
      ingestCounters: { forDevice: (id) => ingest.deviceCounters(id) },
      deviceIngress: { accept: (m) => ingest.accept(m) },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/telemetry`;
  }
  async function stopServer(): Promise<void> {
    await app.close();
    await broker.close();
    await ingest.close();
  }

  beforeAll(async () => {
    store = switchableStore(await createDuckDbTelemetryStore({ dataDir: `${dir.path}/store`, threads: 1 }));
    const assetId = await fx.newAsset();
    const created = await fx.repos.devices.create({ assetId });
    device = { id: created.device.id, secret: created.credentials.password, assetId };
    await startServer();
  });
  afterAll(async () => {
    await stopServer();
    await store.close();
    dir.cleanup();
  });

  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  async function post(body: unknown, auth = basic(device.id, device.secret)) {
    const res = await fetch(base, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  }
  async function storedValues(metric: string): Promise<[number, number][]> {
    const [series] = await store.queryRange({ assetId: device.assetId, metrics: [metric], from: T0 - 1, to: T0 + 10_000_000 });
    return (series?.points ?? []).map((p) => [p.ts, p.value]);
  }

  it('stores the valid readings of a batch and reports each rejected one by index', async () => {
    const res = await post([
      { ts: T0, seq: 1, metrics: { http_a: 1.5, running: true } },
      { ts: T0 + 1000, seq: 2, metrics: { 'Bad-Name': 3 } },
      { ts: '2026-01-05T08:00:02Z', seq: 3, metrics: { http_a: 2.5 } },
      { ts: 1_700_000, metrics: { http_a: 9 } },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2, duplicates: 0, rejected: 2 });
    expect(res.body.rejections).toEqual([
      expect.objectContaining({ code: 'INVALID_METRIC', index: 1, seq: 2 }),
      expect.objectContaining({ code: 'STALE_TIMESTAMP', index: 3 }),
    ]);
    await waitFor('both readings stored', async () => (await storedValues('http_a')).length === 2);
    expect(await storedValues('http_a')).toEqual([
      [T0, 1.5],
      [T0 + 2000, 2.5],
    ]);
    expect(ingest.deviceCounters(device.id)).toMatchObject({ accepted: 2, rejected: { INVALID_METRIC: 1, STALE_TIMESTAMP: 1 } });
  });

  it('deduplicates against what the same device sent over MQTT: stored once', async () => {
    const mqtt = await connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, { clientId: device.id, username: device.id, password: device.secret, reconnectPeriod: 0 });
    try {
      await mqtt.publishAsync(`hm/v1/${device.id}/telemetry`, JSON.stringify({ ts: T0 + 5000, seq: 50, metrics: { http_dup: 7 } }), { qos: 1 });
    } finally {
      await mqtt.endAsync();
    }
    const res = await post([
      { ts: T0 + 5000, seq: 50, metrics: { http_dup: 7 } },
      { ts: T0 + 6000, seq: 51, metrics: { http_dup: 8 } },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 1, rejected: 0 });
    // Every reading already taken: still a success, the device must not resend.
    expect((await post({ ts: T0 + 6000, seq: 51, metrics: { http_dup: 8 } })).body).toMatchObject({ accepted: 0, duplicates: 1 });
    await ingest.drained(10_000);
    expect(await storedValues('http_dup')).toEqual([
      [T0 + 5000, 7],
      [T0 + 6000, 8],
    ]);
  });

  it('refuses unknown devices, wrong secrets and API keys alike (401), revoked devices with 403', async () => {
    const cases = [undefined, basic(device.id, 'wrong'), basic('dev_01JNOSUCHDEVICEAAAAAAAAAAAA', device.secret), 'Bearer some-api-key', 'Basic !!!'];
    for (const auth of cases) {
      const res = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: '{}' });
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="hourmeter-devices"/);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(((await res.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
    }
    const other = await fx.repos.devices.create({ assetId: device.assetId });
    await fx.repos.devices.revoke(other.device.id);
    const res = await post({ ts: T0, metrics: { x: 1 } }, basic(other.device.id, other.credentials.password));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
  });

  it('answers whole-payload problems with their ingest code, and a batch of only rejected readings with 422', async () => {
    const malformed = await post('{"ts": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'MALFORMED_JSON', rejections: [expect.objectContaining({ code: 'MALFORMED_JSON' })] });
    expect((await post('[]')).body.code).toBe('INVALID_SHAPE');
    const tooMany = await post(Array.from({ length: 1001 }, (_, i) => ({ ts: T0 + i, metrics: { x: i } })));
    expect([tooMany.status, tooMany.body.code]).toEqual([400, 'TOO_MANY_READINGS']);
    const big = await post([{ ts: T0, metrics: { x: 1 } }, { ts: T0 + 1, metrics: { x: 2 }, pad: 'x'.repeat(300 * 1024) }]);
    expect([big.status, big.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const allBad = await post([{ ts: T0, metrics: {} }, { ts: 'yesterday', metrics: { x: 1 } }]);
    expect(allBad.status).toBe(422);
    expect(allBad.body).toMatchObject({ code: 'READINGS_REJECTED', accepted: 0, rejected: 2 });
    expect((allBad.body.rejections as { code: string }[]).map((r) => r.code)).toEqual(['INVALID_METRIC', 'INVALID_TIMESTAMP']);
  });

  it('keeps what it acknowledged across a restart while the store is down', async () => {
    store.down = true;
    const res = await post(Array.from({ length: 50 }, (_, i) => ({ ts: T0 + 100_000 + i, seq: i, metrics: { http_restart: i } })));
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(50);
    await stopServer(); // the readings are still only in the spool
    expect(await storedValues('http_restart')).toEqual([]);
    store.down = false;
    await startServer(); // same spool directory: replayed into the store
    await waitFor('the spooled readings replayed into the store', async () => (await storedValues('http_restart')).length === 50);
  });

  it('answers 503 and acknowledges nothing when the spool is full', async () => {
    await stopServer();
    ingestGen++;
    store.down = true; // nothing leaves the spool
    await startServer({ maxSpoolBytes: 64 * 1024 });
    let last: Awaited<ReturnType<typeof post>> | undefined;
    for (let round = 0; round < 50 && (last?.status ?? 200) === 200; round++) {
      last = await post(Array.from({ length: 200 }, (_, i) => ({ ts: T0 + 200_000 + round * 1000 + i, seq: i, metrics: { http_full: i, pad_a: 1.25, pad_b: 2.5 } })));
    }
    expect(last!.status).toBe(503);
    expect(last!.body.code).toBe('OVERLOADED');
    expect(last!.headers.get('retry-after')).toBe('1');
    store.down = false;
  });

  it('answers 503, not 200, when the append to the spool fails', async () => {
    await stopServer();
    ingestGen++;
    store.down = true;
    await startServer({ segmentBytes: 32 * 1024 });
    const batch = (round: number) => Array.from({ length: 100 }, (_, i) => ({ ts: T0 + 300_000 + round * 1000 + i, seq: i, metrics: { http_fail: i } }));
    expect((await post(batch(0))).status).toBe(200);
    // From here on, the first commit that needs a new segment file finds its directory gone (a failing disk).
    rmSync(`${dir.path}/spool-${ingestGen}`, { recursive: true, force: true });
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof post>> | undefined;
    for (let round = 1; round < 60 && (last?.status ?? 200) === 200; round++) {
      last = await post(batch(round));
      statuses.push(last.status);
    }
    expect(statuses.at(-1)).toBe(503);
    expect(statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
    expect(last!.body.code).toBe('UNAVAILABLE');
    store.down = false;
  });
});
