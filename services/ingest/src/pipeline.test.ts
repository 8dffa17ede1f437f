import { type Broker, createBroker, inMemoryDevices } from '@hourmeter/broker';
import { createLogger, hashSecret, newSecret } from '@hourmeter/runtime';
import { createDuckDbTelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir, waitFor } from '@hourmeter/testkit';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngest, type Ingest, type IngestConfig } from './index.js';
import { switchableStore, type SwitchableStore } from './testing/switchable-store.js';

const logger = createLogger({ level: 'silent' });
const T0 = Date.UTC(2025, 0, 1);

interface Node {
  broker: Broker;
  ingest: Ingest;
  store: SwitchableStore;
  device: { id: string; assetId: string; secret: string };
  connect(): Promise<MqttClient>;
  values(): Promise<{ ts: number; value: number }[]>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startNode(config: Partial<IngestConfig> = {}): Promise<Node> {
  const dir = tempDir('hm-ingest-');
  const store = switchableStore(await createDuckDbTelemetryStore({ dataDir: `${dir.path}/store`, threads: 1 }));
  const ingest = await createIngest({
    logger,
    store,
    config: { spoolDir: `${dir.path}/spool`, fsyncIntervalMs: 2, flushIntervalMs: 20, batchSize: 500, retryBaseMs: 20, retryMaxMs: 100, ...config },
  });
  const secret = newSecret();
  const device = { id: 'dev_pump1', assetId: 'ast_pump1', secret };
  const broker = await createBroker({
    logger,
    devices: inMemoryDevices([{ ...device, secretHash: hashSecret(secret), status: 'active' }]),
    ingress: ingest,
    tcp: { port: 0 },
  });
  const clients: MqttClient[] = [];
  cleanups.push(async () => {
    for (const c of clients) c.end(true);
    await broker.close();
    await ingest.close();
    await store.close();
    dir.cleanup();
  });
  return {
    broker,
    ingest,
    store,
    device,
    async connect() {
      const c = await connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, {
        clientId: device.id,
        username: device.id,
        password: secret,
        reconnectPeriod: 0,
      });
      clients.push(c);
      return c;
    },
    async values() {
      const [series] = await store.queryRange({ assetId: device.assetId, metrics: ['v'], from: 0, to: T0 + 10_000_000 });
      return [...(series?.points ?? [])];
    },
  };
}

const topic = (n: Node) => `hm/v1/${n.device.id}/telemetry`;

function errorsOf(c: MqttClient): unknown[] {
  const got: unknown[] = [];
  c.on('message', (t, p) => {
    if (t.endsWith('/errors')) got.push(JSON.parse(p.toString()));
  });
  return got;
}

