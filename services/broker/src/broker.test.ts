import { connect as tcpConnect } from 'node:net';
import type { IngressOutcome, TelemetryIngress, TelemetryMessage } from '@hourmeter/messages';
import { createLogger, hashSecret, newSecret } from '@hourmeter/runtime';
import { waitFor } from '@hourmeter/testkit';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, createBroker, inMemoryDevices } from './index.js';

const logger = createLogger({ level: 'silent' });

/** The ingress seam recorded: these tests are about the broker's security, not ingest. */
class RecordingIngress implements TelemetryIngress {
  readonly messages: TelemetryMessage[] = [];
  async accept(m: TelemetryMessage): Promise<IngressOutcome> {
    this.messages.push(m);
    return { status: 'accepted', accepted: 1, duplicates: 0, rejections: [] };
  }
}

const device = (id: string, status = 'active') => {
  const secret = newSecret();
  return { id, assetId: `ast_${id}`, secret, secretHash: hashSecret(secret), status };
};
const dev1 = device('dev_one');
const dev2 = device('dev_two');
const revoked = device('dev_gone', 'revoked');
// Their records change during the tests (revoked, re-keyed).
const dev3 = device('dev_three');
const dev4 = device('dev_four');
const svc = { username: 'svc-workorders', secret: newSecret(), publish: ['hm/v1/+/commands'], subscribe: ['hm/v1/+/errors'] };

let broker: Broker;
const ingress = new RecordingIngress();
const clients: MqttClient[] = [];

function url(port = broker.tcpPort) {
  return `mqtt://127.0.0.1:${port}`;
}

