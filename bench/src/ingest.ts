/**
 * `npm run bench -- ingest [--devices 200] [--seconds 15] [--window 32]`
 *
 * The same load (a separate publisher process: N devices, each its own MQTT
 * connection, readings of 8 metrics at QoS 1) goes through:
 *   1. the reference: plain aedes with one wildcard subscriber, no ingest;
 *   2. Hourmeter: the real broker (device auth, topic ACLs, validation),
 *      ingest (durable spool, batching) and the embedded DuckDB store, at max rate;
 *   3. Hourmeter again at half that rate, for latency;
 *   4. HTTP ingest (POST /api/v1/telemetry), 5. the bridge from Debian's
 *      mosquitto and 6. Sparkplug B through it, into the same ingest and store.
 * Prints readings/s stored, p50/p99 publish-to-stored latency, RSS, bytes on
 * disk per stored value, and ends with the ratio line scripts read. Both
 * rates run from the first publish (every device connected) to the moment
 * the last acknowledged reading arrived (delivered, or in the store), so the
 * load generator's start-up counts against neither.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBroker, inMemoryDevices } from '@hourmeter/broker';
import { newId } from '@hourmeter/domain';
import { createIngest } from '@hourmeter/ingest';
import { createLogger, hashSecret, newSecret } from '@hourmeter/runtime';
import { createDuckDbTelemetryStore, type StoredReading, type TelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir } from '@hourmeter/testkit';
import type * as AedesModule from 'aedes';
import mqtt from 'mqtt';
import { bridgeIngest, httpIngest, sparkplugBrokerIngest } from './ingest-integrations.js';
import { LatencyRecorder } from './latency.js';
import { parseLoadArgs } from './load/args.js';

const METRICS_PER_READING = 8;
const PUBLISHER = new URL('./load/publisher.ts', import.meta.url).pathname;

interface PublisherResult {
  /** When the publisher had every device connected and began publishing (this process's clock). */
  connectedAt: number;
  sent: number;
  acked: number;
  errors: number;
  cpuSeconds: number;
  rssMb: number;
}

/** Runs the load generator; resolves with its final report. */
function runPublisher(url: string, devicesFile: string, opts: { rate: number; seconds: number; window: number }): Promise<PublisherResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', PUBLISHER, '--url', url, '--devices', devicesFile, '--rate', String(opts.rate), '--seconds', String(opts.seconds), '--window', String(opts.window)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let done: PublisherResult | undefined;
    let connectedAt: number | undefined;
    let buffer = '';
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, nl)) as { event: string } & PublisherResult;
        buffer = buffer.slice(nl + 1);
        if (line.event === 'progress') process.stderr.write(`\r  sent ${line.sent}  acked ${line.acked}  errors ${line.errors}   `);
        if (line.event === 'connected') connectedAt = Date.now();
        if (line.event === 'done') done = line;
      }
    });
    child.on('exit', (code) => {
      process.stderr.write('\n');
      if (code === 0 && done && connectedAt !== undefined) resolve({ ...done, connectedAt });
      else reject(new Error(`publisher exited with ${code}`));
    });
  });
}

/** Samples this process's RSS every 250 ms; `peak` is the largest seen. */
function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 250);
  return { stop: () => (clearInterval(timer), peak / 2 ** 20) };
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name));
    total += st.isDirectory() ? dirBytes(join(dir, name)) : st.size;
  }
  return total;
}

