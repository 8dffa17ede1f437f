/**
 * Load generator, run as its own process so its CPU does not count against
 * the broker under test: N devices, each its own MQTT connection, publish
 * readings of 8 metrics at QoS 1 with at most `window` unacknowledged each,
 * paced to `rate` readings/s in total (0: as fast as acknowledgements allow).
 * `ts` is the send time, so the receiving side measures publish-to-stored
 * latency on the same machine clock. Reports JSON lines on stdout.
 *
 * `--urls a,b` (instead of `--url`) is failover mode: each client reconnects
 * on failure, trying the URLs in turn, and mqtt.js resends its unacknowledged
 * QoS 1 publishes (same payload, so the same ts and seq) after reconnecting.
 * `--per-device` adds the acknowledged count of each device to the final report.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    devices: { type: 'string' }, // JSON file: [{ username, password }]
    rate: { type: 'string', default: '0' }, // total readings/s; 0 = as fast as acks allow
    seconds: { type: 'string', default: '10' },
    window: { type: 'string', default: '16' },
    urls: { type: 'string' }, // comma-separated: failover mode (see above)
    'per-device': { type: 'boolean', default: false },
  },
});

interface Credentials {
  username: string;
  password: string;
}

const devices = JSON.parse(readFileSync(values.devices!, 'utf8')) as Credentials[];
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const window = Number(values.window);
const METRICS = ['vibration_rms', 'bearing_temp_c', 'pressure_bar', 'flow_m3h', 'motor_current_a', 'rpm', 'load_pct', 'oil_temp_c'];

let sent = 0;
let acked = 0;
let errors = 0;
let reconnects = 0;
const ackedBy: number[] = devices.map(() => 0);
const failover = values.urls?.split(',').map((u) => new URL(u));

function reading(seq: number): string {
  const metrics: Record<string, number> = {};
  for (const [i, m] of METRICS.entries()) metrics[m] = Math.round((20 + i * 10 + Math.random() * 5) * 100) / 100;
  return JSON.stringify({ ts: Date.now(), seq, metrics });
}

async function connect(c: Credentials): Promise<MqttClient> {
  const options = {
    username: c.username,
    password: c.password,
    clientId: c.username,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 30_000,
  };
  const client = failover
    ? mqtt.connect({
        ...options,
        servers: failover.map((u) => ({ host: u.hostname, port: Number(u.port) })),
        reconnectPeriod: 250,
        connectTimeout: 5_000,
      })
    : mqtt.connect(values.url!, options);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  client.on('error', () => errors++);
  client.on('reconnect', () => reconnects++);
  return client;
}

/** Keeps up to `window` readings in flight, paced to `intervalMs` per device when rate-limited. */
function drive(client: MqttClient, index: number, deadline: number, intervalMs: number): Promise<void> {
  const topic = `hm/v1/${devices[index]!.username}/telemetry`;
  let seq = 0;
  let inFlight = 0;
  let next = Date.now() + (intervalMs * index) / devices.length;
  let timer: NodeJS.Timeout | undefined;
  return new Promise((resolve) => {
    const pump = (): void => {
      const now = Date.now();
      if (now >= deadline) {
        if (inFlight === 0) resolve();
        return;
      }
      while (inFlight < window && (intervalMs === 0 || next <= now)) {
        inFlight++;
        sent++;
        next += intervalMs;
        client.publish(topic, reading(seq++), { qos: 1 }, (err) => {
          inFlight--;
          if (err) errors++;
          else {
            acked++;
            ackedBy[index]!++;
          }
          pump();
        });
      }
      if (intervalMs > 0 && inFlight < window && !timer) {
        timer = setTimeout(() => {
          timer = undefined;
          pump();
        }, Math.max(1, Math.min(next, deadline) - now));
      }
    };
    pump();
  });
}

async function main(): Promise<void> {
  const clients: MqttClient[] = [];
  for (let i = 0; i < devices.length; i += 50) {
    clients.push(...(await Promise.all(devices.slice(i, i + 50).map(connect))));
  }
  process.stdout.write(`${JSON.stringify({ event: 'connected', devices: clients.length })}\n`);

  const deadline = Date.now() + seconds * 1000;
  const perDeviceInterval = rate > 0 ? (devices.length * 1000) / rate : 0;
  const progress = setInterval(() => process.stdout.write(`${JSON.stringify({ event: 'progress', sent, acked, errors, reconnects })}\n`), 1000);

  await Promise.all(clients.map((client, d) => drive(client, d, deadline, perDeviceInterval)));
  clearInterval(progress);
  const cpu = process.cpuUsage();
  process.stdout.write(
    `${JSON.stringify({
      event: 'done',
      sent,
      acked,
      errors,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      rssMb: process.memoryUsage().rss / 2 ** 20,
      ...(failover ? { reconnects } : {}),
      ...(values['per-device'] ? { perDevice: Object.fromEntries(devices.map((d, i) => [d.username, ackedBy[i]])) } : {}),
    })}\n`,
  );
  await Promise.all(clients.map((c) => c.endAsync()));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