async function connect(opts: IClientOptions, u = url()): Promise<MqttClient> {
  const c = await connectAsync(u, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
  clients.push(c);
  return c;
}

/** SUBACK return codes; mqtt.js rejects when any is 0x80, with the packet attached. */
async function granted(c: MqttClient, topics: string[]): Promise<number[]> {
  try {
    return (await c.subscribeAsync(topics)).map((g) => g.qos);
  } catch (err) {
    return ((err as { packet: { granted: number[] } }).packet.granted);
  }
}

const closedOf = (c: MqttClient) => new Promise<void>((r) => c.once('close', () => r()));

const asDevice = (d: { id: string; secret: string }) => connect({ clientId: d.id, username: d.id, password: d.secret });

beforeAll(async () => {
  const byId = new Map([dev1, dev2, revoked, dev3, dev4].map((d) => [d.id, d]));
  broker = await createBroker({
    logger,
    devices: inMemoryDevices(byId.values()),
    ingress,
    services: [svc],
    tcp: { port: 0 },
    ws: { port: 0 },
    authThrottle: { baseDelayMs: 60, maxDelayMs: 500 },
    credentialRecheckMs: 100,
  });
});

afterAll(async () => {
  for (const c of clients) c.end(true);
  await broker.close();
});

describe('authentication', () => {
  it('refuses an unknown device, a wrong secret and a revoked device', async () => {
    await expect(connect({ clientId: 'dev_nobody', username: 'dev_nobody', password: 'x' })).rejects.toThrow(/Bad username or password/);
    await expect(connect({ clientId: dev1.id, username: dev1.id, password: newSecret() })).rejects.toThrow(/Bad username or password/);
    await expect(connect({ clientId: revoked.id, username: revoked.id, password: revoked.secret })).rejects.toThrow(/Not authorized/);
    await expect(connect({ clientId: dev1.id })).rejects.toThrow(/Bad username or password/);
    const s = broker.stats();
    expect(s.authFailures.unknown_device).toBeGreaterThanOrEqual(1);
    expect(s.authFailures.bad_secret).toBeGreaterThanOrEqual(1);
    expect(s.authFailures.not_active).toBe(1);
  });

  it('lets a device in over MQTT 3.1 (whose client ids were once bounded to 23 characters)', async () => {
    const c = await connect({ clientId: dev2.id, username: dev2.id, password: dev2.secret, protocolId: 'MQIsdp', protocolVersion: 3 });
    expect(c.connected).toBe(true);
    c.end(true);
  });

  it('refuses a device whose client id is not its device id (it could take over another session)', async () => {
    await expect(connect({ clientId: dev2.id, username: dev1.id, password: dev1.secret })).rejects.toThrow(/Identifier rejected/);
  });

  it('slows down repeated failures of one username from one address', async () => {
    const before = broker.stats().authDelayedAttempts;
    const started = Date.now();
    // The first failure is checked at once; the next three wait 60, 120, 240 ms.
    for (let i = 0; i < 4; i++) {
      await expect(connect({ clientId: 'dev_x', username: 'dev_x', password: 'guess' })).rejects.toThrow();
    }
    expect(broker.stats().authDelayedAttempts - before).toBeGreaterThanOrEqual(3);
    // At least 60 + 120 + 240 ms of delay on top of whatever the earlier tests accrued.
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    // Another device on the same address is not delayed by them.
    const delayed = broker.stats().authDelayedAttempts;
    await asDevice(dev2);
    expect(broker.stats().authDelayedAttempts).toBe(delayed);
  });
});

describe('device topics', () => {
  it('lets a device publish telemetry to its own topic and hands it to ingest', async () => {
    const c = await asDevice(dev1);
    await c.publishAsync(`hm/v1/${dev1.id}/telemetry`, '{"ts":1,"metrics":{"a":1}}', { qos: 1 });
    const m = ingress.messages.at(-1)!;
    expect(m).toMatchObject({ deviceId: dev1.id, assetId: dev1.assetId, qos: 1 });
    expect(Buffer.from(m.payload).toString()).toBe('{"ts":1,"metrics":{"a":1}}');
    c.end(true);
  });

  it("closes the connection of a device that publishes to another device's topic, and counts it", async () => {
    const c = await asDevice(dev1);
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish(`hm/v1/${dev2.id}/telemetry`, '{}', { qos: 1 });
    await closed;
    expect(broker.deviceSecurity(dev1.id).deniedPublishes).toBeGreaterThanOrEqual(1);
    const c2 = await asDevice(dev1);
    const closed2 = new Promise<void>((r) => c2.once('close', () => r()));
    c2.publish(`hm/v1/${dev1.id}/commands`, 'fake command', { qos: 0 });
    await closed2;
    expect(broker.deviceSecurity(dev1.id).deniedPublishes).toBeGreaterThanOrEqual(2);
    // No device-events channel exists: nothing would consume what is published there.
    const c3 = await asDevice(dev1);
    const closed3 = new Promise<void>((r) => c3.once('close', () => r()));
    c3.publish(`hm/v1/${dev1.id}/events`, '{}', { qos: 1 });
    await closed3;
    expect(broker.deviceSecurity(dev1.id).deniedPublishes).toBeGreaterThanOrEqual(3);
  });

  it('grants a device its own commands and errors topics and nothing else', async () => {
    const c = await asDevice(dev1);
    const codes = await granted(c, [
      `hm/v1/${dev1.id}/commands`,
      `hm/v1/${dev1.id}/errors`,
      `hm/v1/${dev2.id}/commands`,
      'hm/v1/+/commands',
      '#',
      `hm/v1/${dev1.id}/telemetry`,
    ]);
    expect(codes).toEqual([0, 0, 128, 128, 128, 128]);
    expect(broker.deviceSecurity(dev1.id).deniedSubscribes).toBe(4);

    const got = new Promise<string>((r) => c.once('message', (_t, p) => r(p.toString())));
    await broker.publishCommand(dev1.id, { op: 'reboot' });
    expect(JSON.parse(await got)).toEqual({ op: 'reboot' });
    c.end(true);
  });

  it('keeps connection state per device', async () => {
    const c = await asDevice(dev2);
    await waitFor('dev2 online', () => broker.connections.get(dev2.id)?.online === true);
    const s = broker.connections.get(dev2.id)!;
    expect(s.clientAddress).toMatch(/127\.0\.0\.1/);
    expect(s.connectedSince).toBeGreaterThan(0);
    expect(broker.connections.list({ online: true }).map((x) => x.deviceId)).toContain(dev2.id);
    await c.endAsync();
    await waitFor('dev2 offline', () => broker.connections.get(dev2.id)?.online === false);
    expect(broker.connections.get(dev2.id)!.disconnectedAt).toBeGreaterThan(0);
  });
});

describe('credentials withdrawn while connected', () => {
  it('disconnects a device revoked by any process, by the periodic re-check', async () => {
    const c = await asDevice(dev3);
    const closed = closedOf(c);
    const before = broker.stats().withdrawnDisconnects;
    dev3.status = 'revoked';
    await closed;
    expect(broker.stats().withdrawnDisconnects).toBe(before + 1);
    await expect(asDevice(dev3)).rejects.toThrow(/Not authorized/);
  });

  it('disconnects a device whose secret was rotated at once on request, and lets the new secret in', async () => {
    const c = await asDevice(dev4);
    // Nothing changed yet: the connection stays.
    expect(await broker.recheckCredentials([dev4.id])).toBe(0);
    const closed = closedOf(c);
    const rotated = newSecret();
    dev4.secretHash = hashSecret(rotated);
    expect(await broker.recheckCredentials([dev4.id])).toBe(1);
    await closed;
    const again = await asDevice({ id: dev4.id, secret: rotated });
    expect(await broker.recheckCredentials([dev4.id])).toBe(0);
    again.end(true);
  });
});

describe('packet size', () => {
  it('closes an unauthenticated connection whose first packet announces more than a CONNECT needs', async () => {
    const before = broker.stats().denied.oversized_packet;
    const socket = tcpConnect(broker.tcpPort!, '127.0.0.1');
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined);
    // CONNECT, remaining length 200 MiB (varint 0x80 0x80 0x80 0x64), then the start of a body.
    socket.write(Buffer.concat([Buffer.from([0x10, 0x80, 0x80, 0x80, 0x64]), Buffer.alloc(64 * 1024, 0x61)]));
    await closed;
    expect(broker.stats().denied.oversized_packet).toBe(before + 1);
  });

  it("passes a device's large payload to ingest (which rejects it with a reason) but closes the connection above 1 MiB", async () => {
    const c = await asDevice(dev1);
    const before = ingress.messages.length;
    await c.publishAsync(`hm/v1/${dev1.id}/telemetry`, Buffer.alloc(600 * 1024, 0x20), { qos: 1 });
    expect(ingress.messages.length).toBe(before + 1);
    const closed = closedOf(c);
    c.publish(`hm/v1/${dev1.id}/telemetry`, Buffer.alloc(1024 * 1024 + 1, 0x20), { qos: 1 });
    await closed;
    expect(ingress.messages.length).toBe(before + 1);
  });
});