describe('telemetry ingest through the broker', () => {
  it('answers a malformed payload with a reason on the errors topic and keeps serving', async () => {
    const n = await startNode({ maxPayloadBytes: 1024 });
    const c = await n.connect();
    await c.subscribeAsync(`hm/v1/${n.device.id}/errors`);
    const errors = errorsOf(c);
    await c.publishAsync(topic(n), 'not json{', { qos: 1 });
    await c.publishAsync(topic(n), '42', { qos: 1 });
    await c.publishAsync(topic(n), JSON.stringify({ ts: T0, metrics: { v: 1 }, pad: 'x'.repeat(2000) }), { qos: 1 });
    await c.publishAsync(topic(n), `{"ts":${T0},"metrics":{"v":1e999}}`, { qos: 1 });
    await c.publishAsync(topic(n), JSON.stringify({ ts: Date.now() + 3_600_000, metrics: { v: 1 } }), { qos: 1 });
    await c.publishAsync(topic(n), JSON.stringify({ ts: 1_700_000_000, seq: 3, metrics: { v: 1 } }), { qos: 1 }); // epoch seconds
    await waitFor('6 notices', () => errors.length === 6);
    expect(errors.map((e) => (e as { code: string }).code)).toEqual([
      'MALFORMED_JSON',
      'INVALID_SHAPE',
      'PAYLOAD_TOO_LARGE',
      'INVALID_METRIC',
      'FUTURE_TIMESTAMP',
      'STALE_TIMESTAMP',
    ]);
    expect(errors[5]).toMatchObject({ seq: 3, message: expect.stringMatching(/before 2000-01-01.*milliseconds/) });
    expect(errors[0]).toMatchObject({ topic: topic(n), message: expect.stringContaining('not JSON') });

    // Same connection, still served.
    await c.publishAsync(topic(n), JSON.stringify({ ts: T0, metrics: { v: 7 } }), { qos: 1 });
    await n.ingest.drained();
    expect(await n.values()).toEqual([{ ts: T0, value: 7 }]);
    expect(n.ingest.deviceCounters(n.device.id)).toMatchObject({
      accepted: 1,
      rejected: { MALFORMED_JSON: 1, INVALID_SHAPE: 1, PAYLOAD_TOO_LARGE: 1, INVALID_METRIC: 1, FUTURE_TIMESTAMP: 1, STALE_TIMESTAMP: 1 },
    });
  });

  it('stores the good readings of a batch with a bad one, and names the bad one by index and seq', async () => {
    const n = await startNode();
    const c = await n.connect();
    await c.subscribeAsync(`hm/v1/${n.device.id}/errors`);
    const errors = errorsOf(c);
    const batch = [
      { ts: T0 + 2, seq: 2, metrics: { v: 2 } },
      { ts: T0 + 1, seq: 1, metrics: { v: 1 } }, // out of order: accepted
      { ts: T0 + 3, seq: 3, metrics: { 'Bad Name': 3 } },
      { ts: new Date(T0 + 4).toISOString(), seq: 4, metrics: { v: 4, running: true } },
    ];
    await c.publishAsync(topic(n), JSON.stringify(batch), { qos: 1 });
    await waitFor('notice', () => errors.length === 1);
    expect(errors[0]).toMatchObject({ code: 'INVALID_METRIC', index: 2, seq: 3 });
    await n.ingest.drained();
    expect(await n.values()).toEqual([1, 2, 4].map((i) => ({ ts: T0 + i, value: i })));
  });

  it('stores duplicates once and counts them', async () => {
    const n = await startNode();
    const c = await n.connect();
    const r = { ts: T0, seq: 9, metrics: { v: 9 } };
    await c.publishAsync(topic(n), JSON.stringify(r), { qos: 1 });
    await c.publishAsync(topic(n), JSON.stringify([r, r, { ...r, seq: 10, metrics: { v: 10 } }]), { qos: 1 });
    await n.ingest.drained();
    expect(n.ingest.deviceCounters(n.device.id)).toMatchObject({ accepted: 2, duplicates: 2 });
    const [series] = await n.store.queryRange({ assetId: n.device.assetId, metrics: ['v'], from: T0, to: T0 + 1 });
    expect(series!.points.map((p) => p.value).sort()).toEqual([10, 9].sort());
  });

  it('loses no acknowledged reading while the store is down, and drains when it returns', async () => {
    const n = await startNode();
    const c = await n.connect();
    n.store.down = true;
    const N = 400;
    await Promise.all(
      Array.from({ length: N }, (_, i) => c.publishAsync(topic(n), JSON.stringify({ ts: T0 + i, seq: i, metrics: { v: i } }), { qos: 1 })),
    );
    await waitFor('store failures seen', () => n.store.failedWrites >= 2);
    const h = n.ingest.health();
    expect(h.spool.pendingReadings).toBe(N);
    expect(h.store.storeFailing).toBe(true);
    expect(h.store.lastError?.message).toMatch(/injected/);

    n.store.down = false;
    await n.ingest.drained(20_000);
    expect((await n.values()).length).toBe(N);
    expect(n.ingest.health().store.storeFailing).toBe(false);
  });

  it('refuses (does not acknowledge) publishes when the spool is full, and keeps everything it acknowledged', async () => {
    const n = await startNode({ maxSpoolBytes: 256 * 1024, segmentBytes: 64 * 1024 });
    n.store.down = true;
    const acked: number[] = [];
    const d = await n.connect();
    let dClosed = false;
    d.on('close', () => (dClosed = true));
    const metrics = Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`m${k}`, k]));
    for (let i = 0; i < 2000 && !dClosed; i++) {
      d.publish(topic(n), JSON.stringify({ ts: T0 + i, seq: i, metrics: { ...metrics, v: i } }), { qos: 1 }, (err) => {
        if (!err) acked.push(i);
      });
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    await waitFor('refused: connection closed', () => dClosed, { timeoutMs: 15_000 });
    expect(n.broker.stats().ingestRefusals).toBeGreaterThan(0);
    expect(n.ingest.deviceCounters(n.device.id)!.refused).toBeGreaterThan(0);
    expect(n.ingest.health().spool.diskBytes).toBeLessThanOrEqual(256 * 1024);
    expect(acked.length).toBeGreaterThan(0);
    expect(acked.length).toBeLessThan(2000);

    n.store.down = false;
    await n.ingest.drained(20_000);
    const stored = new Set((await n.values()).map((p) => p.value));
    for (const i of acked) expect(stored.has(i)).toBe(true);
  });
});

describe('backpressure', () => {
  it('holds acknowledgements while a slow but healthy store has a backlog, and loses nothing', async () => {
    const node = await startNode({ batchSize: 10, backlogHighWater: 20, backlogMaxWaitMs: 5_000, flushIntervalMs: 1 });
    node.store.delayMs = 50;
    const client = await node.connect();
    const acks: number[] = [];
    const backlogAtAck: number[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        client
          .publishAsync(topic(node), JSON.stringify(Array.from({ length: 5 }, (_, j) => ({ ts: T0 + i * 5 + j, metrics: { v: i * 5 + j } }))), { qos: 1 })
          .then(() => {
            acks.push(Date.now() - started);
            backlogAtAck.push(node.ingest.health().spool.pendingReadings);
          }),
      ),
    );
    // 200 readings through a store taking 50 ms per batch of 10 cannot all be
    // acknowledged at once: the backlog stays near the high-water mark.
    expect(Math.max(...backlogAtAck)).toBeLessThanOrEqual(20 + 5);
    expect(Math.max(...acks)).toBeGreaterThan(5 * 50);
    await node.ingest.drained(10_000);
    expect((await node.values()).map((p) => p.value).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, k) => k));
  });

  it('does not hold publishes while the store is failing: the spool absorbs them', async () => {
    const node = await startNode({ batchSize: 10, backlogHighWater: 20, backlogMaxWaitMs: 5_000 });
    node.store.down = true;
    const client = await node.connect();
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      await client.publishAsync(topic(node), JSON.stringify(Array.from({ length: 5 }, (_, j) => ({ ts: T0 + i * 5 + j, metrics: { v: i } }))), { qos: 1 });
    }
    await waitFor('the store to be marked failing', () => node.ingest.health().store.storeFailing);
    for (let i = 20; i < 40; i++) {
      await client.publishAsync(topic(node), JSON.stringify(Array.from({ length: 5 }, (_, j) => ({ ts: T0 + i * 5 + j, metrics: { v: i } }))), { qos: 1 });
    }
    expect(node.ingest.health().spool.pendingReadings).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    node.store.down = false;
    await node.ingest.drained(10_000);
    expect(await node.values()).toHaveLength(200);
  });
});
