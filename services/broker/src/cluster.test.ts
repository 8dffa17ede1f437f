import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { IngressOutcome, TelemetryIngress, TelemetryMessage } from '@hourmeter/messages';
import { createLogger, hashSecret, newSecret } from '@hourmeter/runtime';
import { suiteTitle, waitFor } from '@hourmeter/testkit';
import { Redis } from 'ioredis';
import { connect as mqttConnect, connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { brokerIdFor } from './cluster.js';
import { guardDispatchDepth } from './stack-safe-mq.js';
import { type Broker, createBroker, inMemoryDevices } from './index.js';

const redisUrl = inject('redisUrl');
const logger = createLogger({ level: 'silent' });

class RecordingIngress implements TelemetryIngress {
  readonly messages: TelemetryMessage[] = [];
  async accept(m: TelemetryMessage): Promise<IngressOutcome> {
    this.messages.push(m);
    return { status: 'accepted', accepted: 1, duplicates: 0, rejections: [] };
  }
}

// Unique per run: the suite's sessions and queues stay in the shared Redis.
const run = randomBytes(3).toString('hex');
const device = (name: string) => {
  const id = `dev_${name}_${run}`;
  const secret = newSecret();
  return { id, assetId: `ast_${id}`, secret, secretHash: hashSecret(secret), status: 'active' };
};
const dev1 = device('one');
const dev2 = device('two');
const dev3 = device('three');
const svc = { username: 'svc-workorders', secret: newSecret(), publish: ['hm/v1/+/commands'], subscribe: ['hm/v1/+/errors'] };
const byId = new Map([dev1, dev2, dev3].map((d) => [d.id, d]));

const clients: MqttClient[] = [];
async function connect(node: Broker, opts: IClientOptions): Promise<MqttClient> {
  const c = await connectAsync(`mqtt://127.0.0.1:${node.tcpPort}`, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
  clients.push(c);
  return c;
}
const asDevice = (node: Broker, d: { id: string; secret: string }, opts: IClientOptions = {}) =>
  connect(node, { clientId: d.id, username: d.id, password: d.secret, ...opts });

async function granted(c: MqttClient, topics: string[]): Promise<number[]> {
  try {
    return (await c.subscribeAsync(topics, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    return (err as { packet: { granted: number[] } }).packet.granted;
  }
}

function collect(c: MqttClient): string[] {
  const got: string[] = [];
  c.on('message', (_t, p) => got.push(p.toString()));
  return got;
}

describe.skipIf(!redisUrl)(suiteTitle('broker cluster through redis', !redisUrl, "install Debian's `redis-server` package"), () => {
  const ingressA = new RecordingIngress();
  const ingressB = new RecordingIngress();
  let a: Broker;
  let b: Broker;

  const node = (nodeId: string, ingress: TelemetryIngress) =>
    createBroker({
      logger,
      devices: inMemoryDevices(byId.values()),
      ingress,
      services: [svc],
      tcp: { port: 0 },
      cluster: { redisUrl, nodeId },
    });

  beforeAll(async () => {
    [a, b] = await Promise.all([node('node-a', ingressA), node('node-b', ingressB)]);
  });

  afterAll(async () => {
    for (const c of clients) c.end(true);
    await Promise.all([a?.close(), b?.close()]);
  });

  it('gives every node its own broker id', () => {
    expect(a.brokerId).toMatch(/^node-a_[0-9a-f]{8}$/);
    expect(b.brokerId).toMatch(/^node-b_[0-9a-f]{8}$/);
    expect(brokerIdFor('node-a')).not.toBe(brokerIdFor('node-a'));
    expect(() => brokerIdFor('a:b')).toThrow(/invalid cluster nodeId/);
    expect(a.clusterHealthy() && b.clusterHealthy()).toBe(true);
  });

  it('delivers a command published on node B to a device connected to node A', async () => {
    const d = await asDevice(a, dev1);
    await d.subscribeAsync(`hm/v1/${dev1.id}/commands`, { qos: 1 });
    const got = collect(d);
    await b.publishCommand(dev1.id, { op: 'reboot' });
    await waitFor('command on node A', () => got.length === 1);
    expect(JSON.parse(got[0]!)).toEqual({ op: 'reboot' });

    // A service client on node B reaches it too.
    const s = await connect(b, { clientId: `${svc.username}-b`, username: svc.username, password: svc.secret });
    await s.publishAsync(`hm/v1/${dev1.id}/commands`, 'calibrate', { qos: 1 });
    await waitFor('service command on node A', () => got.length === 2);
    expect(got[1]).toBe('calibrate');
    d.end(true);
    s.end(true);
  });

  it('hands telemetry to the ingest of the node the device is connected to, and only that one', async () => {
    const beforeA = ingressA.messages.length;
    const beforeB = ingressB.messages.length;
    const d = await asDevice(b, dev2);
    await d.publishAsync(`hm/v1/${dev2.id}/telemetry`, '{"ts":1,"metrics":{"a":1}}', { qos: 1 });
    // The PUBACK came after ingest accepted (authorizePublish), so no waiting is needed.
    expect(ingressB.messages.length).toBe(beforeB + 1);
    expect(ingressB.messages.at(-1)).toMatchObject({ deviceId: dev2.id, qos: 1 });
    expect(ingressA.messages.length).toBe(beforeA);
    d.end(true);
  });

  it('does not broadcast ingested telemetry to the other nodes (no Redis PUBLISH per reading)', async () => {
    // mqemitter-redis publishes each message on a Redis channel named after its topic.
    const probe = new Redis(redisUrl);
    const seen: string[] = [];
    probe.on('pmessage', (_pattern, channel) => seen.push(channel));
    await probe.psubscribe(`hm/v1/${dev2.id}/*`);
    try {
      const d = await asDevice(b, dev2);
      await d.publishAsync(`hm/v1/${dev2.id}/telemetry`, '{"ts":2,"metrics":{"a":2}}', { qos: 1 });
      // A command from the same node takes the same Redis connection, so it
      // arrives after the telemetry would have.
      await b.publishCommand(dev2.id, 'after-telemetry');
      await waitFor('the command on the probe', () => seen.includes(`hm/v1/${dev2.id}/commands`));
      expect(seen).toEqual([`hm/v1/${dev2.id}/commands`]);
      expect(ingressB.messages.at(-1)?.payload.toString()).toBe('{"ts":2,"metrics":{"a":2}}');
      d.end(true);
    } finally {
      probe.disconnect();
    }
  });

  it('keeps a QoS 1 session across nodes: commands queued while offline arrive after reconnecting to the other node', async () => {
    const first = await asDevice(a, dev3, { clean: false });
    await first.subscribeAsync(`hm/v1/${dev3.id}/commands`, { qos: 1 });
    await first.endAsync();
    await waitFor('dev3 offline on A', () => a.connections.get(dev3.id)?.online === false);

    await a.publishCommand(dev3.id, 'queued-1');
    await a.publishCommand(dev3.id, 'queued-2');
    await b.publishCommand(dev3.id, 'queued-3');

    // Listen before the CONNACK: the queued messages follow it at once.
    const again = mqttConnect(`mqtt://127.0.0.1:${b.tcpPort}`, {
      clientId: dev3.id,
      username: dev3.id,
      password: dev3.secret,
      clean: false,
      reconnectPeriod: 0,
    });
    clients.push(again);
    const got = collect(again);
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      again.once('connect', resolve);
      again.once('error', reject);
    });
    expect(connack.sessionPresent).toBe(true);
    await waitFor('queued commands on node B', () => got.length >= 3);
    expect(got).toEqual(['queued-1', 'queued-2', 'queued-3']);

    // The subscription came back with the session: a new command from A arrives on B.
    await a.publishCommand(dev3.id, 'live');
    await waitFor('live command on node B', () => got.length === 4);
    expect(got[3]).toBe('live');
    // Acknowledged messages are not redelivered on the next reconnect.
    await again.endAsync();
    const third = await asDevice(a, dev3, { clean: false });
    const later = collect(third);
    await b.publishCommand(dev3.id, 'after');
    await waitFor('command after the second move', () => later.includes('after'));
    expect(later).toEqual(['after']);
    third.end(true);
  });

  it('takes a session over from the other node: the older connection is closed', async () => {
    const onA = await asDevice(a, dev2, { clean: false });
    await onA.subscribeAsync(`hm/v1/${dev2.id}/commands`, { qos: 1 });
    const closedOnA = new Promise<void>((r) => onA.once('close', () => r()));
    const onB = await asDevice(b, dev2, { clean: false });
    await closedOnA;
    await waitFor('A lets go of dev2', () => a.connections.get(dev2.id)?.online === false);
    const got = collect(onB);
    await a.publishCommand(dev2.id, 'to-the-new-connection');
    await waitFor('command on the new connection', () => got.length === 1);
    expect(got).toEqual(['to-the-new-connection']);
    onB.end(true);
  });

  it.each([
    ['A', () => a],
    ['B', () => b],
  ])('applies authentication and ACLs on node %s', async (_name, nodeOf) => {
    const n = nodeOf();
    await expect(connect(n, { clientId: 'dev_nobody', username: 'dev_nobody', password: 'x' })).rejects.toThrow(/Bad username or password/);
    await expect(connect(n, { clientId: dev1.id, username: dev1.id, password: newSecret() })).rejects.toThrow(/Bad username or password/);
    await expect(connect(n, { clientId: dev2.id, username: dev1.id, password: dev1.secret })).rejects.toThrow(/Identifier rejected/);

    const d = await asDevice(n, dev1);
    expect(await granted(d, [`hm/v1/${dev1.id}/commands`, `hm/v1/${dev2.id}/commands`, 'hm/v1/+/commands', '#'])).toEqual([1, 128, 128, 128]);
    const closed = new Promise<void>((r) => d.once('close', () => r()));
    d.publish(`hm/v1/${dev2.id}/telemetry`, '{}', { qos: 1 });
    await closed;
    expect(n.deviceSecurity(dev1.id).deniedPublishes).toBeGreaterThanOrEqual(1);

    const s = await connect(n, { clientId: `${svc.username}-acl`, username: svc.username, password: svc.secret });
    expect(await granted(s, ['hm/v1/+/errors', 'hm/v1/+/telemetry'])).toEqual([1, 128]);
    s.end(true);
  });

  it('keeps serving after a subscriber with messages pending from the other node disconnects', async () => {
    const slow = await asDevice(a, dev1);
    await slow.subscribeAsync(`hm/v1/${dev1.id}/commands`, { qos: 0 });
    (slow.stream as unknown as { pause(): void }).pause();
    const payload = Buffer.alloc(4096, 0x61);
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 2000; i++) sends.push(b.publishCommand(dev1.id, payload, { qos: 0 }).catch(() => undefined));
    await Promise.all(sends);
    slow.stream.destroy();
    await waitFor('slow subscriber gone', () => a.connections.get(dev1.id)?.online === false);

    const d = await asDevice(a, dev1);
    await d.subscribeAsync(`hm/v1/${dev1.id}/commands`, { qos: 1 });
    const got = collect(d);
    await b.publishCommand(dev1.id, 'still-serving');
    await waitFor('node A still delivers', () => got.includes('still-serving'), { timeoutMs: 20_000 });
    d.end(true);
  });

  it('keeps the local dispatch of mqemitter-redis stack-safe when a held-up backlog is released at once', async () => {
    const MQEmitterRedis = createRequire(import.meta.url)('mqemitter-redis') as (o: object) => {
      current: number;
      length: number;
      _do(m: unknown, cb: unknown): unknown;
      on(topic: string, fn: (m: unknown, done: () => void) => void, cb?: () => void): void;
      emit(m: object, cb?: (err?: Error) => void): void;
      close(cb: () => void): void;
    };
    const mq = guardDispatchDepth(MQEmitterRedis({ connectionString: redisUrl, concurrency: 100 }));
    try {
      const held: (() => void)[] = [];
      let hold = true;
      let delivered = 0;
      await new Promise<void>((r) =>
        mq.on(`stack/${run}`, (_m, done) => {
          delivered++;
          if (hold) held.push(done);
          else done(); // what aedes does for a client that has gone
        }, r),
      );
      const total = 20_000;
      for (let i = 0; i < total; i++) mq.emit({ topic: `stack/${run}`, i });
      // 100 in flight, the rest queued behind them, as behind a subscriber that stopped reading.
      await waitFor('backlog queued', () => mq.length === total - 100, { timeoutMs: 20_000 });
      hold = false;
      // Releasing the 100 runs the whole queue; unguarded this recursed once per message.
      expect(() => held.splice(0).forEach((done) => done())).not.toThrow();
      await waitFor('backlog delivered', () => delivered === total);
    } finally {
      await new Promise<void>((r) => mq.close(r));
    }
  });

  it('refuses to start when redis does not answer, naming the URL without its password', async () => {
    const dead = `redis://:hunter2@127.0.0.1:1`;
    await expect(
      createBroker({
        logger,
        devices: inMemoryDevices([]),
        ingress: new RecordingIngress(),
        tcp: false,
        cluster: { redisUrl: dead, nodeId: 'node-x', connectTimeoutMs: 1_000 },
      }),
    ).rejects.toThrow(/cannot connect to redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
  });

  it('stores sessions in redis, not in the node', async () => {
    const r = new Redis(redisUrl);
    try {
      expect(await r.sismember('clients', dev3.id)).toBe(1);
    } finally {
      r.disconnect();
    }
  });
});
