import { join } from 'node:path';
import { type Broker, createBroker, inMemoryDevices } from '@hourmeter/broker';
import { newId } from '@hourmeter/domain';
import { createIngest, type Ingest } from '@hourmeter/ingest';
import { createLogger, hashSecret } from '@hourmeter/runtime';
import { FAULT_KINDS, compareIngest, emptyFaultCounts } from '@hourmeter/sim-common';
import { createDuckDbTelemetryStore } from '@hourmeter/telemetry-store';
import type { TelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir, waitFor } from '@hourmeter/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createFleet, type Fleet } from './fleet.js';

/**
 * The platform's own broker and ingest (real aedes over TCP on port 0, a
 * DuckDB store in a temp dir) against the simulator with every fault on: the
 * per-device ingest counters must equal what the simulator says it injected.
 */
describe('platform ingest counters vs injected faults', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('match exactly, per device and kind', async () => {
    const dir = tempDir('hm-sim-platform-');
    cleanups.push(dir.cleanup);
    const logger = createLogger({ level: 'silent' });
    const store: TelemetryStore = await createDuckDbTelemetryStore({ dataDir: join(dir.path, 'store'), threads: 1 });
    cleanups.push(() => store.close());
    const ingest: Ingest = await createIngest({
      logger,
      store,
      config: { spoolDir: join(dir.path, 'spool'), fsync: 'none', batchSize: 500, flushIntervalMs: 20 },
    });
    cleanups.push(() => ingest.close());

    const models = ['pump', 'compressor', 'gearbox'] as const;
    const devices = Array.from({ length: 12 }, (_, i) => ({ id: newId('device'), password: `secret-${i}-${'x'.repeat(20)}`, model: models[i % 3]! }));
    const records = new Map(devices.map((d) => [d.id, { id: d.id, assetId: newId('asset'), secretHash: hashSecret(d.password), status: 'active' as const }]));
    const broker: Broker = await createBroker({
      logger,
      devices: inMemoryDevices(records.values()),
      ingress: ingest,
      tcp: { port: 0, host: '127.0.0.1' },
      ws: false,
      // Every simulated device shares 127.0.0.1: the default per-address throttle would
      // refuse innocent devices after a few wrong secrets, and some wrong secrets unchecked.
      authThrottle: { baseDelayMs: 1, maxDelayMs: 2, maxPendingPerPair: 1000, maxPendingPerAddress: 1000 },
    });
    cleanups.push(() => broker.close());

    const fleet: Fleet = createFleet({
      mqttUrl: `mqtt://127.0.0.1:${broker.tcpPort}`,
      devices,
      seed: 21,
      rate: 40,
      speed: 1,
      // Real time from now: a +10 min clock skew lands beyond the 5 min tolerance.
      simStartMs: Date.now(),
      faults: { drop: 0.01, offline: 0.01, offlineReadings: 4, skew: 0.01, skewReadings: 3, duplicate: 0.05, outOfOrder: 0.05, malformed: 0.04, wrongSecret: 0.25 },
    });
    cleanups.push(() => fleet.stop());
    await fleet.start();
    await waitFor('1,500 readings', () => fleet.stats().totals.produced >= 1500, { timeoutMs: 20_000 });
    await fleet.stop();
    expect(fleet.stats().pending).toBe(0);

    const total = emptyFaultCounts();
    for (const [id, sim] of fleet.perDevice()) {
      const platform = ingest.deviceCounters(id);
      expect(platform, id).toBeDefined();
      const rejected = Object.fromEntries(Object.entries(platform!.rejected).filter((e): e is [string, number] => e[1] !== undefined));
      expect(compareIngest(id, sim, { ...platform!, rejected })).toEqual([]);
      expect(sim.resent, id).toBe(0);
      for (const k of FAULT_KINDS) total[k] += sim.faults[k];
    }
    const stats = broker.stats();
    expect(stats.authFailures.bad_secret).toBe(total.wrong_secret);
    expect(stats.authFailures.throttled).toBe(0);
    // Every kind was injected, so the equalities are not 0 = 0.
    for (const k of FAULT_KINDS) expect(total[k], k).toBeGreaterThan(0);
    await ingest.drained(20_000);
  });
});
