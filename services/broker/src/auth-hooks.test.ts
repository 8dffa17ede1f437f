import type { IngestErrorMessage, IngressOutcome, TelemetryIngress, TelemetryMessage } from '@hourmeter/messages';
import { createLogger, hashSecret, newSecret } from '@hourmeter/runtime';
import type { Client, PublishPacket, Subscription } from 'aedes';
import { describe, expect, it } from 'vitest';
import { createAuthHooks, type AuthHooks } from './auth-hooks.js';
import { SecurityCounters } from './broker-counters.js';
import { ConnectionRegistry } from './connection-registry.js';
import { inMemoryDevices } from './in-memory-devices.js';
import type { DeviceAuthLookup } from './ports.js';
import { createSparkplugEdgeNodes } from './sparkplug-edge-nodes.js';

/**
 * The broker's authentication and authorisation hooks called directly, as
 * aedes calls them, without a socket: what each answer is and what it counts.
 * broker.test.ts covers the same rules end to end over MQTT.
 */

const logger = createLogger({ level: 'silent' });

const device = (id: string, status = 'active') => {
  const secret = newSecret();
  return { id, assetId: `ast_${id}`, secret, secretHash: hashSecret(secret), status };
};
const active = device('dev_active');
const other = device('dev_other');
const revoked = device('dev_revoked', 'revoked');
const svc = { username: 'svc-workorders', secret: newSecret(), publish: ['hm/v1/+/commands'], subscribe: ['hm/v1/+/errors'] };

/** What aedes hands the hooks: a client id and the connection its address comes from. */
const clientOf = (id: string, address = '10.0.0.7') => ({ id, conn: { remoteAddress: address } }) as unknown as Client;

const telemetryOf = (deviceId: string, topic = `hm/v1/${deviceId}/telemetry`): PublishPacket => ({
  cmd: 'publish',
  topic,
  payload: Buffer.from('{"ts":1,"metrics":{"a":1}}'),
  qos: 1,
  retain: false,
  dup: false,
});

class ScriptedIngress implements TelemetryIngress {
  readonly messages: TelemetryMessage[] = [];
  next: IngressOutcome | Error = { status: 'accepted', accepted: 1, duplicates: 0, rejections: [] };
  async accept(m: TelemetryMessage): Promise<IngressOutcome> {
    this.messages.push(m);
    if (this.next instanceof Error) throw this.next;
    return this.next;
  }
}

function setup(opts: { devices?: DeviceAuthLookup; noticesPerSecond?: number } = {}) {
  const ingress = new ScriptedIngress();
  const security = new SecurityCounters();
  const notices: { deviceId: string; notice: IngestErrorMessage }[] = [];
  const ingested: PublishPacket[] = [];
  const clock = { now: 1_700_000_000_000 };
  const registry = new ConnectionRegistry(() => clock.now);
  const hooks = createAuthHooks({
    logger,
    devices: opts.devices ?? inMemoryDevices([active, other, revoked]),
    ingress,
    services: [svc],
    // No delays: these tests are about answers, auth-throttle.test.ts about timing.
    authThrottle: { baseDelayMs: 0, maxDelayMs: 0 },
    errorNoticesPerSecond: opts.noticesPerSecond,
    now: () => clock.now,
    registry,
    security,
    sendNotice: (deviceId, notice) => notices.push({ deviceId, notice }),
    ingested: (packet) => ingested.push(packet),
    sparkplug: createSparkplugEdgeNodes({
      ingress,
      logger,
      now: () => clock.now,
      sessions: { ended: (id) => registry.sessionEnded(id), resumed: (id) => registry.sessionResumed(id) },
      sendCommand: () => undefined,
    }),
  });
  return { hooks, ingress, security, notices, ingested, clock };
}

/** Resolves with the CONNACK return code aedes would send (0 = accepted). */
function login(hooks: AuthHooks, client: Client, username?: string, secret?: string): Promise<number> {
  return new Promise((resolve) => {
    hooks.authenticate(client, username, secret === undefined ? undefined : Buffer.from(secret), (err, ok) => {
      resolve(err ? err.returnCode : ok ? 0 : -1);
    });
  });
}