/** Phase 1: plain aedes, one wildcard QoS 1 subscriber, no ingest. */
async function passThrough(devicesFile: string, count: number, opts: { seconds: number; window: number }) {
  // aedes 1.2 has no default export; its factory comes through require (ENVIRONMENT.md).
  const { Aedes } = createRequire(import.meta.url)('aedes') as typeof AedesModule;
  const aedes = await Aedes.createBroker();
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const latency = new LatencyRecorder();
  let received = 0;
  let lastReceivedAt = 0;
  const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'bench-subscriber', clean: true });
  sub.on('message', (_topic, payload) => {
    received++;
    lastReceivedAt = Date.now();
    latency.record(Date.now() - (JSON.parse(payload.toString()) as { ts: number }).ts);
  });
  await sub.subscribeAsync('hm/v1/+/telemetry', { qos: 1 });
  const rss = rssSampler();
  const result = await runPublisher(`mqtt://127.0.0.1:${port}`, devicesFile, { rate: 0, ...opts });
  const deadline = Date.now() + 30_000;
  while (received < result.acked && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const elapsed = Math.max(1, lastReceivedAt - result.connectedAt) / 1000;
  await sub.endAsync();
  await new Promise<void>((r) => aedes.close(() => r()));
  server.close();
  return { rate: received / elapsed, received, result, rssMb: rss.stop(), latency, devices: count };
}

