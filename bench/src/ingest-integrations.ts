import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { deviceTelemetryRoutes } from '@hourmeter/api';
import { createBridge, BridgeConfig } from '@hourmeter/bridge';
import { encodeSparkplug } from '@hourmeter/sparkplug';
import { createBroker, inMemoryDevices } from '@hourmeter/broker';
import { createIngest, type Ingest } from '@hourmeter/ingest';
import { createLogger } from '@hourmeter/runtime';
import { createDuckDbTelemetryStore } from '@hourmeter/telemetry-store';
import { freePort, tempDir, waitFor } from '@hourmeter/testkit';
import Fastify from 'fastify';
import mqtt from 'mqtt';

export interface BenchDevice {
  id: string;
  assetId: string;
  secret: string;
  secretHash: string;
}

const reading = (i: number) => ({
  ts: Date.now(),
  seq: i,
  metrics: { temp_c: 40 + (i % 10), vibration_rms: 2.5, rpm: 1480, pressure_bar: 6.1, current_a: 12.5, flow_m3h: 30, power_kw: 11, running: true },
});

/** Ingest + DuckDB in a temp dir, closed by `close`. */
async function ingestNode(): Promise<{ ingest: Ingest; close: () => Promise<void>; dir: string }> {
  const dir = tempDir('hm-bench-int-');
  const store = await createDuckDbTelemetryStore({ dataDir: join(dir.path, 'store') });
  const ingest = await createIngest({ logger: createLogger({ level: 'warn' }), store, config: { spoolDir: join(dir.path, 'spool') } });
  return {
    ingest,
    dir: dir.path,
    close: async () => {
      await ingest.close();
      await store.close();
      dir.cleanup();
    },
  };
}

/**
 * HTTP ingest: `requests` POSTs of one reading each (as a device without
 * MQTT would send them), `concurrency` at a time over keep-alive
 * connections, from this process; readings/s until the last is stored.
 */
export async function httpIngest(devices: readonly BenchDevice[], requests: number, concurrency = 32): Promise<{ rate: number; stored: number }> {
  const node = await ingestNode();
  const app = Fastify();
  const byId = new Map(devices.map((d) => [d.id, { ...d, status: 'active' as const }]));
  await app.register(async (scope) => deviceTelemetryRoutes(scope, { ingress: node.ingest, devices: inMemoryDevices(byId.values()) }), { prefix: '/api/v1' });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const start = Date.now();
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < requests; i = next++) {
        const d = devices[i % devices.length]!;
        const res = await fetch(`${address}/api/v1/telemetry`, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`${d.id}:${d.secret}`).toString('base64')}`, 'content-type': 'application/json' },
          body: JSON.stringify(reading(i)),
        });
        if (res.status !== 200) failed++;
        await res.arrayBuffer();
      }
    }),
  );
  await node.ingest.drained(120_000);
  const elapsed = (Date.now() - start) / 1000;
  const stored = node.ingest.health().store.readingsWritten;
  if (failed) console.log(`  WARNING: ${failed} HTTP posts failed`);
  await app.close();
  await node.close();
  return { rate: stored / elapsed, stored };
}

/**
 * The bridge: `messages` readings queued in Debian's mosquitto for the
 * bridge's persistent session while it is away, then drained through the
 * bridge (PUBACK after the spool) into ingest; readings/s until the last is
 * stored. Undefined when mosquitto is not installed.
 */
export async function bridgeIngest(devices: readonly BenchDevice[], messages: number, format: 'hourmeter' | 'sparkplug' = 'hourmeter'): Promise<{ rate: number; stored: number } | undefined> {
  const bin = '/usr/sbin/mosquitto';
  if (!existsSync(bin)) return undefined;
  const node = await ingestNode();
  const port = await freePort();
  writeFileSync(
    join(node.dir, 'mosquitto.conf'),
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'max_queued_messages 0', 'max_inflight_messages 0', 'user root', 'log_dest none'].join('\n') + '\n',
  );
  const broker: ChildProcess = spawn(bin, ['-c', join(node.dir, 'mosquitto.conf')], { stdio: 'ignore' });
  try {
    await waitFor('mosquitto listening', () => new Promise<boolean>((resolve) => {
      const s = tcpConnect(port, '127.0.0.1', () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
    }));
    // Sparkplug: one edge node with a device per bench device, DDATA by alias after the births.
    const sparkplugIds = Object.fromEntries(devices.map((d, i) => [`bench/gw/d${i}`, d.id]));
    const config = BridgeConfig.parse({
      url: `mqtt://127.0.0.1:${port}`,
      clientId: 'bench-bridge',
      mappings: [format === 'sparkplug' ? { topic: 'spBv1.0/bench/#', payload: { format: 'sparkplug' }, deviceIds: sparkplugIds } : { topic: 'plant/+/telemetry', device: '{1}' }],
    });
    const byId = new Map(devices.map((d) => [d.id, { ...d, status: 'active' as const }]));
    const logger = createLogger({ level: 'warn' });
    // First connection creates the persistent session, then the bridge goes away while the plant publishes.
    const first = createBridge({ config, ingress: node.ingest, devices: inMemoryDevices(byId.values()), logger });
    await first.started();
    await first.close();
    const plant = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'bench-plant' });
    const names = Object.keys(reading(0).metrics);
    const message = (i: number): [string, Buffer] => {
      if (format === 'hourmeter') return [`plant/${devices[i % devices.length]!.id}/telemetry`, Buffer.from(JSON.stringify(reading(i)))];
      const r = reading(i);
      const metrics = names.map((n, a) => ({ alias: a + 1, type: typeof r.metrics[n as keyof typeof r.metrics] === 'boolean' ? 'Boolean' : 'Double', value: r.metrics[n as keyof typeof r.metrics] }));
      return [`spBv1.0/bench/DDATA/gw/d${i % devices.length}`, encodeSparkplug({ timestamp: r.ts, seq: (i + devices.length + 1) % 256, metrics } as Parameters<typeof encodeSparkplug>[0])];
    };
    if (format === 'sparkplug') {
      const birthMetrics = names.map((n, a) => ({ name: n, alias: a + 1, type: n === 'running' ? 'Boolean' : 'Double', value: n === 'running' ? true : 0 }));
      await plant.publishAsync('spBv1.0/bench/NBIRTH/gw', encodeSparkplug({ timestamp: Date.now(), seq: 0, metrics: [{ name: 'bdSeq', type: 'Int64', value: 0 }] }), { qos: 1 });
      for (let d = 0; d < devices.length; d++) {
        await plant.publishAsync(`spBv1.0/bench/DBIRTH/gw/d${d}`, encodeSparkplug({ timestamp: Date.now() - 1, seq: (d + 1) % 256, metrics: birthMetrics } as Parameters<typeof encodeSparkplug>[0]), { qos: 1 });
      }
    }
    for (let i = 0; i < messages; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, messages - i) }, (_, k) => plant.publishAsync(...message(i + k), { qos: 1 })));
    }
    await plant.endAsync();
    const start = Date.now();
    const bridge = createBridge({ config, ingress: node.ingest, devices: inMemoryDevices(byId.values()), logger });
    // Sparkplug births carry a reading each too.
    const expected = messages + (format === 'sparkplug' ? devices.length : 0);
    await waitFor('the queue drained into the store', () => node.ingest.health().store.readingsWritten >= expected, { timeoutMs: 600_000, intervalMs: 20 });
    const elapsed = (Date.now() - start) / 1000;
    const stored = node.ingest.health().store.readingsWritten;
    await bridge.close();
    return { rate: stored / elapsed, stored };
  } finally {
    broker.kill('SIGTERM');
    await node.close();
  }
}

