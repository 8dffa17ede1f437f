import { readFileSync } from 'node:fs';
import { telemetryTopic, type TelemetryIngress } from '@hourmeter/messages';
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { BridgeConfig, BridgeMapping } from './config.js';
import { SparkplugHost } from '@hourmeter/sparkplug';
import { matchTopic } from './topic-match.js';

/** What the bridge needs from the device registry (the device repository fits). */
export interface BridgeDeviceLookup {
  findForAuth(id: string): Promise<{ id: string; assetId: string; status: string } | undefined>;
}

/**
 * Where Sparkplug births and deaths of bridged devices show as connection
 * state (the device connection repository fits): `GET /devices/:id/status`
 * reads it for devices that are not connected to Hourmeter's own broker.
 */
export interface BridgeConnectionLog {
  record(
    node: string,
    changes: readonly (
      | { kind: 'connected'; deviceId: string; at: number; clientAddress: string | undefined; transport: 'tcp' | 'ws' }
      | { kind: 'disconnected'; deviceId: string; at: number; connectedSince: number | undefined }
    )[],
  ): Promise<void>;
}

export interface BridgeCounters {
  /** Messages received from the external broker. */
  messages: number;
  /** Readings taken into the spool, duplicates, and readings ingest rejected. */
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Messages no mapping's topic matched (should not happen: only mapped filters are subscribed). */
  unmatchedTopic: number;
  /** Messages whose device could not be found (no such name in deviceIds, unknown or revoked device). */
  unmatchedDevice: number;
  /** Messages whose payload the mapping could not turn into readings (not JSON, no timestamp field...). */
  unmappablePayload: number;
  /** Messages not acknowledged because ingest refused them (spool full): the broker sends them again. */
  refused: number;
  /** Sparkplug B: payloads that are not valid protobuf, metrics with an alias no birth defined, seq gaps, rebirths asked, deaths. */
  sparkplugMalformed: number;
  sparkplugUnknownAliases: number;
  sparkplugSeqGaps: number;
  sparkplugRebirthRequests: number;
  sparkplugUnsupportedMetrics: number;
  offline: string[];
}

export interface Bridge {
  /** Resolves once connected and subscribed (it keeps reconnecting on its own after that). */
  started(): Promise<void>;
  connected(): boolean;
  stats(): BridgeCounters & { byMapping: { topic: string; messages: number; unmatchedDevice: number }[] };
  close(): Promise<void>;
}

export interface BridgeDeps {
  readonly config: BridgeConfig;
  readonly ingress: TelemetryIngress;
  readonly devices: BridgeDeviceLookup;
  readonly logger: Logger;
  readonly now?: (() => number) | undefined;
  /** Sparkplug deaths and (re)births of mapped devices as their connection state, written as `node` (default `bridge`). */
  readonly connections?: { readonly log: BridgeConnectionLog; readonly node?: string } | undefined;
  /** Reconnect delay after the external broker went away. Default 1 s. */
  readonly reconnectMs?: number | undefined;
}

/** A payload the mapping could not read: counted, acknowledged (sending it again would not help). */
class Unmappable extends Error {}

/**
 * Hourmeter as a client of an existing broker (a plant's Mosquitto, EMQX,
 * HiveMQ...): a persistent session (clean = false) subscribed at QoS 1 to the
 * mapped topics. Each message is mapped to a device and readings and handed
 * to ingest like a device's own publish; its PUBACK goes out only once ingest
 * has the readings in the durable spool (mqtt.js sends it when
 * `handleMessage` calls back). A refused message is not acknowledged: the
 * connection is dropped and the broker sends it again after the reconnect.
 */
