import { randomBytes } from 'node:crypto';
import { createLogger, newSecret } from '@hourmeter/runtime';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { suiteTitle } from '@hourmeter/testkit';
import { type Broker, createBroker, inMemoryDevices } from './index.js';

const redisUrl = inject('redisUrl');
// Unique per run: sessions stay in the shared Redis.
const run = randomBytes(3).toString('hex');
const TOPIC = `hm/v1/partitions/${run}/telemetry`;
const service = { username: 'hm-ingest', secret: newSecret(), publish: [], subscribe: [TOPIC] };

describe.skipIf(!redisUrl)(suiteTitle('resuming a persistent session while its topic is busy (two nodes through Redis)', !redisUrl, "install Debian's `redis-server`"), () => {
  let a: Broker;
  let b: Broker;
  const node = (nodeId: string) =>
    createBroker({
      logger: createLogger({ level: 'silent' }),
      devices: inMemoryDevices([]),
      ingress: { accept: async () => ({ status: 'accepted', accepted: 0, duplicates: 0, rejections: [] }) },
      services: [service],
      tcp: { port: 0, host: '127.0.0.1' },
      cluster: { redisUrl, nodeId },
    });
  beforeAll(async () => {
    [a, b] = await Promise.all([node('connack-a'), node('connack-b')]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('sends the CONNACK before any message of the session, so the client connects', async () => {
    const options = { username: service.username, password: service.secret, clientId: `hm-ingest-${run}`, clean: false, reconnectPeriod: 0 };
    const first = await connectAsync(`mqtt://127.0.0.1:${b.tcpPort}`, options);
    await first.subscribeAsync(TOPIC, { qos: 1 });
    await first.endAsync();

    // A steady stream into the session's topic from the other node, as a partition under load gets.
    let publishing = true;
    const stream = (async () => {
      while (publishing) {
        await a.publish(TOPIC, '[]', { qos: 1 });
        // Yield to I/O and timers between publishes, as traffic from sockets does.
        await new Promise((r) => setImmediate(r));
      }
    })();
    let connected = 0;
    try {
      // aedes restores the session's subscription before it writes the CONNACK; a
      // message arriving in between was written first, mqtt.js then never got to
      // the CONNACK behind it (MQTT-3.2.0-1) and timed out. Each resume must connect.
      for (let i = 0; i < 20; i++) {
        const c = await connectAsync(`mqtt://127.0.0.1:${b.tcpPort}`, { ...options, connectTimeout: 3_000 });
        connected++;
        await new Promise<void>((resolve) => c.once('message', () => resolve()));
        await c.endAsync();
      }
    } finally {
      publishing = false;
      await stream;
    }
    expect(connected).toBe(20);
  }, 90_000);
});