/** Resolves with the error aedes would close the connection for, or undefined when allowed. */
function publish(hooks: AuthHooks, client: Client | null, packet: PublishPacket): Promise<Error | undefined> {
  return new Promise((resolve) => hooks.authorizePublish(client, packet, (err) => resolve(err ?? undefined)));
}

/** Resolves with the granted subscription, or null for SUBACK 0x80. */
function subscribe(hooks: AuthHooks, client: Client, topic: string): Promise<Subscription | null> {
  return new Promise((resolve) => hooks.authorizeSubscribe(client, { topic, qos: 1 }, (_err, sub) => resolve(sub ?? null)));
}

describe('authenticate', () => {
  it('lets an active device in with its own secret and client id, and remembers who it is', async () => {
    const { hooks } = setup();
    const client = clientOf(active.id);
    expect(await login(hooks, client, active.id, active.secret)).toBe(0);
    expect(hooks.principalOf(client)).toEqual({ kind: 'device', deviceId: active.id, assetId: active.assetId });
    expect(hooks.connectedWith(client)).toBe(active.secretHash);
  });

  it('refuses with the CONNACK code for each reason and counts the reason', async () => {
    const { hooks } = setup();
    expect(await login(hooks, clientOf('dev_nobody'), 'dev_nobody', 'x')).toBe(4);
    expect(await login(hooks, clientOf(active.id, '10.0.0.8'), active.id, newSecret())).toBe(4);
    expect(await login(hooks, clientOf(revoked.id), revoked.id, revoked.secret)).toBe(5);
    expect(await login(hooks, clientOf(other.id), active.id, active.secret)).toBe(2);
    expect(await login(hooks, clientOf(active.id, '10.0.0.9'), active.id)).toBe(4);
    expect(hooks.counters().authFailures).toMatchObject({
      unknown_device: 1,
      bad_secret: 1,
      not_active: 1,
      client_id_mismatch: 1,
      missing_credentials: 1,
      lookup_failed: 0,
    });
  });

  it('answers "server unavailable" when the registry cannot be read, and lets nobody in', async () => {
    const broken: DeviceAuthLookup = {
      findForAuth: () => Promise.reject(new Error('database down')),
      findManyForAuth: () => Promise.reject(new Error('database down')),
    };
    const { hooks } = setup({ devices: broken });
    const client = clientOf(active.id);
    expect(await login(hooks, client, active.id, active.secret)).toBe(3);
    expect(hooks.principalOf(client)).toBeUndefined();
    expect(hooks.counters().authFailures.lookup_failed).toBe(1);
  });

  it('lets a service in by its username when its client id starts with it', async () => {
    const { hooks } = setup();
    const client = clientOf(`${svc.username}-1`);
    expect(await login(hooks, client, svc.username, svc.secret)).toBe(0);
    expect(hooks.principalOf(client)).toMatchObject({ kind: 'service', name: svc.username });
    expect(await login(hooks, clientOf('someone-else'), svc.username, svc.secret)).toBe(2);
    expect(await login(hooks, clientOf(`${svc.username}-2`, '10.0.0.3'), svc.username, 'wrong')).toBe(4);
  });
});