export function createBridge(deps: BridgeDeps): Bridge {
  const log = deps.logger.child({ svc: 'bridge' });
  const now = deps.now ?? Date.now;
  const cfg = deps.config;
  const counters: Omit<BridgeCounters, 'offline'> = {
    messages: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    unmatchedTopic: 0,
    unmatchedDevice: 0,
    unmappablePayload: 0,
    refused: 0,
    sparkplugMalformed: 0,
    sparkplugUnknownAliases: 0,
    sparkplugSeqGaps: 0,
    sparkplugRebirthRequests: 0,
    sparkplugUnsupportedMetrics: 0,
  };
  const sparkplug = new SparkplugHost(now);
  /** Sparkplug nodes and devices whose death certificate came last. */
  const offline = new Set<string>();
  /** Devices whose Sparkplug session is alive (a birth or data since their last death), with its start. */
  const alive = new Map<string, number>();
  // The external broker's host (never the URL: it may carry credentials) as the devices' address.
  const bridgeHost = new URL(cfg.url).host;
  let connectionWrites = Promise.resolve();
  /** Written in order, one change at a time; a failed write is logged and the bridge goes on. */
  function connectionChange(deviceId: string, online: boolean): void {
    const connections = deps.connections;
    if (!connections) return;
    const at = now();
    const since = alive.get(deviceId);
    if (online === (since !== undefined)) return;
    if (online) alive.set(deviceId, at);
    else alive.delete(deviceId);
    const change = online
      ? { kind: 'connected' as const, deviceId, at, clientAddress: bridgeHost, transport: 'tcp' as const }
      : { kind: 'disconnected' as const, deviceId, at, connectedSince: since };
    connectionWrites = connectionWrites
      .then(() => connections.log.record(connections.node ?? 'bridge', [change]))
      .catch((err: unknown) => log.warn({ err, deviceId }, 'Sparkplug connection state not recorded'));
  }
  const perMapping = cfg.mappings.map((m) => ({ topic: m.topic, messages: 0, unmatchedDevice: 0 }));
  const deviceCache = new Map<string, { at: number; device: { id: string; assetId: string } | undefined }>();

  async function device(id: string): Promise<{ id: string; assetId: string } | undefined> {
    const cached = deviceCache.get(id);
    // A short cache: a revoked device stops being accepted within 30 s.
    if (cached && now() - cached.at < 30_000) return cached.device;
    const r = await deps.devices.findForAuth(id);
    const found = r && r.status === 'active' ? { id: r.id, assetId: r.assetId } : undefined;
    deviceCache.set(id, { at: now(), device: found });
    return found;
  }

  function deviceName(m: BridgeMapping, levels: string[], doc: () => unknown): string | undefined {
    const where = m.device ?? '{1}';
    const level = /^\{(\d)\}$/.exec(where);
    if (level) return levels[Number(level[1]) - 1];
    let v: unknown = doc();
    for (const k of where.slice('payload.'.length).split('.')) v = (v as Record<string, unknown> | null)?.[k];
    return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  }

  /** The payload in Hourmeter's contract: as is, or built from the mapped fields. */
  function toContract(m: BridgeMapping, payload: Buffer, doc: () => unknown): Buffer {
    if (m.payload.format !== 'fields') return payload;
    const mapping = m.payload;
    const rows = ([] as unknown[]).concat(doc());
    const readings = rows.map((row) => {
      const r = row as Record<string, unknown> | null;
      if (typeof r !== 'object' || r === null) throw new Unmappable('payload is not a JSON object');
      if (r[mapping.ts] === undefined) throw new Unmappable(`no timestamp field ${mapping.ts}`);
      const metrics: Record<string, unknown> = {};
      for (const [ours, theirs] of Object.entries(mapping.metrics)) if (r[theirs] !== undefined) metrics[ours] = r[theirs];
      return { ts: r[mapping.ts], ...(mapping.seq && r[mapping.seq] !== undefined ? { seq: r[mapping.seq] } : {}), metrics };
    });
    return Buffer.from(JSON.stringify(readings.length === 1 ? readings[0] : readings));
  }

  async function store(target: { id: string; assetId: string }, body: Buffer): Promise<void> {
    const outcome = await deps.ingress.accept({ deviceId: target.id, assetId: target.assetId, topic: telemetryTopic(target.id), payload: body, qos: 1, receivedAt: now() });
    if (outcome.status === 'refused') {
      counters.refused++;
      throw new Error(`ingest refused: ${outcome.code}`);
    }
    counters.accepted += outcome.accepted;
    counters.duplicates += outcome.duplicates;
    counters.rejected += outcome.rejections.length;
  }

  /** A Sparkplug B message: state, rebirth requests, deaths; the readings of each mapped node or device to ingest. */
  async function handleSparkplug(m: BridgeMapping, index: number, packet: IPublishPacket, payload: Buffer): Promise<void> {
    const r = sparkplug.handle(packet.topic, payload);
    if (r.malformed) counters.sparkplugMalformed++;
    counters.sparkplugUnknownAliases += r.unknownAliases;
    counters.sparkplugUnsupportedMetrics += r.unsupportedMetrics;
    if (r.seqGap) counters.sparkplugSeqGaps++;
    for (const key of r.offline) {
      offline.add(key);
      const id = m.deviceIds ? m.deviceIds[key] : key;
      if (id !== undefined) connectionChange(id, false);
    }
    if (r.rebirth) {
      counters.sparkplugRebirthRequests++;
      client.publish(r.rebirth.topic, r.rebirth.payload, { qos: 0 }, (err) => {
        if (err) log.warn({ err, topic: r.rebirth!.topic }, 'rebirth request not sent');
      });
    }
    for (const d of r.deliveries) {
      offline.delete(d.key);
      const id = m.deviceIds ? m.deviceIds[d.key] : d.key;
      const target = id === undefined ? undefined : await device(id);
      if (!target) {
        counters.unmatchedDevice++;
        perMapping[index]!.unmatchedDevice++;
        continue;
      }
      connectionChange(target.id, true);
      await store(target, Buffer.from(JSON.stringify(d.readings)));
    }
  }

  /** Resolves when the message may be acknowledged; rejects when it must not be. */
  async function handle(packet: IPublishPacket): Promise<void> {
    counters.messages++;
    const index = cfg.mappings.findIndex((m) => matchTopic(m.topic, packet.topic));
    if (index < 0) {
      counters.unmatchedTopic++;
      return;
    }
    const m = cfg.mappings[index]!;
    perMapping[index]!.messages++;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (m.payload.format === 'sparkplug') return handleSparkplug(m, index, packet, payload);
    let parsed: { doc: unknown } | undefined;
    const doc = () => {
      if (!parsed) {
        try {
          parsed = { doc: JSON.parse(payload.toString('utf8')) };
        } catch {
          throw new Unmappable('payload is not JSON');
        }
      }
      return parsed.doc;
    };
    let body: Buffer;
    let target: { id: string; assetId: string } | undefined;
    try {
      const name = deviceName(m, matchTopic(m.topic, packet.topic)!, doc);
      const id = name === undefined ? undefined : m.deviceIds ? m.deviceIds[name] : name;
      target = id === undefined ? undefined : await device(id);
      if (!target) {
        counters.unmatchedDevice++;
        perMapping[index]!.unmatchedDevice++;
        log.debug({ topic: packet.topic, name }, 'bridged message names no active device');
        return;
      }
      body = toContract(m, payload, doc);
    } catch (err) {
      if (!(err instanceof Unmappable)) throw err;
      counters.unmappablePayload++;
      log.debug({ topic: packet.topic, why: err.message }, 'bridged message not mappable');
      return;
    }
    await store(target, body);
  }

  const tls = {
    ...(cfg.caFile ? { ca: readFileSync(cfg.caFile) } : {}),
    ...(cfg.certFile ? { cert: readFileSync(cfg.certFile) } : {}),
    ...(cfg.keyFile ? { key: readFileSync(cfg.keyFile) } : {}),
  };
  const options: IClientOptions = {
    clientId: cfg.clientId,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: deps.reconnectMs ?? 1000,
    connectTimeout: 10_000,
    ...(cfg.username !== undefined ? { username: cfg.username } : {}),
    ...(cfg.password !== undefined ? { password: cfg.password } : {}),
    ...tls,
  };
  const client: MqttClient = connect(cfg.url, options);
  client.handleMessage = (packet, done) => {
    handle(packet).then(
      () => done(),
      (err: unknown) => {
        log.warn({ err, topic: packet.topic }, 'bridged message not taken; not acknowledged, reconnecting so the broker sends it again');
        done(err as Error);
        client.stream.destroy();
      },
    );
  };
  let subscribed: Promise<void> | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    client.on('connect', (connack) => {
      log.info({ url: cfg.url, sessionPresent: connack.sessionPresent }, 'bridge connected');
      // Subscribing again is harmless with a session present, and needed without one (the broker lost it).
      subscribed = client.subscribeAsync(cfg.mappings.map((m) => m.topic), { qos: 1 }).then(
        (grants) => {
          const refused = grants.filter((g) => g.qos === 128);
          if (refused.length) log.error({ topics: refused.map((g) => g.topic) }, 'external broker refused bridge subscriptions');
          resolve();
        },
        (err: unknown) => reject(err as Error),
      );
    });
  });
  client.on('error', (err) => log.warn({ err: err.message }, 'bridge connection error'));
  client.on('offline', () => log.warn({ url: cfg.url }, 'bridge offline; reconnecting'));

  return {
    started: () => ready,
    connected: () => client.connected,
    stats: () => ({ ...counters, offline: [...offline].sort(), byMapping: perMapping.map((p) => ({ ...p })) }),
    async close() {
      await subscribed?.catch(() => {});
      await client.endAsync();
      await connectionWrites;
    },
  };
}
