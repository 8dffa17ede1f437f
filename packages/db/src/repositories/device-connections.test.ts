import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositories, type Db, type Repositories } from '../index.js';
import { dbTargets } from '../testing.js';

const targets = dbTargets();

describe.each(targets)('device connection state on $name', (target) => {
  if (target.skip) {
    it.skip(`skipped: ${target.skip}`, () => {});
    return;
  }
  let db: Db;
  let repos: Repositories;
  let cleanup: () => Promise<void>;
  let seq = 0;

  beforeAll(async () => {
    ({ db, cleanup } = await target.open());
    repos = repositories(db);
  });
  afterAll(async () => cleanup?.());

  async function newDevice(): Promise<string> {
    seq++;
    const customer = await repos.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC', location: { lat: 53.6, lon: 9.9 } });
    const model = await repos.assetModels.create({ code: `CONN-${target.name}-${seq}`, name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = await repos.assets.create({ serialNumber: `SN-${seq}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-15', status: 'active' });
    return (await repos.devices.create({ assetId: asset.id })).device.id;
  }

  it('records a connection, when it was last seen and its end', async () => {
    const id = await newDevice();
    await repos.deviceConnections.record('node-a', [
      { kind: 'connected', deviceId: id, at: 1_000, clientAddress: '10.0.0.7', transport: 'ws' },
      { kind: 'seen', deviceId: id, at: 5_000 },
      { kind: 'seen', deviceId: id, at: 4_000 }, // older: ignored
    ]);
    expect(await repos.deviceConnections.get(id)).toEqual({
      deviceId: id, online: true, lastSeenAt: 5_000, clientAddress: '10.0.0.7', transport: 'ws', connectedSince: 1_000, disconnectedAt: undefined, brokerNode: 'node-a',
    });
    await repos.deviceConnections.record('node-a', [{ kind: 'disconnected', deviceId: id, at: 6_000, connectedSince: 1_000 }]);
    expect(await repos.deviceConnections.get(id)).toMatchObject({ online: false, lastSeenAt: 5_000, connectedSince: undefined, disconnectedAt: 6_000 });
  });

  it('keeps a device online on the node it moved to when the old node reports the end of its connection late', async () => {
    const id = await newDevice();
    await repos.deviceConnections.record('node-a', [{ kind: 'connected', deviceId: id, at: 1_000, clientAddress: '10.0.0.7', transport: 'tcp' }]);
    await repos.deviceConnections.record('node-b', [{ kind: 'connected', deviceId: id, at: 2_000, clientAddress: '10.0.0.8', transport: 'tcp' }]);
    await repos.deviceConnections.record('node-a', [{ kind: 'disconnected', deviceId: id, at: 2_100, connectedSince: 1_000 }]);
    expect(await repos.deviceConnections.get(id)).toMatchObject({ online: true, brokerNode: 'node-b', clientAddress: '10.0.0.8', connectedSince: 2_000 });
  });

  it("marks a restarted node's devices offline, and no other node's", async () => {
    const [a, b] = [await newDevice(), await newDevice()];
    await repos.deviceConnections.record('node-crash', [{ kind: 'connected', deviceId: a, at: 1_000, clientAddress: undefined, transport: 'tcp' }]);
    await repos.deviceConnections.record('node-ok', [{ kind: 'connected', deviceId: b, at: 1_000, clientAddress: undefined, transport: 'tcp' }]);
    expect(await repos.deviceConnections.nodeStarted('node-crash', 9_000)).toBe(1);
    expect(await repos.deviceConnections.get(a)).toMatchObject({ online: false, disconnectedAt: 9_000 });
    expect(await repos.deviceConnections.get(b)).toMatchObject({ online: true });
  });

  it('skips a device deleted before its connection was recorded, and forgets a deleted device', async () => {
    const gone = await newDevice();
    const kept = await newDevice();
    await repos.devices.remove(gone);
    await repos.deviceConnections.record('node-a', [
      { kind: 'connected', deviceId: gone, at: 1_000, clientAddress: undefined, transport: 'tcp' },
      { kind: 'connected', deviceId: kept, at: 1_000, clientAddress: undefined, transport: 'tcp' },
    ]);
    expect(await repos.deviceConnections.get(gone)).toBeUndefined();
    expect(await repos.deviceConnections.get(kept)).toMatchObject({ online: true });
    await repos.devices.remove(kept);
    expect(await repos.deviceConnections.get(kept)).toBeUndefined();
  });
});