describe('service clients', () => {
  it('may do what their role lists: send commands, watch errors; not publish telemetry', async () => {
    await expect(connect({ clientId: `${svc.username}-1`, username: svc.username, password: 'nope' })).rejects.toThrow(/Bad username/);
    const s = await connect({ clientId: `${svc.username}-1`, username: svc.username, password: svc.secret });
    expect(await granted(s, ['hm/v1/+/errors', 'hm/v1/+/telemetry'])).toEqual([0, 128]);

    const d = await asDevice(dev1);
    await d.subscribeAsync(`hm/v1/${dev1.id}/commands`);
    const got = new Promise<string>((r) => d.once('message', (_t, p) => r(p.toString())));
    await s.publishAsync(`hm/v1/${dev1.id}/commands`, 'calibrate', { qos: 1 });
    expect(await got).toBe('calibrate');

    const closed = new Promise<void>((r) => s.once('close', () => r()));
    s.publish(`hm/v1/${dev1.id}/telemetry`, '{}', { qos: 1 });
    await closed;
  });
});

describe('MQTT over WebSocket', () => {
  it('authenticates and carries telemetry like TCP', async () => {
    const before = ingress.messages.length;
    const c = await connect({ clientId: dev2.id, username: dev2.id, password: dev2.secret }, `ws://127.0.0.1:${broker.wsPort}`);
    await c.publishAsync(`hm/v1/${dev2.id}/telemetry`, '{"ts":2,"metrics":{"a":2}}', { qos: 1 });
    expect(ingress.messages.length).toBe(before + 1);
    await waitFor('ws state', () => broker.connections.get(dev2.id)?.transport === 'ws');
    await expect(
      connect({ clientId: dev2.id, username: dev2.id, password: 'bad' }, `ws://127.0.0.1:${broker.wsPort}`),
    ).rejects.toThrow(/Bad username/);
  });
});

describe('MQTT over WebSocket behind a reverse proxy', () => {
  const forwarded = { wsOptions: { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' } } };
  const viaProxy = (port: number) => connect({ clientId: dev1.id, username: dev1.id, password: dev1.secret, ...forwarded }, `ws://127.0.0.1:${port}`);

  it("takes the device's address from the proxy's X-Forwarded-For entry only when told to trust it", async () => {
    const c = await viaProxy(broker.wsPort!);
    await waitFor('online over ws', () => broker.connections.get(dev1.id)?.transport === 'ws');
    expect(broker.connections.get(dev1.id)!.clientAddress).toMatch(/127\.0\.0\.1/);
    await c.endAsync();

    const behindProxy = await createBroker({ logger, devices: inMemoryDevices([dev1]), ingress, tcp: false, ws: { port: 0 }, wsTrustForwardedFor: true });
    try {
      const p = await viaProxy(behindProxy.wsPort!);
      await waitFor('online behind the proxy', () => behindProxy.connections.get(dev1.id)?.online === true);
      // The last entry is the one the proxy appended; the first is whatever the client claimed.
      expect(behindProxy.connections.get(dev1.id)!.clientAddress).toBe('203.0.113.9');
      p.end(true);
    } finally {
      await behindProxy.close();
    }
  });
});

describe('a subscriber that stops reading', () => {
  it('does not take the broker down when it disconnects with a backlog', async () => {
    const slow = await asDevice(dev1);
    await slow.subscribeAsync(`hm/v1/${dev1.id}/commands`, { qos: 1 });
    // Stop reading: the kernel buffers fill and aedes queues the rest.
    (slow.stream as unknown as { pause(): void }).pause();
    const payload = Buffer.alloc(4096, 0x61);
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 3000; i++) sends.push(broker.publishCommand(dev1.id, payload).catch(() => undefined));
    // A backlog exists once deliveries stop completing.
    await new Promise((r) => setTimeout(r, 0));
    slow.stream.destroy();
    await waitFor('slow subscriber gone', () => broker.connections.get(dev1.id)?.online === false);
    await Promise.race([Promise.all(sends), new Promise((r) => setTimeout(r, 15_000))]);

    // The broker still serves.
    const before = ingress.messages.length;
    const c = await asDevice(dev2);
    await c.publishAsync(`hm/v1/${dev2.id}/telemetry`, '{"ts":3,"metrics":{"a":3}}', { qos: 1 });
    expect(ingress.messages.length).toBe(before + 1);
  });
});
