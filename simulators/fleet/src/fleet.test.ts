import { startTestBroker, type TestBroker } from '@hourmeter/sim-common/testing';
import { waitFor } from '@hourmeter/testkit';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createFleet, defaultSimStart, devicesFromFile, fleetProvisionSpec, type Fleet } from './fleet.js';

type Msg = { ts: number; seq: number; metrics: Record<string, number | boolean> };

function capture(broker: TestBroker): Map<string, Msg[]> {
  const got = new Map<string, Msg[]>();
  broker.broker.on('publish', (packet, client) => {
    if (!client || !packet.topic.endsWith('/telemetry')) return;
    const id = packet.topic.split('/')[2]!;
    const body = JSON.parse(packet.payload.toString()) as Msg | Msg[];
    got.set(id, [...(got.get(id) ?? []), ...(Array.isArray(body) ? body : [body])]);
  });
  return got;
}

describe('simulated fleet over MQTT', () => {
  let broker: TestBroker | undefined;
  const fleets: Fleet[] = [];
  afterEach(async () => {
    await Promise.all(fleets.splice(0).map((f) => f.stop()));
    await broker?.close();
    broker = undefined;
  });

  it('a failed asset stays down until a maintenance command on its commands topic repairs it', async () => {
    broker = await startTestBroker();
    const got = capture(broker);
    // Ten simulated hours per reading and heavy initial wear: failures come within seconds.
    const fleet = createFleet({
      mqttUrl: broker.url,
      devices: [
        { id: 'pump-1', model: 'pump' },
        { id: 'comp-1', model: 'compressor' },
        { id: 'gbx-1', model: 'gearbox' },
      ],
      seed: 5,
      rate: 50,
      speed: 50 * 36_000,
      simStartMs: Date.UTC(2025, 0, 1),
      initialWear: 0.9,
    });
    fleets.push(fleet);
    await fleet.start();
    await waitFor('a failure', () => fleet.stats().failures > 0, { timeoutMs: 20_000 });
    const [id, sim] = [...fleet.assets].find(([, s]) => s.failed)!;
    const mode = sim.currentFailureMode!;
    const seqAtFailure = (got.get(id) ?? []).length;
    await waitFor('readings while failed', () => (got.get(id)?.length ?? 0) > seqAtFailure + 5);
    expect(got.get(id)!.slice(seqAtFailure + 1).every((m) => m.metrics['running'] === false)).toBe(true);

    const client = await connectAsync(broker.url, { clientId: 'work-orders' });
    await client.publishAsync(`hm/v1/${id}/commands`, JSON.stringify({ type: 'maintenance.completed', workOrderId: 'wo_1', failureMode: mode, quality: 1 }), { qos: 1 });
    await client.publishAsync(`hm/v1/${id}/commands`, JSON.stringify({ type: 'maintenance.completed', quality: 7 }), { qos: 1 });
    await client.endAsync();
    await waitFor('the command handled', () => fleet.perDevice().get(id)!.commands === 2);
    expect(fleet.perDevice().get(id)!.commandsRejected).toBe(1);
    expect(sim.health[mode]).toBeLessThan(0.05);
    await waitFor('the repaired asset running again', () => got.get(id)!.at(-1)!.metrics['running'] === true, { timeoutMs: 10_000 });
  });

  it('the physics does not depend on the transport: two runs with one seed publish the same series', async () => {
    broker = await startTestBroker();
    const got = capture(broker);
    const run = async (prefix: string) => {
      const fleet = createFleet({
        mqttUrl: broker!.url,
        devices: ['pump', 'compressor', 'gearbox'].map((m) => ({ id: `${prefix}-${m}`, model: m as 'pump' })),
        seed: 77,
        rate: 100,
        speed: 100 * 3600,
        simStartMs: Date.UTC(2025, 0, 1),
        faults: { duplicate: 0.1, outOfOrder: 0.1, offline: 0.02 },
      });
      fleets.push(fleet);
      await fleet.start();
      await waitFor('300 readings', () => fleet.stats().totals.produced >= 300);
      await fleet.stop();
      return fleet;
    };
    await run('a');
    await run('b');
    for (const m of ['pump', 'compressor', 'gearbox']) {
      // Deduplicate and order by seq, as the platform would; compare the first 90 readings.
      const bySeq = (id: string) => [...new Map((got.get(id) ?? []).map((r) => [r.seq, r])).values()].sort((x, y) => x.seq - y.seq).slice(0, 90);
      const a = bySeq(`a-${m}`);
      expect(a).toHaveLength(90);
      // Device ids differ, the phase (index) and seed do not: identical readings.
      expect(bySeq(`b-${m}`)).toEqual(a);
    }
  });

  it('provisioning spec: stable serials and every model represented', () => {
    const spec = fleetProvisionSpec(1001, ['pump', 'compressor']);
    expect(spec.assets).toHaveLength(1001);
    expect(spec.sites).toHaveLength(3);
    expect(spec.models.map((m) => m.code)).toEqual(['SIM-PUMP-CP200', 'SIM-COMP-AC75']);
    expect(spec.assets[0]).toMatchObject({ serialNumber: 'SIM-PUMP-CP200-000001', modelCode: 'SIM-PUMP-CP200' });
    expect(spec.assets[1]).toMatchObject({ serialNumber: 'SIM-COMP-AC75-000002', modelCode: 'SIM-COMP-AC75' });
    expect(fleetProvisionSpec(1001, ['pump', 'compressor'])).toEqual(spec);
  });

  it('maps the demo credentials file onto the three models', () => {
    const devices = devicesFromFile({
      customerId: 'cus_1',
      devices: [
        { username: 'dev_a', password: 'p', assetId: 'ast_a', model: 'DEMO-PUMP-CP200' },
        { username: 'dev_b', password: 'p', assetId: 'ast_b', model: 'DEMO-COMP-AC75' },
        { username: 'dev_c', password: 'p', assetId: 'ast_c', model: 'DEMO-GBX-G40' },
      ],
    });
    expect(devices.map((d) => d.model)).toEqual(['pump', 'compressor', 'gearbox']);
    expect(() => devicesFromFile({ devices: [{ username: 'x', password: 'p', model: 'TOASTER' }] })).toThrow(/TOASTER/);
  });

  it('starts simulated time in the past when running faster than real time', () => {
    const now = Date.UTC(2026, 5, 1);
    expect(defaultSimStart(1, undefined, now)).toBe(now);
    expect(defaultSimStart(3600, 60, now)).toBe(now - 60 * 3600 * 1000);
    expect(defaultSimStart(3600, undefined, now)).toBe(now - 365 * 86_400_000);
  });
});
