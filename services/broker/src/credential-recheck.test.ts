import { createLogger, hashSecret, newSecret } from '@hourmeter/runtime';
import type { Client } from 'aedes';
import { describe, expect, it } from 'vitest';
import { createCredentialRecheck } from './credential-recheck.js';
import type { DeviceAuthRecord } from './ports.js';
import { inMemoryDevices } from './in-memory-devices.js';

/**
 * The credential re-check against a registry and aedes' client table, no
 * sockets: which connected devices it closes and why. broker.test.ts shows
 * the same over MQTT.
 */

const logger = createLogger({ level: 'silent' });

function record(id: string): DeviceAuthRecord & { status: string; secretHash: string } {
  return { id, assetId: `ast_${id}`, secretHash: hashSecret(newSecret()), status: 'active' };
}

/** A connected client as aedes holds it; `closed` says whether the re-check ended it. */
function connectedClient(id: string) {
  const client = { id, closed: false, conn: { remoteAddress: '10.0.0.7' }, close() { client.closed = true; } };
  return client;
}

function setup(ids: string[], opts: { services?: string[] } = {}) {
  const records = ids.map(record);
  const clients: Record<string, ReturnType<typeof connectedClient> | undefined> = {};
  const digests = new Map<string, string>();
  for (const r of records) {
    clients[r.id] = connectedClient(r.id);
    digests.set(r.id, r.secretHash);
  }
  for (const name of opts.services ?? []) clients[name] = connectedClient(name);
  const recheck = createCredentialRecheck({
    logger,
    // Read at each lookup, so a test may delete a record.
    devices: { findForAuth: async (id) => records.find((r) => r.id === id), findManyForAuth: async (ids) => records.filter((r) => ids.includes(r.id)) },
    clients: () => clients as unknown as Record<string, Client | undefined>,
    isDevice: (c) => digests.has(c.id),
    connectedWith: (c) => digests.get(c.id),
  });
  return { recheck, records, clients };
}

describe('credential re-check', () => {
  it('closes the devices revoked or re-keyed since they connected, and leaves the rest', async () => {
    const { recheck, records, clients } = setup(['dev_a', 'dev_b', 'dev_c']);
    expect(await recheck.recheck()).toBe(0);
    records[0]!.status = 'revoked';
    records[1]!.secretHash = hashSecret(newSecret());
    expect(await recheck.recheck()).toBe(2);
    expect([clients.dev_a!.closed, clients.dev_b!.closed, clients.dev_c!.closed]).toEqual([true, true, false]);
    expect(recheck.withdrawnDisconnects()).toBe(2);
  });

  it('closes a device deleted from the registry', async () => {
    const { recheck, records, clients } = setup(['dev_a', 'dev_b']);
    // Deleted: the registry no longer has the record at all.
    records.splice(0, 1);
    expect(await recheck.recheck()).toBe(1);
    expect([clients.dev_a!.closed, clients.dev_b!.closed]).toEqual([true, false]);
  });

  it('checks only the ids asked for, and never a service connection', async () => {
    const { recheck, records, clients } = setup(['dev_a', 'dev_b'], { services: ['svc-workorders-1'] });
    for (const r of records) r.status = 'revoked';
    expect(await recheck.recheck(['dev_b', 'svc-workorders-1', 'dev_not_connected'])).toBe(1);
    expect(clients.dev_a!.closed).toBe(false);
    expect(clients.dev_b!.closed).toBe(true);
    expect(clients['svc-workorders-1']!.closed).toBe(false);
  });

  it('leaves a connection alone that was replaced while the registry was read', async () => {
    const { records, clients } = setup(['dev_a']);
    records[0]!.status = 'revoked';
    const first = clients.dev_a!;
    const lookup = inMemoryDevices(records);
    const racing = createCredentialRecheck({
      logger,
      devices: {
        findForAuth: lookup.findForAuth,
        // The device reconnects (a new client object) while its record is read.
        findManyForAuth: async (ids) => {
          clients.dev_a = connectedClient('dev_a');
          return lookup.findManyForAuth(ids);
        },
      },
      clients: () => clients as unknown as Record<string, Client | undefined>,
      isDevice: () => true,
      connectedWith: () => records[0]!.secretHash,
    });
    expect(await racing.recheck()).toBe(0);
    expect(first.closed).toBe(false);
    expect(clients.dev_a!.closed).toBe(false);
  });
});
