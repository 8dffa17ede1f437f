/**
 * A plain aedes broker without authentication, for load runs of the
 * simulator when the platform's broker is not wanted:
 *   tsx simulators/common/src/cli/plain-broker.ts [port]   (default 1883)
 * Prints connected clients, received PUBLISHes per second and its own CPU/RSS.
 */
import { startTestBroker } from '../testing.js';
import { usageMeter } from '../process-usage.js';

const port = Number(process.argv[2] ?? 1883);
const b = await startTestBroker({ port });
const meter = usageMeter();
let received = 0;
let last = 0;
b.broker.on('publish', (_packet, client) => {
  if (client) received++;
});
console.error(`plain aedes broker on ${b.url} (no auth)`);
setInterval(() => {
  const u = meter.read();
  console.error(
    `clients ${b.broker.connectedClients} | publishes ${received} (${((received - last) / 5).toFixed(0)}/s) | broker cpu ${u.cpuPercent.toFixed(0)}% rss ${(u.rssBytes / 1_048_576).toFixed(0)}MB`,
  );
  last = received;
}, 5000);
const shutdown = () => void b.close().then(() => process.exit(0));
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
