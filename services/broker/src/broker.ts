import type { EventEmitter } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { commandsTopic, errorsTopic, type TelemetryIngress } from '@hourmeter/messages';
import type { Aedes as AedesBroker, AedesOptions, Client, PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { createAuthHooks } from './auth-hooks.js';
import { SecurityCounters, type BrokerStats, type DeviceSecurityCounters } from './broker-counters.js';
import { addressOf, lastForwardedFor, rememberForwardedAddress, rememberProxiedAddress } from './client-address.js';
import { ConnectionRegistry, type ConnectionStateQuery } from './connection-registry.js';
import { openClusterBackend, type ClusterBackend, type ClusterOptions } from './cluster.js';
import { connackFirst } from './connack-first.js';
import type { AuthThrottleOptions } from './core/auth-throttle.js';
import { createCredentialRecheck } from './credential-recheck.js';
import { endIngestedTelemetryAtBroker } from './ingested-telemetry.js';
import { guardPacketSize } from './packet-size-guard.js';
import { readProxyHeader } from './proxy-protocol.js';
import { createSparkplugEdgeNodes } from './sparkplug-edge-nodes.js';
import { stackSafeMq } from './stack-safe-mq.js';
import type { DeviceAuthLookup, ServiceCredential } from './ports.js';

// aedes 1.2 has no default export and its ESM entry needs the factory (ENVIRONMENT.md).
const { Aedes } = createRequire(import.meta.url)('aedes') as { Aedes: typeof AedesBroker };

export type { ClusterOptions } from './cluster.js';

export interface BrokerDeps {
  readonly logger: Logger;
  readonly devices: DeviceAuthLookup;
  /** Where telemetry goes, awaited inside authorizePublish (before aedes writes the PUBACK). */
  readonly ingress: TelemetryIngress;
  readonly services?: readonly ServiceCredential[] | undefined;
  /** Plain MQTT listener; port 0 picks a free one. `false` = none. */
  readonly tcp?:
    | {
        readonly port: number;
        readonly host?: string;
        /**
         * Require a PROXY protocol v1/v2 header on every TCP connection (the
         * load balancer's `send-proxy-v2`) and use the client address it
         * carries for throttling and connection state. Connections without
         * one are dropped. Default false.
         */
        readonly proxyProtocol?: boolean;
      }
    | false
    | undefined;
  /**
   * MQTT over WebSocket on its own HTTP listener (port 0 = free port). Leave
   * it out and use `broker.handleUpgrade` to attach to an existing HTTP server.
   */
  readonly ws?: { readonly port: number; readonly host?: string } | false | undefined;
  /**
   * WebSocket connections come through a reverse proxy that appends the
   * client address to X-Forwarded-For: use its last entry as the address.
   */
  readonly wsTrustForwardedFor?: boolean | undefined;
  readonly authThrottle?: Partial<AuthThrottleOptions> | undefined;
  /** Rejection notices per device per second on its errors topic (default 20). */
  readonly errorNoticesPerSecond?: number | undefined;
  /**
   * How often the devices connected to this node are checked against the
   * registry (default 10 s): a revoked, deleted or re-keyed device is
   * disconnected, whichever process changed it. `recheckCredentials` does it at once.
   */
  readonly credentialRecheckMs?: number | undefined;
  /** Disconnect a subscriber whose socket does not drain within this time (default 10 s). */
  readonly drainTimeoutMs?: number | undefined;
  readonly now?: (() => number) | undefined;
  /**
   * Join a broker cluster: subscriptions, sessions, retained messages and
   * QoS 1 queues live in Redis and messages travel between nodes through
   * Redis pub/sub, so a device may connect to any node. Telemetry is still
   * handed to this node's `ingress` (docs/cluster.md). Unset = one node with
   * in-memory state.
   */
  readonly cluster?: ClusterOptions | undefined;
}

export interface CommandOptions {
  readonly qos?: 0 | 1;
}

export interface Broker {
  /** Bound TCP port (undefined without a TCP listener). */
  readonly tcpPort: number | undefined;
  /** Bound WebSocket port (undefined without its own WS listener). */
  readonly wsPort: number | undefined;
  /** aedes broker id: `<nodeId>_<random>` in a cluster, a UUID otherwise. */
  readonly brokerId: string;
  /** False while a cluster node has lost Redis (always true for a single node). */
  clusterHealthy(): boolean;
  readonly connections: ConnectionStateQuery;
  /** Publishes to `hm/v1/<deviceId>/commands`; objects are sent as JSON. */
  publishCommand(deviceId: string, payload: unknown, opts?: CommandOptions): Promise<void>;
  /**
   * Publishes on any topic as the broker itself (internal events between
   * processes). Resolves once aedes has queued a QoS 1 message for every
   * persistent session subscribed to the topic (in Redis, in a cluster).
   */
  publish(topic: string, payload: unknown, opts?: CommandOptions): Promise<void>;
  /**
   * Persistent sessions (clean = false) subscribed to the topic at QoS >= 1,
   * cluster-wide: the sessions a QoS 1 publish is queued for even while
   * their client is offline. In a cluster, with the messages queued for each
   * in Redis (undefined on a single node, whose queues are in memory).
   */
  durableSubscribers(topic: string): Promise<{ clientId: string; queued: number | undefined }[]>;
  /** Hand an HTTP upgrade request (e.g. fastify's server 'upgrade' event) to the MQTT-over-WS endpoint. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  deviceSecurity(deviceId: string): DeviceSecurityCounters;
  /**
   * Disconnects connected devices (all, or those ids) whose credentials no
   * longer hold: revoked, deleted, or a rotated secret. Resolves to how many.
   */
  recheckCredentials(deviceIds?: readonly string[]): Promise<number>;
  stats(): BrokerStats;
  /**
   * Stops taking connections and destroys every open one (TCP and WebSocket,
   * logged in or not). A shutdown calls it before closing the HTTP server
   * that MQTT-over-WebSocket connections ride on, which would otherwise wait for them.
   */
  disconnectAll(): void;
  close(): Promise<void>;
}

/**
 * Largest MQTT packet (remaining length) a connection may send, by who it is.
 * Before authentication only a CONNECT fits; a device's payload limit is
 * 256 KiB (larger ones still get a PAYLOAD_TOO_LARGE notice up to this bound);
 * services carry batches of readings between processes.
 */
export const MAX_PACKET_BYTES = { unauthenticated: 64 * 1024, device: 1024 * 1024, service: 64 * 1024 * 1024 } as const;

export async function createBroker(deps: BrokerDeps): Promise<Broker> {
  const log = deps.logger.child({ svc: 'broker' });
  const now = deps.now ?? Date.now;
  const registry = new ConnectionRegistry(now);
  const security = new SecurityCounters();
  // Set once aedes exists (as preConnect below); publishes arrive only after that.
  let markIngested: (packet: PublishPacket) => void = () => {};
  // Sparkplug B edge nodes (devices publishing spBv1.0/...): their deaths and rebirths show in the connection registry.
  const sparkplug = createSparkplugEdgeNodes({
    ingress: deps.ingress,
    logger: log,
    now,
    sessions: { ended: (id) => registry.sessionEnded(id), resumed: (id) => registry.sessionResumed(id) },
    sendCommand: (topic, payload) => void publish(topic, payload, { qos: 0 }).catch((err: unknown) => log.warn({ err, topic }, 'Sparkplug command not sent')),
  });
  const hooks = createAuthHooks({
    logger: log,
    devices: deps.devices,
    ingress: deps.ingress,
    services: deps.services,
    authThrottle: deps.authThrottle,
    errorNoticesPerSecond: deps.errorNoticesPerSecond,
    now,
    registry,
    security,
    sendNotice: (deviceId, notice) => {
      // QoS 0: a notice is advice; it must never queue up for a device that does not read.
      aedes.publish(
        { cmd: 'publish', topic: errorsTopic(deviceId), payload: Buffer.from(JSON.stringify(notice)), qos: 0, retain: false, dup: false },
        (err) => {
          if (err) log.warn({ err, deviceId }, 'could not publish rejection notice');
        },
      );
    },
    ingested: (packet) => markIngested(packet),
    sparkplug,
  });
  const { principalOf } = hooks;

  let cluster: ClusterBackend | undefined;
  if (deps.cluster) {
    cluster = await openClusterBackend(deps.cluster, log);
    log.info({ brokerId: cluster.brokerId }, 'joining broker cluster through redis');
  }
  let aedes: AedesBroker;
  // Set once aedes exists; aedes calls preConnect only for connections, long after.
  let preConnect: NonNullable<AedesOptions['preConnect']> = (_client, _packet, callback) => callback(null, true);
  try {
    aedes = await Aedes.createBroker({
      preConnect: (client, packet, callback) => preConnect(client, packet, callback),
      authenticate: hooks.authenticate,
      authorizePublish: hooks.authorizePublish,
      authorizeSubscribe: hooks.authorizeSubscribe,
      drainTimeout: deps.drainTimeoutMs ?? 10_000,
      // Device ids are 30 characters; aedes' default of 23 (MQTT 3.1's bound) refuses them on protocol level 3.
      maxClientsIdLength: 64,
      ...(cluster ? { id: cluster.brokerId, mq: cluster.mq, persistence: cluster.persistence } : { mq: stackSafeMq() }),
    });
  } catch (err) {
    await cluster?.close();
    throw err;
  }

  preConnect = connackFirst(aedes);
  ({ markIngested } = endIngestedTelemetryAtBroker(aedes));
  aedes.on('client', (client) => {
    const p = principalOf(client);
    if (p?.kind === 'device') registry.connected(p.deviceId, client, addressOf(client), client.req ? 'ws' : 'tcp');
  });
  aedes.on('clientDisconnect', (client) => {
    const p = principalOf(client);
    if (p?.kind === 'device') registry.disconnected(p.deviceId, client);
  });
  aedes.on('ping', (_packet, client) => {
    const p = principalOf(client);
    if (p?.kind === 'device') registry.seen(p.deviceId);
  });
  aedes.on('clientError', (client, err) => {
    log.debug({ clientId: client.id, err: err.message }, 'client error');
  });
  // aedes emits 'error' when its persistence fails (e.g. a QoS 1 enqueue while
  // Redis is unreachable); unheard, EventEmitter would throw and end the process.
  (aedes as unknown as EventEmitter).on('error', (err: Error) => {
    log.error({ err }, 'broker persistence error');
  });
  aedes.on('connectionError', (_client, err) => {
    log.debug({ err: err.message }, 'connection error');
  });

  let oversizedPackets = 0;
  /**
   * Every open device connection, authenticated or not. aedes.close() closes
   * only the clients that finished CONNECT; one whose answer the login
   * throttle holds would keep a listener's close() waiting, so close() destroys them all.
   */
  const streams = new Set<Duplex>();
  let accepting = true;
  /** Hands a connection to aedes, closing it when a packet exceeds what its principal may send. */
  const handle = (stream: Duplex, req?: IncomingMessage) => {
    if (!accepting) {
      stream.destroy();
      return;
    }
    streams.add(stream);
    stream.once('close', () => streams.delete(stream));
    const client = aedes.handle(stream, req);
    guardPacketSize(
      stream,
      () => {
        const p = principalOf(client);
        return p ? MAX_PACKET_BYTES[p.kind] : MAX_PACKET_BYTES.unauthenticated;
      },
      (announced, limit) => {
        oversizedPackets++;
        log.warn({ clientId: client.id || undefined, address: addressOf(client), announced, limit }, 'packet too large; connection closed');
      },
    );
  };

  // aedes' typings leave out its map of connected clients by client id.
  const { clients } = aedes as unknown as { clients: Record<string, Client | undefined> };
  const credentials = createCredentialRecheck({
    logger: log,
    devices: deps.devices,
    clients: () => clients,
    isDevice: (client) => principalOf(client)?.kind === 'device',
    connectedWith: hooks.connectedWith,
  });

  let tcpServer: TcpServer | undefined;
  let tcpPort: number | undefined;
  if (deps.tcp !== false) {
    const tcp = deps.tcp ?? { port: 1883 };
    tcpServer = tcp.proxyProtocol
      ? createTcpServer((socket) => {
          readProxyHeader(socket).then(
            (header) => {
              if (header.kind === 'proxied') rememberProxiedAddress(socket, header.sourceAddress);
              handle(socket);
            },
            (err: Error) => log.debug({ err: err.message, from: socket.remoteAddress }, 'connection dropped'),
          );
        })
      : createTcpServer((socket) => handle(socket));
    await listen(tcpServer, tcp.port, tcp.host ?? '127.0.0.1');
    tcpPort = (tcpServer.address() as AddressInfo).port;
  }

  // mqtt.js and browsers ask for the `mqtt` subprotocol (MQTT over WebSocket, MQTT-6.0.0-3).
  const wss = new WebSocketServer({
    noServer: true,
    // ws buffers a whole message (default limit 100 MiB); devices are the ones on WebSocket.
    maxPayload: MAX_PACKET_BYTES.device + 8,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  wss.on('connection', (socket, req) => {
    const forwarded = deps.wsTrustForwardedFor ? lastForwardedFor(req) : undefined;
    if (forwarded) rememberForwardedAddress(req, forwarded);
    const stream = createWebSocketStream(socket);
    stream.on('error', () => socket.terminate());
    handle(stream, req);
  });
  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  let httpServer: HttpServer | undefined;
  let wsPort: number | undefined;
  if (deps.ws) {
    httpServer = createHttpServer((_req, res) => res.writeHead(426).end('MQTT over WebSocket only'));
    httpServer.on('upgrade', handleUpgrade);
    await listen(httpServer, deps.ws.port, deps.ws.host ?? '127.0.0.1');
    wsPort = (httpServer.address() as AddressInfo).port;
  }

  // Started once listening: a broker that failed to listen leaves no timer behind.
  const stopRecheck = credentials.start(deps.credentialRecheckMs ?? 10_000);

  log.info(
    { tcpPort, wsPort, brokerId: aedes.id, cluster: cluster !== undefined, proxyProtocol: deps.tcp ? deps.tcp.proxyProtocol === true : false },
    'broker listening',
  );

  const publish = (topic: string, payload: unknown, opts: CommandOptions = {}): Promise<void> => {
    const body =
      payload instanceof Uint8Array ? Buffer.from(payload) : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    const packet: PublishPacket = { cmd: 'publish', topic, payload: body, qos: opts.qos ?? 1, retain: false, dup: false };
    return new Promise((resolve, reject) => aedes.publish(packet, (err) => (err ? reject(err) : resolve())));
  };

  const disconnectAll = () => {
    accepting = false;
    for (const c of wss.clients) c.terminate();
    for (const stream of streams) stream.destroy();
  };

  let closing: Promise<void> | undefined;
  return {
    tcpPort,
    wsPort,
    brokerId: aedes.id,
    clusterHealthy: () => cluster?.healthy() ?? true,
    connections: registry,
    publishCommand: (deviceId, payload, opts) => publish(commandsTopic(deviceId), payload, opts),
    publish,
    async durableSubscribers(topic) {
      // aedes' typings leave its persistence out; subscriptionsByTopic is the async persistence API.
      const { persistence } = aedes as unknown as { persistence: { subscriptionsByTopic(t: string): Promise<{ clientId: string; qos: number }[]> } };
      const subs = (await persistence.subscriptionsByTopic(topic)).filter((sub) => sub.qos > 0);
      return Promise.all(subs.map(async (sub) => ({ clientId: sub.clientId, queued: await cluster?.queuedFor(sub.clientId) })));
    },
    handleUpgrade,
    deviceSecurity: (deviceId) => security.get(deviceId),
    recheckCredentials: (deviceIds) => credentials.recheck(deviceIds),
    stats: () => ({
      connectedClients: aedes.connectedClients,
      onlineDevices: registry.onlineCount(),
      ...hooks.counters(),
      denied: { ...security.totals(), oversized_packet: oversizedPackets },
      withdrawnDisconnects: credentials.withdrawnDisconnects(),
      sparkplug: sparkplug.stats(),
    }),
    disconnectAll,
    close() {
      closing ??= (async () => {
        stopRecheck();
        const stopped = [tcpServer, httpServer].filter((s) => s !== undefined).map((s) => closeServer(s));
        disconnectAll();
        await new Promise<void>((r) => aedes.close(() => r()));
        await cluster?.close();
        await Promise.all(stopped);
        wss.close();
        log.info('broker closed');
      })();
      return closing;
    },
  };
}

function listen(server: TcpServer | HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: TcpServer | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
