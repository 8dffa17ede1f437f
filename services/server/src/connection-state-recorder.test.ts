import { createBroker, type Broker } from '@hourmeter/broker';
import { openDb, repositories, type Db, type Repositories } from '@hourmeter/db';
import type { TelemetryIngress } from '@hourmeter/messages';
import { createLogger } from '@hourmeter/runtime';
import { tempDir, waitFor } from '@hourmeter/testkit';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectionStateRecorder, type ConnectionStateRecorder } from './connection-state-recorder.js';

const logger = createLogger({ level: 'silent' });
const noIngest: TelemetryIngress = { accept: async () => ({ status: 'accepted', accepted: 0, duplicates: 0, rejections: [] }) };

describe('device connection state recorded for every process', () => {
  const dir = tempDir();
  let db: Db;
  let repos: Repositories;
  let broker: Broker;
  let recorder: ConnectionStateRecorder;
  let device: { username: string; password: string };

  beforeAll(async () => {
    db = await openDb({ dataDir: dir.path, logger });
    repos = repositories(db);
    const customer = await repos.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC', location: { lat: 53.6, lon: 9.9 } });
    const model = await repos.assetModels.create({ code: 'REC', name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = await repos.assets.create({ serialNumber: 'SN-1', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-15', status: 'active' });
    ({ credentials: device } = await repos.devices.create({ assetId: asset.id }));
    broker = await createBroker({ logger, devices: repos.devices, ingress: noIngest, tcp: { port: 0 } });
    recorder = await startConnectionStateRecorder({ connections: broker.connections, store: repos.deviceConnections, node: 'node-1', logger, flushIntervalMs: 20 });
  });

  afterAll(async () => {
    await recorder.close();
    await broker.close();
    await db.close();
    dir.cleanup();
  });

  it('writes a connection and its end, with address and transport', async () => {
    const c = await connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, { clientId: device.username, username: device.username, password: device.password, reconnectPeriod: 0 });
    await waitFor('online in the database', async () => (await repos.deviceConnections.get(device.username))?.online === true);
    const online = (await repos.deviceConnections.get(device.username))!;
    expect(online).toMatchObject({ clientAddress: expect.stringContaining('127.0.0.1'), transport: 'tcp', brokerNode: 'node-1' });
    expect(online.connectedSince).toBe(broker.connections.get(device.username)!.connectedSince);

    await c.endAsync();
    await waitFor('offline in the database', async () => (await repos.deviceConnections.get(device.username))?.online === false);
    expect((await repos.deviceConnections.get(device.username))!.disconnectedAt).toBe(broker.connections.get(device.username)!.disconnectedAt);
  });

  it('marks what the node held offline when it starts again after a crash', async () => {
    await connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, { clientId: device.username, username: device.username, password: device.password, reconnectPeriod: 0 });
    await waitFor('online in the database', async () => (await repos.deviceConnections.get(device.username))?.online === true);
    // A second recorder of the same node stands for the process after a kill -9: the disconnect was never written.
    const restarted = await startConnectionStateRecorder({ connections: { ...broker.connections, onChange: () => () => undefined, list: () => [] }, store: repos.deviceConnections, node: 'node-1', logger });
    await restarted.close();
    expect(await repos.deviceConnections.get(device.username)).toMatchObject({ online: false, connectedSince: undefined });
  });
});
