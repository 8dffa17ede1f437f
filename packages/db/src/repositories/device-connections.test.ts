import { describe, expect, it } from 'vitest';
import { dbTargets, useDbTarget } from '../testing.js';

describe.each(dbTargets())('device connection state on $name', (target) => {
  const fixture = useDbTarget(target);
  if (!fixture) return;
  const connections = () => fixture.repos.deviceConnections;
  const newDevice = async () => (await fixture.repos.devices.create({ assetId: await fixture.newAsset() })).device.id;

  it('records a connection, when it was last seen and its end', async () => {
    const id = await newDevice();
    await connections().record('node-a', [
      { kind: 'connected', deviceId: id, at: 1_000, clientAddress: '10.0.0.7', transport: 'ws' },
      { kind: 'seen', deviceId: id, at: 5_000 },
      { kind: 'seen', deviceId: id, at: 4_000 }, // older: ignored
    ]);
    expect(await connections().get(id)).toEqual({
      deviceId: id, online: true, lastSeenAt: 5_000, clientAddress: '10.0.0.7', transport: 'ws', connectedSince: 1_000, disconnectedAt: undefined, brokerNode: 'node-a',
    });
    await connections().record('node-a', [{ kind: 'disconnected', deviceId: id, at: 6_000, connectedSince: 1_000 }]);
    expect(await connections().get(id)).toMatchObject({ online: false, lastSeenAt: 5_000, connectedSince: undefined, disconnectedAt: 6_000 });
  });

  it('keeps a device online on the node it moved to when the old node reports the end of its connection late', async () => {
    const id = await newDevice();
    await connections().record('node-a', [{ kind: 'connected', deviceId: id, at: 1_000, clientAddress: '10.0.0.7', transport: 'tcp' }]);
    await connections().record('node-b', [{ kind: 'connected', deviceId: id, at: 2_000, clientAddress: '10.0.0.8', transport: 'tcp' }]);
    await connections().record('node-a', [{ kind: 'disconnected', deviceId: id, at: 2_100, connectedSince: 1_000 }]);
    expect(await connections().get(id)).toMatchObject({ online: true, brokerNode: 'node-b', clientAddress: '10.0.0.8', connectedSince: 2_000 });
    // Node A's batch written late (its database writes failed, then retried): its connect and disconnect change nothing.
    await connections().record('node-a', [
      { kind: 'connected', deviceId: id, at: 1_000, clientAddress: '10.0.0.7', transport: 'tcp' },
      { kind: 'disconnected', deviceId: id, at: 2_100, connectedSince: 1_000 },
    ]);
    expect(await connections().get(id)).toMatchObject({ online: true, brokerNode: 'node-b', clientAddress: '10.0.0.8', connectedSince: 2_000 });
  });

  it("marks a restarted node's devices offline, and no other node's", async () => {
    const [a, b] = [await newDevice(), await newDevice()];
    await connections().record('node-crash', [{ kind: 'connected', deviceId: a, at: 1_000, clientAddress: undefined, transport: 'tcp' }]);
    await connections().record('node-ok', [{ kind: 'connected', deviceId: b, at: 1_000, clientAddress: undefined, transport: 'tcp' }]);
    expect(await connections().nodeStarted('node-crash', 9_000)).toBe(1);
    expect(await connections().get(a)).toMatchObject({ online: false, disconnectedAt: 9_000 });
    expect(await connections().get(b)).toMatchObject({ online: true });
  });

  it('skips a device deleted before its connection was recorded, and forgets a deleted device', async () => {
    const gone = await newDevice();
    const kept = await newDevice();
    await fixture.repos.devices.remove(gone);
    await connections().record('node-a', [
      { kind: 'connected', deviceId: gone, at: 1_000, clientAddress: undefined, transport: 'tcp' },
      { kind: 'connected', deviceId: kept, at: 1_000, clientAddress: undefined, transport: 'tcp' },
    ]);
    expect(await connections().get(gone)).toBeUndefined();
    expect(await connections().get(kept)).toMatchObject({ online: true });
    await fixture.repos.devices.remove(kept);
    expect(await connections().get(kept)).toBeUndefined();
  });
});