/**
 * Sparkplug B edge nodes on Hourmeter's own broker: up to 50 devices connect
 * as edge nodes, publish an NBIRTH defining 8 metric aliases, then NDATA by
 * alias at QoS 1 (acknowledged once spooled), 500 in flight; readings/s
 * until the last is stored.
 */
export async function sparkplugBrokerIngest(devices: readonly BenchDevice[], messages: number): Promise<{ rate: number; stored: number }> {
  const node = await ingestNode();
  const byId = new Map(devices.map((d) => [d.id, { ...d, status: 'active' as const }]));
  const broker = await createBroker({ logger: createLogger({ level: 'warn' }), devices: inMemoryDevices(byId.values()), ingress: node.ingest, tcp: { port: 0, host: '127.0.0.1' } });
  const edges = devices.slice(0, 50);
  const clients = await Promise.all(edges.map((d) => mqtt.connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, { clientId: d.id, username: d.id, password: d.secret, reconnectPeriod: 0 })));
  try {
    const names = Object.keys(reading(0).metrics);
    const type = (n: string) => (n === 'running' ? 'Boolean' : 'Double');
    const seq = edges.map(() => 0);
    const start = Date.now();
    await Promise.all(
      clients.map((c, e) =>
        c.publishAsync(
          `spBv1.0/bench/NBIRTH/${edges[e]!.id}`,
          encodeSparkplug({ timestamp: Date.now(), seq: 0, metrics: [{ name: 'bdSeq', type: 'Int64', value: 0 }, ...names.map((n, a) => ({ name: n, alias: a + 1, type: type(n), value: n === 'running' ? true : 0 }))] } as Parameters<typeof encodeSparkplug>[0]),
          { qos: 1 },
        ),
      ),
    );
    for (let i = 0; i < messages; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, messages - i) }, (_, k) => {
          const e = (i + k) % edges.length;
          seq[e] = (seq[e]! + 1) % 256;
          const r = reading(i + k);
          const metrics = names.map((n, a) => ({ alias: a + 1, type: type(n), value: r.metrics[n as keyof typeof r.metrics] }));
          return clients[e]!.publishAsync(`spBv1.0/bench/NDATA/${edges[e]!.id}`, encodeSparkplug({ timestamp: r.ts, seq: seq[e], metrics } as Parameters<typeof encodeSparkplug>[0]), { qos: 1 });
        }),
      );
    }
    const expected = messages + edges.length;
    await waitFor('the readings in the store', () => node.ingest.health().store.readingsWritten >= expected, { timeoutMs: 600_000, intervalMs: 20 });
    const stored = node.ingest.health().store.readingsWritten;
    return { rate: stored / ((Date.now() - start) / 1000), stored };
  } finally {
    await Promise.all(clients.map((c) => c.endAsync()));
    await broker.close();
    await node.close();
  }
}
