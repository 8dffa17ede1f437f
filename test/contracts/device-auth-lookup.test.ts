/**
 * The broker's DeviceAuthLookup port (services/broker/src/ports.ts) has two
 * implementations: the device repository (packages/db, on SQLite and
 * PostgreSQL) that production uses and the in-memory registry of the
 * benches and broker tests. One suite holds both to the same answers.
 */
import { inMemoryDevices, type DeviceAuthLookup } from '@hourmeter/broker';
import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import { newId } from '@hourmeter/domain';
import { hashSecret, newSecret, secretMatches } from '@hourmeter/runtime';
import { beforeAll, describe, expect, it } from 'vitest';

interface SeededDevice {
  readonly id: string;
  readonly assetId: string;
  readonly secret: string;
  readonly status: 'active' | 'revoked';
}

/** Registers the devices as this implementation's source would hold them, and returns the lookup over them. */
type Seed = (statuses: readonly ('active' | 'revoked')[]) => Promise<{ lookup: DeviceAuthLookup; devices: SeededDevice[] }>;

function deviceAuthLookupContract(open: () => Seed | undefined): void {
  let lookup: DeviceAuthLookup;
  let active: SeededDevice;
  let second: SeededDevice;
  let revoked: SeededDevice;

  beforeAll(async () => {
    const seed = open();
    if (!seed) return;
    const seeded = await seed(['active', 'active', 'revoked']);
    lookup = seeded.lookup;
    [active, second, revoked] = seeded.devices as [SeededDevice, SeededDevice, SeededDevice];
  });

  it("finds a device's id, asset, status and a digest its own secret matches and another does not", async () => {
    const record = await lookup.findForAuth(active.id);
    expect(record).toMatchObject({ id: active.id, assetId: active.assetId, status: 'active' });
    expect(secretMatches(active.secret, record!.secretHash)).toBe(true);
    expect(secretMatches(second.secret, record!.secretHash)).toBe(false);
  });

  it('reports a revoked device as revoked (the broker refuses it)', async () => {
    expect(await lookup.findForAuth(revoked.id)).toMatchObject({ id: revoked.id, status: 'revoked' });
  });

  it('finds no unknown device', async () => {
    expect(await lookup.findForAuth(newId('device'))).toBeUndefined();
  });

  it('finds the records of the ids that exist, revoked ones included, and none for an empty list', async () => {
    const unknown = newId('device');
    const found = await lookup.findManyForAuth([active.id, unknown, revoked.id]);
    expect(found.map((r) => r.id).sort()).toEqual([active.id, revoked.id].sort());
    const byId = new Map(found.map((r) => [r.id, r]));
    expect(byId.get(active.id)).toEqual(await lookup.findForAuth(active.id));
    expect(byId.get(revoked.id)?.status).toBe('revoked');
    expect(await lookup.findManyForAuth([])).toEqual([]);
  });
}

describe('device auth lookup: in memory (broker)', () => {
  deviceAuthLookupContract(() => async (statuses) => {
    const devices = statuses.map((status) => ({ id: newId('device'), assetId: newId('asset'), secret: newSecret(), status }));
    return { lookup: inMemoryDevices(devices.map((d) => ({ ...d, secretHash: hashSecret(d.secret) }))), devices };
  });
});

describe.each(dbTargets())('device auth lookup: device repository ($name)', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  deviceAuthLookupContract(() => async (statuses) => {
    const devices: SeededDevice[] = [];
    for (const status of statuses) {
      const assetId = await store.newAsset();
      const { device, credentials } = await store.repos.devices.create({ assetId });
      if (status === 'revoked') await store.repos.devices.revoke(device.id);
      devices.push({ id: device.id, assetId, secret: credentials.password, status });
    }
    return { lookup: store.repos.devices, devices };
  });
});
