import type { IngestErrorMessage, TelemetryIngress } from '@hourmeter/messages';
import { hashSecret, secretMatches } from '@hourmeter/runtime';
import type { AedesOptions, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import type { Logger } from 'pino';
import type { AuthFailureReason, SecurityCounters } from './broker-counters.js';
import { addressOf } from './client-address.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { AuthThrottle, DEFAULT_AUTH_THROTTLE, type AuthThrottleOptions } from './core/auth-throttle.js';
import { decidePublish, maySubscribe, type Principal } from './core/principal.js';
import { ErrorNoticeLimiter } from './error-notice-limiter.js';
import type { SparkplugEdgeNodes } from './sparkplug-edge-nodes.js';
import type { DeviceAuthLookup, ServiceCredential } from './ports.js';

export interface AuthHooksDeps {
  readonly logger: Logger;
  readonly devices: DeviceAuthLookup;
  readonly ingress: TelemetryIngress;
  readonly services?: readonly ServiceCredential[] | undefined;
  readonly authThrottle?: Partial<AuthThrottleOptions> | undefined;
  /** Rejection notices per device per second (default 20); the rest are counted, not sent. */
  readonly errorNoticesPerSecond?: number | undefined;
  readonly now: () => number;
  readonly registry: ConnectionRegistry;
  readonly security: SecurityCounters;
  /** Sends a rejection notice to a device (the broker publishes it at QoS 0 on its errors topic). */
  readonly sendNotice: (deviceId: string, notice: IngestErrorMessage) => void;
  /** Called for telemetry that ingest took, just before it is acknowledged. */
  readonly ingested: (packet: PublishPacket) => void;
  /** Takes the Sparkplug B messages of edge nodes (births, data, deaths) to ingest and the connection registry. */
  readonly sparkplug: Pick<SparkplugEdgeNodes, 'take'>;
}

/** What the hooks counted, for the broker's stats. */
export interface AuthHookCounters {
  readonly authFailures: Readonly<Record<AuthFailureReason, number>>;
  readonly authDelayedAttempts: number;
  readonly ingestRefusals: number;
  readonly ingestErrors: number;
  readonly suppressedErrorNotices: number;
}

/**
 * aedes' authentication and authorisation callbacks, and who each client is.
 * They take aedes' client objects and callbacks but no socket, so a test can
 * call them directly.
 */
export interface AuthHooks {
  readonly authenticate: NonNullable<AedesOptions['authenticate']>;
  readonly authorizePublish: NonNullable<AedesOptions['authorizePublish']>;
  readonly authorizeSubscribe: NonNullable<AedesOptions['authorizeSubscribe']>;
  /** The identity a client logged in with (undefined before or without a login). */
  principalOf(client: Client): Principal | undefined;
  /** The secret digest a device connected with: the credential re-check compares it with the registry. */
  connectedWith(client: Client): string | undefined;
  counters(): AuthHookCounters;
}

export class ConnectRefused extends Error {
  readonly returnCode: AuthenticateError['returnCode'];
  constructor(code: 2 | 3 | 4 | 5, message: string) {
    super(message);
    this.returnCode = code;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createAuthHooks(deps: AuthHooksDeps): AuthHooks {
  const log = deps.logger;
  const { now, registry, security } = deps;
  const throttle = new AuthThrottle({ ...DEFAULT_AUTH_THROTTLE, ...deps.authThrottle }, now);
  const notices = new ErrorNoticeLimiter(deps.errorNoticesPerSecond ?? 20, now);
  const services = new Map(
    (deps.services ?? []).map((s) => [s.username, { ...s, secretHash: hashSecret(s.secret) }] as const),
  );
  // Principals live beside aedes' client objects, never on them, so nothing a
  // client sends can overwrite its identity.
  const principals = new WeakMap<Client, Principal>();
  /** The secret digest a device connected with: a rotation ends the connection. */
  const connectedWith = new WeakMap<Client, string>();
  const authFailures: Record<AuthFailureReason, number> = {
    unknown_device: 0,
    bad_secret: 0,
    not_active: 0,
    client_id_mismatch: 0,
    missing_credentials: 0,
    throttled: 0,
    lookup_failed: 0,
  };
  let ingestRefusals = 0;
  let ingestErrors = 0;
  let suppressedErrorNotices = 0;

  async function identify(client: Client, username: string | undefined, password: Buffer | undefined): Promise<Principal> {
    const fail = (reason: AuthFailureReason, code: 2 | 3 | 4 | 5): never => {
      authFailures[reason]++;
      throw new ConnectRefused(code, reason);
    };
    if (!username || !password) return fail('missing_credentials', 4);
    const secret = password.toString('utf8');
    const service = services.get(username);
    if (service) {
      if (!secretMatches(secret, service.secretHash)) return fail('bad_secret', 4);
      if (!client.id.startsWith(service.username)) return fail('client_id_mismatch', 2);
      return { kind: 'service', name: service.username, publish: service.publish, subscribe: service.subscribe };
    }
    let record;
    try {
      record = await deps.devices.findForAuth(username);
    } catch (err) {
      log.error({ err }, 'device lookup failed during authentication');
      return fail('lookup_failed', 3);
    }
    if (!record) return fail('unknown_device', 4);
    // Compare before looking at status so a revoked device's answer costs the same.
    if (!secretMatches(secret, record.secretHash)) return fail('bad_secret', 4);
    if (record.status !== 'active') return fail('not_active', 5);
    // Another device using this id as client id would take over (and cut off) its session.
    if (client.id !== record.id) return fail('client_id_mismatch', 2);
    connectedWith.set(client, record.secretHash);
    return { kind: 'device', deviceId: record.id, assetId: record.assetId };
  }

  const authenticate: AuthHooks['authenticate'] = (client, username, password, done) => {
    const address = addressOf(client);
    const user = username ?? '';
    const delay = throttle.admit(address, user);
    if (delay === undefined) {
      authFailures.throttled++;
      done(new ConnectRefused(3, 'too many pending attempts for this device from this address'), false);
      return;
    }
    void (async () => {
      if (delay > 0) {
        await sleep(delay);
        throttle.settled(address, user);
      }
      try {
        const principal = await identify(client, username, password);
        throttle.succeeded(address, user);
        principals.set(client, principal);
        done(null, true);
      } catch (err) {
        const e = err instanceof ConnectRefused ? err : new ConnectRefused(3, 'authentication error');
        const unknownId = e.message === 'unknown_device' || e.message === 'missing_credentials';
        const hold = throttle.failed(address, user, unknownId);
        log.warn({ address, username, reason: e.message }, 'connection refused');
        if (hold > 0) {
          await sleep(hold);
          throttle.released(address);
        }
        done(e, false);
      }
    })();
  };

  function publishNotice(deviceId: string, notice: IngestErrorMessage): void {
    if (!notices.take(deviceId)) {
      suppressedErrorNotices++;
      return;
    }
    deps.sendNotice(deviceId, notice);
  }

  const authorizePublish: AuthHooks['authorizePublish'] = (client, packet, callback) => {
    // client is null only for stored wills of clients gone from every broker.
    const principal = client && principals.get(client);
    if (!client || !principal) return callback(new Error('not authenticated'));
    const decision = decidePublish(principal, packet.topic);
    if (!decision.allowed) {
      if (principal.kind === 'device') security.deniedPublish(principal.deviceId);
      log.warn({ clientId: client.id, topic: packet.topic }, 'publish denied');
      // MQTT-3.3.5-2: no error reaches the client; aedes closes the connection.
      return callback(new Error(decision.reason));
    }
    if (principal.kind !== 'device') return callback(null);
    registry.seen(principal.deviceId);
    if (decision.sparkplug) {
      // Like telemetry: acknowledged once ingest has the readings, and it ends at the broker (no one may subscribe to it).
      deps.sparkplug.take(principal, packet.topic, packet.payload as Buffer, packet.qos).then(
        () => (deps.ingested(packet), callback(null)),
        (err: unknown) => (ingestRefusals++, callback(err instanceof Error ? err : new Error(String(err)))),
      );
      return;
    }
    if (!decision.telemetry) return callback(null);

    const receivedAt = now();
    deps.ingress
      .accept({
        deviceId: principal.deviceId,
        assetId: principal.assetId,
        topic: packet.topic,
        payload: packet.payload as Buffer,
        qos: packet.qos,
        receivedAt,
      })
      .then(
        (outcome) => {
          if (outcome.status === 'refused') {
            ingestRefusals++;
            // Not acknowledged: closing the connection makes the device retransmit later.
            callback(new Error(`ingest refused: ${outcome.code}`));
            return;
          }
          for (const r of outcome.rejections) {
            publishNotice(principal.deviceId, { ...r, topic: packet.topic, at: receivedAt });
          }
          deps.ingested(packet);
          callback(null);
        },
        (err: unknown) => {
          ingestErrors++;
          log.error({ err, deviceId: principal.deviceId }, 'ingest failed; publish not acknowledged');
          callback(err instanceof Error ? err : new Error(String(err)));
        },
      );
  };

  const authorizeSubscribe: AuthHooks['authorizeSubscribe'] = (client, sub: Subscription, callback) => {
    const principal = principals.get(client);
    if (principal && maySubscribe(principal, sub.topic)) return callback(null, sub);
    if (principal?.kind === 'device') security.deniedSubscribe(principal.deviceId);
    log.warn({ clientId: client.id, topic: sub.topic }, 'subscribe denied');
    // A null subscription is answered with SUBACK 0x80 (failure), MQTT-3.9.3.
    callback(null, null);
  };

  return {
    authenticate,
    authorizePublish,
    authorizeSubscribe,
    principalOf: (client) => principals.get(client),
    connectedWith: (client) => connectedWith.get(client),
    counters: () => ({
      authFailures: { ...authFailures },
      authDelayedAttempts: throttle.stats().delayedAttempts,
      ingestRefusals,
      ingestErrors,
      suppressedErrorNotices,
    }),
  };
}
