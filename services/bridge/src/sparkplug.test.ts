import { openDb, repositories, type Repositories } from '@hourmeter/db';
import { createIngest, type Ingest } from '@hourmeter/ingest';
import { createDuckDbTelemetryStore, type TelemetryStore } from '@hourmeter/telemetry-store';
import { freePort, tempDir, waitFor } from '@hourmeter/testkit';
import { connectAsync, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBridge, type Bridge } from './bridge.js';
import { BridgeConfig } from './config.js';
import { decodeSparkplug, encodeSparkplug } from '@hourmeter/sparkplug';
import { Mosquitto, mosquittoAvailable } from './testing/mosquitto.js';

const logger = pino({ level: 'silent' });

describe.skipIf(!mosquittoAvailable())('Sparkplug B through the bridge (an edge node simulated on Debian mosquitto)', () => {
  const dir = tempDir('hm-sparkplug-');
  let broker: Mosquitto;
  let repos: Repositories;
  let closeDb: () => Promise<void>;
  let store: TelemetryStore;
  let ingest: Ingest;
  let edge: MqttClient;
  let bridge: Bridge;
  let assetId = '';
  const ids = { node: '', press: '' };
  const rebirths: unknown[] = [];
  const T0 = Date.now() - 600_000;

  beforeAll(async () => {
    broker = new Mosquitto(dir.path, await freePort());
    await broker.start();
    const db = await openDb({ dataDir: dir.path, logger });
    closeDb = () => db.close();
    repos = repositories(db);
    const customer = await repos.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
    const model = await repos.assetModels.create({ code: 'PRESS', name: 'Press', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    assetId = (await repos.assets.create({ serialNumber: 'P-7', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' })).id;
    const node = (ids.node = (await repos.devices.create({ assetId })).device.id);
    const press = (ids.press = (await repos.devices.create({ assetId })).device.id);
    store = await createDuckDbTelemetryStore({ dataDir: `${dir.path}/store`, threads: 1 });
    ingest = await createIngest({ logger, store, config: { spoolDir: `${dir.path}/spool`, fsyncIntervalMs: 2, flushIntervalMs: 20 } });
    const config = BridgeConfig.parse({
      url: `mqtt://127.0.0.1:${broker.port}`,
      clientId: 'hourmeter-sparkplug-host',
      mappings: [{ topic: 'spBv1.0/plant1/#', payload: { format: 'sparkplug' }, deviceIds: { 'plant1/gw1': node, 'plant1/gw1/press': press } }],
    });
    bridge = createBridge({ config, ingress: ingest, devices: repos.devices, logger, reconnectMs: 100, connections: { log: repos.deviceConnections } });
    await bridge.started();
    edge = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'gw1' });
    edge.on('message', (_topic, payload) => rebirths.push(decodeSparkplug(payload)));
    await edge.subscribeAsync('spBv1.0/plant1/NCMD/gw1', { qos: 0 });
  });
  afterAll(async () => {
    edge?.end(true);
    await bridge?.close();
    await broker?.stop();
    await ingest?.close();
    await store?.close();
    await closeDb?.();
    dir.cleanup();
  });

  const publish = (type: string, device: string | undefined, payload: Parameters<typeof encodeSparkplug>[0] | Buffer) =>
    edge.publishAsync(`spBv1.0/plant1/${type}/gw1${device ? `/${device}` : ''}`, Buffer.isBuffer(payload) ? payload : encodeSparkplug(payload), { qos: 1 });
  const series = async (metric: string) => {
    const [s] = await store.queryRange({ assetId, metrics: [metric], from: T0 - 1, to: T0 + 100_000 });
    return (s?.points ?? []).map((p) => [p.ts - T0, p.value]);
  };

  it('decodes births, aliased data and deaths; asks for a rebirth when state is missing; counts what it cannot use and keeps the rest', async () => {
    // Data before any birth: the host has no aliases for this node, and asks for a rebirth.
    await publish('NDATA', undefined, { timestamp: T0, seq: 7, metrics: [{ alias: 1, type: 'Double', value: 1 }] });
    await waitFor('a rebirth request on NCMD', () => rebirths.length === 1);
    expect(rebirths[0]).toMatchObject({ metrics: [{ name: 'Node Control/Rebirth', value: true }] });

    await publish('NBIRTH', undefined, { timestamp: T0, seq: 0, metrics: [{ name: 'bdSeq', type: 'Int64', value: 3 }, { name: 'Supply/Voltage', alias: 1, type: 'Double', value: 230.5 }] });
    await publish('DBIRTH', 'press', { timestamp: T0, seq: 1, metrics: [{ name: 'Motor/Temp C', alias: 2, type: 'Double', value: 41.5 }, { name: 'Running', alias: 3, type: 'Boolean', value: true }] });
    // Aliases only, one of them defined by no birth: counted, the other two stored.
    await publish('DDATA', 'press', { timestamp: T0 + 1000, seq: 2, metrics: [{ alias: 2, type: 'Double', value: 42 }, { alias: 99, type: 'Double', value: 5 }, { alias: 3, type: 'Boolean', value: false }] });
    await publish('DDATA', 'press', Buffer.from('definitely not protobuf'));
    await publish('NDATA', undefined, { timestamp: T0 + 2000, seq: 3, metrics: [{ alias: 1, type: 'Double', value: 229 }] });
    // seq 4 lost: a gap.
    await publish('DDATA', 'press', { timestamp: T0 + 3000, seq: 5, metrics: [{ alias: 2, type: 'Float', value: 43.5 }] });
    await publish('DDEATH', 'press', { timestamp: T0 + 4000, seq: 6 });
    await waitFor('the press offline', () => bridge.stats().offline.includes('plant1/gw1/press'));
    // Deaths show as connection state (what GET /devices/:id/status reads for devices not on Hourmeter's broker).
    await waitFor('the press offline in its connection state', async () => (await repos.deviceConnections.get(ids.press))?.online === false);
    expect((await repos.deviceConnections.get(ids.node))?.online).toBe(true);
    // A death of an older session (bdSeq 2) does not end the current one (bdSeq 3).
    await publish('NDEATH', undefined, { metrics: [{ name: 'bdSeq', type: 'Int64', value: 2 }] });
    await publish('NDEATH', undefined, { metrics: [{ name: 'bdSeq', type: 'Int64', value: 3 }] });
    await waitFor('the node offline', () => bridge.stats().offline.includes('plant1/gw1'));
    await waitFor('the node offline in its connection state', async () => (await repos.deviceConnections.get(ids.node))?.online === false);

    await ingest.drained(10_000);
    expect(await series('motor.temp_c')).toEqual([
      [0, 41.5],
      [1000, 42],
      [3000, 43.5],
    ]);
    expect(await series('running')).toEqual([
      [0, 1],
      [1000, 0],
    ]);
    expect(await series('supply.voltage')).toEqual([
      [0, 230.5],
      [2000, 229],
    ]);
    const stats = bridge.stats();
    expect(stats).toMatchObject({ sparkplugMalformed: 1, sparkplugUnknownAliases: 2, sparkplugSeqGaps: 1, unmatchedDevice: 0 });
    expect(stats.sparkplugRebirthRequests).toBeGreaterThanOrEqual(1);
    expect(stats.offline).toEqual(['plant1/gw1', 'plant1/gw1/press']);
  });
});
