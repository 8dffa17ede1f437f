/**
 * One broker node of the cluster bench, run as its own process by
 * `bench/src/cluster.ts` (`node --import tsx node.ts ...`, with an IPC
 * channel): the real broker (device auth, ACLs), its ingest with a spool
 * directory of its own, writing to the shared InfluxDB 1.x store. With
 * `--redis` it joins the cluster; without, it is a single node.
 *
 * IPC: sends `{ event: 'ready', port }` once listening; answers
 * `{ cmd: 'drain' }` with `{ event: 'drained', ... }` after every spooled
 * reading is in the store, and `{ cmd: 'close' }` by closing and exiting.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createBroker } from '@hourmeter/broker';
import { createIngest } from '@hourmeter/ingest';
import { createLogger } from '@hourmeter/runtime';
import { createInfluxTelemetryStore } from '@hourmeter/telemetry-store';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    devices: { type: 'string' }, // JSON file: [{ id, assetId, secretHash }]
    spool: { type: 'string' },
    influx: { type: 'string' },
    database: { type: 'string' },
    redis: { type: 'string' },
    'node-id': { type: 'string', default: 'bench-node' },
  },
});

interface DeviceRecord {
  id: string;
  assetId: string;
  secretHash: string;
}

function send(msg: object): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  const logger = createLogger({ level: 'warn' });
  const records = JSON.parse(readFileSync(values.devices!, 'utf8')) as DeviceRecord[];
  const byId = new Map(records.map((d) => [d.id, { ...d, status: 'active' as const }]));
  const store = createInfluxTelemetryStore({ url: values.influx!, version: 1, database: values.database! });
  const started = Date.now();
  const ingest = await createIngest({ logger, store, config: { spoolDir: values.spool! } });
  // Readings replayed from the spool of a previous life are pending at start.
  const replaying = ingest.health().spool.pendingReadings;
  const broker = await createBroker({
    logger,
    devices: { findForAuth: async (id) => byId.get(id) },
    ingress: ingest,
    tcp: { port: Number(values.port), host: '127.0.0.1' },
    ...(values.redis ? { cluster: { redisUrl: values.redis, nodeId: values['node-id'] } } : {}),
  });
  send({ event: 'ready', port: broker.tcpPort, replaying, startMs: Date.now() - started });

  process.on('message', (msg: { cmd: string }) => {
    void (async () => {
      if (msg.cmd === 'drain') {
        const t0 = Date.now();
        await ingest.drained(300_000);
        const h = ingest.health();
        send({ event: 'drained', drainMs: Date.now() - t0, totals: h.totals, store: h.store, cpu: process.cpuUsage(), rssMb: process.memoryUsage().rss / 2 ** 20 });
      } else if (msg.cmd === 'close') {
        await broker.close();
        await ingest.close();
        await store.close();
        process.exit(0);
      }
    })().catch((err: unknown) => {
      process.stderr.write(`node ${values['node-id']}: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`node ${values['node-id']}: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