/** Phases 2 and 3: broker + ingest + DuckDB, measuring when each reading is in the store. */
async function hourmeter(
  devices: { id: string; assetId: string; secretHash: string }[],
  devicesFile: string,
  opts: { rate: number; seconds: number; window: number },
) {
  const dir = tempDir('hm-bench-ingest-');
  const logger = createLogger({ level: 'warn' });
  const inner = await createDuckDbTelemetryStore({ dataDir: join(dir.path, 'store') });
  const latency = new LatencyRecorder();
  let stored = 0;
  let lastStoredAt = 0;
  // Measures, then delegates: the real store does all the work.
  const store: TelemetryStore = {
    ...inner,
    writeBatch: async (readings: readonly StoredReading[]) => {
      await inner.writeBatch(readings);
      const now = Date.now();
      for (const r of readings) latency.record(now - r.ts);
      stored += readings.length;
      lastStoredAt = now;
    },
    queryRange: (q) => inner.queryRange(q),
    latest: (a, m) => inner.latest(a, m),
    deleteBefore: (b) => inner.deleteBefore(b),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  const ingest = await createIngest({ logger, store, config: { spoolDir: join(dir.path, 'spool') } });
  const byId = new Map(devices.map((d) => [d.id, { ...d, status: 'active' as const }]));
  const broker = await createBroker({ logger, devices: inMemoryDevices(byId.values()), ingress: ingest, tcp: { port: 0, host: '127.0.0.1' } });
  const rss = rssSampler();
  const cpuBefore = process.cpuUsage();
  const result = await runPublisher(`mqtt://127.0.0.1:${broker.tcpPort}`, devicesFile, opts);
  await ingest.drained(120_000);
  const cpu = process.cpuUsage(cpuBefore);
  const elapsed = Math.max(1, lastStoredAt - result.connectedAt) / 1000;
  const health = ingest.health();
  const { store: writes } = health;
  const peakRss = rss.stop();
  await broker.close();
  await ingest.close();
  await store.close();
  const bytes = dirBytes(join(dir.path, 'store'));
  dir.cleanup();
  if (stored !== result.acked) {
    // Every acknowledged reading must reach the store: say so loudly if not.
    console.log(
      `  WARNING: ${result.acked} readings acknowledged but ${stored} stored; ingest counters ${JSON.stringify(health.totals)}, ` +
        `store writes ${JSON.stringify(health.store)}, spool ${JSON.stringify(health.spool)}`,
    );
  }
  return {
    rate: stored / elapsed,
    stored,
    result,
    rssMb: peakRss,
    latency,
    bytesPerValue: bytes / (stored * METRICS_PER_READING),
    maxWriteMs: writes.maxWriteMs ?? 0,
    // All threads of this process (main, GC helpers, DuckDB, libuv) per 10,000 readings.
    cpuSecondsPer10k: stored === 0 ? 0 : ((cpu.user + cpu.system) / 1e6) * (10_000 / stored),
  };
}

export async function run(args: string[]): Promise<void> {
  const { devices: count, seconds, window } = parseLoadArgs(args);
  const work = tempDir('hm-bench-devices-');
  const devices = Array.from({ length: count }, () => {
    const secret = newSecret();
    return { id: newId('device'), assetId: newId('asset'), secret, secretHash: hashSecret(secret) };
  });
  const devicesFile = join(work.path, 'devices.json');
  writeFileSync(devicesFile, JSON.stringify(devices.map((d) => ({ username: d.id, password: d.secret }))));

  console.log(`ingest bench: ${count} devices, ${METRICS_PER_READING} metrics per reading, QoS 1, window ${window}, ${seconds} s per phase`);
  console.log('1/3 reference: aedes pass-through, no ingest');
  const ref = await passThrough(devicesFile, count, { seconds, window });
  console.log(`  ${Math.round(ref.rate)} msg/s delivered, p50 ${ref.latency.p(50)} ms, p99 ${ref.latency.p(99)} ms, RSS ${ref.rssMb.toFixed(0)} MB`);

  console.log('2/3 hourmeter: broker + ingest + DuckDB at max rate');
  const max = await hourmeter(devices, devicesFile, { rate: 0, seconds, window });
  console.log(
    `  ${Math.round(max.rate)} readings/s stored (${max.stored} of ${max.result.acked} acked), p50 ${max.latency.p(50)} ms, p99 ${max.latency.p(99)} ms, ` +
      `peak RSS ${max.rssMb.toFixed(0)} MB, ${max.bytesPerValue.toFixed(2)} bytes/value on disk, slowest store write ${Math.round(max.maxWriteMs)} ms, ` +
      `CPU ${max.cpuSecondsPer10k.toFixed(2)} s per 10,000 readings, publisher CPU ${max.result.cpuSeconds.toFixed(1)} s`,
  );

  const half = Math.round(max.rate / 2);
  console.log(`3/3 hourmeter at half the max rate (${half} readings/s) for latency`);
  const paced = await hourmeter(devices, devicesFile, { rate: half, seconds, window });
  console.log(`  ${Math.round(paced.rate)} readings/s stored, p50 ${paced.latency.p(50)} ms, p99 ${paced.latency.p(99)} ms, peak RSS ${paced.rssMb.toFixed(0)} MB`);

  // Other ways in, through the same ingest (spool, DuckDB), measured in the same run.
  console.log('4/7 HTTP ingest: POST /api/v1/telemetry, one reading per request, 32 concurrent');
  const http = await httpIngest(devices, Math.max(2000, Math.round(max.rate * 3)));
  console.log(`  http: ${Math.round(http.rate)} readings/s stored (${http.stored} readings; MQTT above: ${Math.round(max.rate)})`);
  console.log('5/7 bridge: a queue in Debian mosquitto drained through the bridge (persistent session, PUBACK after the spool)');
  const bridged = await bridgeIngest(devices, 3000);
  console.log(bridged ? `  bridge: ${Math.round(bridged.rate)} readings/s stored (${bridged.stored} readings)` : '  bridge: skipped (install the Debian package `mosquitto`)');
  console.log('6/7 sparkplug: DDATA by alias (8 metrics) queued in mosquitto, drained through the bridge');
  const sparkplug = await bridgeIngest(devices, 3000, 'sparkplug');
  console.log(sparkplug ? `  sparkplug: ${Math.round(sparkplug.rate)} readings/s stored (${sparkplug.stored} readings)` : '  sparkplug: skipped (install the Debian package `mosquitto`)');
  console.log('7/7 sparkplug-broker: edge nodes on Hourmeter\'s broker, NDATA by alias (8 metrics), QoS 1');
  const ownBroker = await sparkplugBrokerIngest(devices, Math.max(3000, Math.round(max.rate * 3)));
  console.log(`  sparkplug-broker: ${Math.round(ownBroker.rate)} readings/s stored (${ownBroker.stored} readings)`);

  work.cleanup();
  const ratio = max.rate / ref.rate;
  console.log(`ingest: ${Math.round(max.rate)} readings/s stored, ratio ${ratio.toFixed(2)} vs broker pass-through`);
}
