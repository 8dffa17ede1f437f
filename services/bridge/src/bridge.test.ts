import { openDb, repositories, type Repositories } from '@hourmeter/db';
import { createIngest, type Ingest } from '@hourmeter/ingest';
import { createDuckDbTelemetryStore, type TelemetryStore } from '@hourmeter/telemetry-store';
import { freePort, tempDir, waitFor } from '@hourmeter/testkit';
import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBridge, type Bridge } from './bridge.js';
import { BridgeConfig } from './config.js';
import { Mosquitto, mosquittoAvailable } from './testing/mosquitto.js';

const logger = pino({ level: process.env.BRIDGE_TEST_LOG ?? 'silent' });

describe.skipIf(!mosquittoAvailable())('bridge to an external broker (Debian mosquitto)', () => {
  const dir = tempDir('hm-bridge-');
  let broker: Mosquitto;
  let repos: Repositories;
  let closeDb: () => Promise<void>;
  let store: TelemetryStore;
  let ingest: Ingest;
  let publisher: MqttClient;
  const devices = { press: '', raw: '' };
  const T0 = Date.now() - 3_600_000;

  const config = (port: number) =>
    BridgeConfig.parse({
      url: `mqtt://127.0.0.1:${port}`,
      clientId: 'hourmeter-bridge-test',
      mappings: [
        { topic: 'plant/+/data', device: '{1}', deviceIds: { 'press-7': devices.press }, payload: { format: 'fields', ts: 'time', seq: 'n', metrics: { pressure_bar: 'p' } } },
        { topic: 'gateways/+/hm', device: '{1}' },
      ],
    });
  const bridges: Bridge[] = [];
  const startBridge = async () => {
    const b = createBridge({ config: config(broker.port), ingress: ingest, devices: repos.devices, logger, reconnectMs: 100 });
    bridges.push(b);
    await b.started();
    return b;
  };
  const stored = async (metric: string) => {
    const [s] = await store.queryRange({ assetId: (await repos.devices.get(devices.press)).assetId, metrics: [metric], from: T0 - 1, to: T0 + 10_000_000 });
    return s?.points ?? [];
  };

  beforeAll(async () => {
    broker = new Mosquitto(dir.path, await freePort());
    await broker.start();
    const db = await openDb({ dataDir: dir.path, logger });
    closeDb = () => db.close();
    repos = repositories(db);
    const customer = await repos.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
    const model = await repos.assetModels.create({ code: 'PRESS', name: 'Press', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = await repos.assets.create({ serialNumber: 'P-7', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' });
    devices.press = (await repos.devices.create({ assetId: asset.id })).device.id;
    devices.raw = (await repos.devices.create({ assetId: asset.id })).device.id;
    store = await createDuckDbTelemetryStore({ dataDir: `${dir.path}/store`, threads: 1 });
    ingest = await createIngest({ logger, store, config: { spoolDir: `${dir.path}/spool`, fsyncIntervalMs: 2, flushIntervalMs: 20 } });
    publisher = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'plant-plc', clean: false, reconnectPeriod: 100 });
  });
  afterAll(async () => {
    publisher?.end(true);
    for (const b of bridges) await b.close().catch(() => {});
    await broker?.stop();
    await ingest?.close();
    await store?.close();
    await closeDb?.();
    dir.cleanup();
  });

  it('stores every delivered reading once through a broker restart mid-stream, and what was queued while the bridge was away', async () => {
    let bridge = await startBridge();
    const N = 600;
    const sent: Promise<unknown>[] = [];
    for (let n = 0; n < N; n++) {
      sent.push(publisher.publishAsync('plant/press-7/data', JSON.stringify({ time: T0 + n * 10, n, p: n / 4 }), { qos: 1 }));
      if (n === 200) {
        await Promise.all(sent);
        await broker.stop(); // mid-stream: the publisher and the bridge both lose the broker
        await broker.start();
      }
    }
    await Promise.all(sent); // every message acknowledged by the external broker
    await waitFor('every reading stored', async () => (await stored('pressure_bar')).length >= N, { timeoutMs: 30_000 });

    // The bridge goes away; the broker queues for its persistent session; a new bridge process takes the queue.
    await bridge.close();
    for (let n = N; n < N + 100; n++) await publisher.publishAsync('plant/press-7/data', JSON.stringify({ time: T0 + n * 10, n, p: n / 4 }), { qos: 1 });
    bridge = await startBridge();
    await waitFor('the queued readings stored', async () => (await stored('pressure_bar')).length >= N + 100, { timeoutMs: 30_000 });
    await ingest.drained(10_000);

    const points = await stored('pressure_bar');
    expect(points.map((p) => p.ts)).toEqual(Array.from({ length: N + 100 }, (_, n) => T0 + n * 10));
    expect(points.map((p) => p.value)).toEqual(Array.from({ length: N + 100 }, (_, n) => n / 4));
  }, 120_000);

  it('counts what it cannot map and keeps going', async () => {
    const bridge = bridges.at(-1)!;
    const before = bridge.stats();
    await publisher.publishAsync('plant/unknown-press/data', JSON.stringify({ time: T0, n: 1, p: 1 }), { qos: 1 });
    await publisher.publishAsync('plant/press-7/data', 'not json', { qos: 1 });
    await publisher.publishAsync('plant/press-7/data', JSON.stringify({ n: 2, p: 2 }), { qos: 1 });
    await publisher.publishAsync(`gateways/${devices.raw}/hm`, JSON.stringify([{ ts: T0 + 5, metrics: { raw_temp: 40.5 } }, { ts: T0 + 6, metrics: { 'Bad-Name': 1 } }]), { qos: 1 });
    await waitFor('the four messages handled', () => {
      const now = bridge.stats();
      return now.unmatchedDevice > before.unmatchedDevice && now.unmappablePayload >= before.unmappablePayload + 2 && now.rejected > before.rejected;
    });
    const after = bridge.stats();
    expect(after.unmatchedDevice - before.unmatchedDevice).toBe(1);
    expect(after.unmappablePayload - before.unmappablePayload).toBe(2);
    expect(after.rejected - before.rejected).toBe(1);
    expect(after.byMapping.find((m) => m.topic === 'plant/+/data')!.unmatchedDevice).toBeGreaterThanOrEqual(1);
    await waitFor('the gateway reading stored', async () => (await stored('raw_temp')).length === 1);
  });
});