describe('authorizePublish', () => {
  async function loggedIn(setupOpts?: Parameters<typeof setup>[0]) {
    const s = setup(setupOpts);
    const client = clientOf(active.id);
    expect(await login(s.hooks, client, active.id, active.secret)).toBe(0);
    return { ...s, client };
  }

  it("hands a device's telemetry to ingest under its asset, and marks it ingested before acknowledging", async () => {
    const { hooks, client, ingress, ingested, clock } = await loggedIn();
    const packet = telemetryOf(active.id);
    expect(await publish(hooks, client, packet)).toBeUndefined();
    expect(ingress.messages).toEqual([
      { deviceId: active.id, assetId: active.assetId, topic: packet.topic, payload: packet.payload, qos: 1, receivedAt: clock.now },
    ]);
    expect(ingested).toEqual([packet]);
  });

  it('does not acknowledge what ingest refuses or fails on, and counts both', async () => {
    const { hooks, client, ingress, ingested } = await loggedIn();
    ingress.next = { status: 'refused', code: 'OVERLOADED', message: 'spool full' };
    expect((await publish(hooks, client, telemetryOf(active.id)))?.message).toBe('ingest refused: OVERLOADED');
    ingress.next = new Error('disk gone');
    expect((await publish(hooks, client, telemetryOf(active.id)))?.message).toBe('disk gone');
    expect(ingested).toEqual([]);
    expect(hooks.counters()).toMatchObject({ ingestRefusals: 1, ingestErrors: 1 });
  });

  it("denies a device another device's topic and its own commands topic, counted per device", async () => {
    const { hooks, client, ingress, security } = await loggedIn();
    expect(await publish(hooks, client, telemetryOf(other.id))).toBeInstanceOf(Error);
    expect(await publish(hooks, client, telemetryOf(active.id, `hm/v1/${active.id}/commands`))).toBeInstanceOf(Error);
    expect(ingress.messages).toEqual([]);
    expect(security.get(active.id).deniedPublishes).toBe(2);
    expect(security.get(other.id).deniedPublishes).toBe(0);
  });

  it('denies a client that never logged in', async () => {
    const { hooks, ingress } = setup();
    expect(await publish(hooks, clientOf(active.id), telemetryOf(active.id))).toBeInstanceOf(Error);
    expect(await publish(hooks, null, telemetryOf(active.id))).toBeInstanceOf(Error);
    expect(ingress.messages).toEqual([]);
  });

  it('sends each rejection as a notice, up to the per-device rate, and counts the rest', async () => {
    const { hooks, client, ingress, notices, clock } = await loggedIn({ noticesPerSecond: 2 });
    ingress.next = {
      status: 'accepted',
      accepted: 0,
      duplicates: 0,
      rejections: [
        { code: 'MALFORMED_JSON', message: 'bad' },
        { code: 'INVALID_SHAPE', message: 'bad', index: 1 },
        { code: 'INVALID_SHAPE', message: 'bad', index: 2 },
      ],
    };
    expect(await publish(hooks, client, telemetryOf(active.id))).toBeUndefined();
    expect(notices).toEqual([
      { deviceId: active.id, notice: { code: 'MALFORMED_JSON', message: 'bad', topic: `hm/v1/${active.id}/telemetry`, at: clock.now } },
      { deviceId: active.id, notice: { code: 'INVALID_SHAPE', message: 'bad', index: 1, topic: `hm/v1/${active.id}/telemetry`, at: clock.now } },
    ]);
    expect(hooks.counters().suppressedErrorNotices).toBe(1);
  });

  it('lets a service publish only where its role lists', async () => {
    const { hooks, ingress } = setup();
    const client = clientOf(`${svc.username}-1`);
    await login(hooks, client, svc.username, svc.secret);
    expect(await publish(hooks, client, telemetryOf(active.id, `hm/v1/${active.id}/commands`))).toBeUndefined();
    expect(await publish(hooks, client, telemetryOf(active.id))).toBeInstanceOf(Error);
    expect(ingress.messages).toEqual([]);
  });
});

describe('authorizeSubscribe', () => {
  it('grants a device its own commands and errors topics only', async () => {
    const { hooks, security } = setup();
    const client = clientOf(active.id);
    await login(hooks, client, active.id, active.secret);
    expect(await subscribe(hooks, client, `hm/v1/${active.id}/commands`)).toEqual({ topic: `hm/v1/${active.id}/commands`, qos: 1 });
    expect(await subscribe(hooks, client, `hm/v1/${active.id}/errors`)).not.toBeNull();
    expect(await subscribe(hooks, client, `hm/v1/${other.id}/commands`)).toBeNull();
    expect(await subscribe(hooks, client, '#')).toBeNull();
    expect(security.get(active.id).deniedSubscribes).toBe(2);
  });

  it('grants nothing to a client that never logged in', async () => {
    const { hooks } = setup();
    expect(await subscribe(hooks, clientOf(active.id), `hm/v1/${active.id}/commands`)).toBeNull();
  });
});
