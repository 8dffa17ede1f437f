/**
 * A broker + ingest + DuckDB node in its own process, for the kill -9 test.
 * Usage: tsx broker-ingest-node.ts '<json config>'. Prints `READY <port>` once
 * listening. SIGTERM drains the spool into the store, closes it and exits 0.
 */
import { createBroker, inMemoryDevices } from '@hourmeter/broker';
import { createLogger } from '@hourmeter/runtime';
import { createDuckDbTelemetryStore } from '@hourmeter/telemetry-store';
import { createIngest } from '../ingest.js';

interface NodeConfig {
  spoolDir: string;
  storeDir: string;
  devices: { id: string; assetId: string; secretHash: string }[];
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as NodeConfig;
const logger = createLogger({ level: 'warn', destination: process.stderr });
const store = await createDuckDbTelemetryStore({ dataDir: cfg.storeDir, threads: 1 });
const ingest = await createIngest({
  logger,
  store,
  config: { spoolDir: cfg.spoolDir, fsync: 'group', fsyncIntervalMs: 2, batchSize: 200, flushIntervalMs: 20 },
});
const devices = new Map(cfg.devices.map((d) => [d.id, { ...d, status: 'active' as const }]));
const broker = await createBroker({
  logger,
  devices: inMemoryDevices(devices.values()),
  ingress: ingest,
  tcp: { port: 0 },
});
// The handler goes in before READY: the test may send SIGTERM as soon as it reads that line.
process.once('SIGTERM', () => {
  void (async () => {
    await broker.close();
    await ingest.drained(60_000);
    await ingest.close();
    await store.close();
    process.stdout.write(`CLOSED ${JSON.stringify(ingest.health().store.readingsWritten)}\n`);
    process.exit(0);
  })();
});
process.stdout.write(`READY ${broker.tcpPort}\n`);
