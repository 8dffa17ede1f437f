import { telemetryTopic, type TelemetryIngress } from '@hourmeter/messages';
import { metricNameOf, SparkplugHost } from '@hourmeter/sparkplug';
import type { Logger } from 'pino';

/** Sparkplug B counters of the broker's edge nodes (`broker.stats().sparkplug`, `/metrics`). */
// A type, not an interface: it is read as a record of counters (`/metrics`).
export type SparkplugStats = {
  /** Sparkplug messages taken from edge nodes. */
  readonly messages: number;
  /** Readings ingest took, duplicates it dropped, and readings it rejected (bad metric name, timestamp out of range...). */
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  /** Payloads that are not Sparkplug protobuf: acknowledged and counted, nothing stored. */
  readonly malformed: number;
  /** Metrics whose alias no birth certificate defined: skipped, the rest of the payload is stored. */
  readonly unknownAliases: number;
  /** Metrics of a type Hourmeter does not store (strings, datasets, templates...). */
  readonly unsupportedMetrics: number;
  readonly seqGaps: number;
  /** Rebirth requests (NCMD `Node Control/Rebirth`) sent to edge nodes. */
  readonly rebirthRequests: number;
  /** Death certificates (NDEATH, DDEATH) that took an edge node or one of its devices offline. */
  readonly deaths: number;
};

/** Where an edge node's death and rebirth show: the broker's connection registry. */
export interface SparkplugSessions {
  /** The edge node's NDEATH: offline, even while its MQTT connection may still be open. */
  ended(deviceId: string): void;
  /** A new NBIRTH after a death on the same connection: online again. */
  resumed(deviceId: string): void;
}

export interface SparkplugEdgeNodesDeps {
  readonly ingress: TelemetryIngress;
  readonly sessions: SparkplugSessions;
  /** Sends a command to an edge node as the broker (QoS 0, as Sparkplug's NCMD). */
  readonly sendCommand: (topic: string, payload: Buffer) => void;
  readonly logger: Logger;
  readonly now: () => number;
}

export interface SparkplugEdgeNodes {
  /**
   * Takes one Sparkplug publish of an authenticated edge node (already
   * authorised for the topic). Resolves once its readings are in ingest (so
   * the broker may acknowledge); rejects when ingest refused them (not
   * acknowledged). A payload that cannot be decoded resolves: sending it
   * again would not help.
   */
  take(node: { readonly deviceId: string; readonly assetId: string }, topic: string, payload: Buffer, qos: 0 | 1 | 2): Promise<void>;
  stats(): SparkplugStats;
}

/**
 * Sparkplug B edge nodes publishing to Hourmeter's own broker. The protocol
 * state (births, aliases, seq/bdSeq, deaths, rebirth requests) is the
 * `SparkplugHost` the bridge uses too; this module maps it to the edge node's
 * device: node metrics keep their names, a device's metrics are prefixed with
 * the device id (`Pump 1` + `Temp C` -> `pump_1.temp_c`), all on the edge
 * node's asset.
 */
export function createSparkplugEdgeNodes(deps: SparkplugEdgeNodesDeps): SparkplugEdgeNodes {
  const log = deps.logger.child({ svc: 'sparkplug' });
  const host = new SparkplugHost(deps.now);
  const counters = { messages: 0, accepted: 0, duplicates: 0, rejected: 0, malformed: 0, unknownAliases: 0, unsupportedMetrics: 0, seqGaps: 0, rebirthRequests: 0, deaths: 0 };

  async function take(node: { deviceId: string; assetId: string }, topic: string, payload: Buffer, qos: 0 | 1 | 2): Promise<void> {
    counters.messages++;
    const r = host.handle(topic, payload);
    if (r.malformed) {
      counters.malformed++;
      log.debug({ deviceId: node.deviceId, topic }, 'Sparkplug payload is not valid protobuf; counted and dropped');
    }
    counters.unknownAliases += r.unknownAliases;
    counters.unsupportedMetrics += r.unsupportedMetrics;
    if (r.seqGap) counters.seqGaps++;
    if (r.rebirth) {
      counters.rebirthRequests++;
      deps.sendCommand(r.rebirth.topic, r.rebirth.payload);
    }
    const [, group, type] = topic.split('/');
    const nodeKey = `${group}/${node.deviceId}`;
    if (r.offline.length > 0) {
      counters.deaths++;
      if (r.offline.includes(nodeKey)) deps.sessions.ended(node.deviceId);
      log.info({ deviceId: node.deviceId, offline: r.offline }, 'Sparkplug death certificate');
    }
    if (type === 'NBIRTH') deps.sessions.resumed(node.deviceId);

    const readings = r.deliveries.flatMap((d) => {
      const device = d.key.slice(nodeKey.length + 1);
      if (!device) return d.readings;
      const prefix = `${metricNameOf(device)}.`;
      return d.readings.map((reading) => ({ ...reading, metrics: Object.fromEntries(Object.entries(reading.metrics).map(([k, v]) => [prefix + k, v])) }));
    });
    if (readings.length === 0) return;
    const outcome = await deps.ingress.accept({
      deviceId: node.deviceId,
      assetId: node.assetId,
      topic: telemetryTopic(node.deviceId),
      payload: Buffer.from(JSON.stringify(readings)),
      qos,
      receivedAt: deps.now(),
    });
    if (outcome.status === 'refused') throw new Error(`ingest refused: ${outcome.code}`);
    counters.accepted += outcome.accepted;
    counters.duplicates += outcome.duplicates;
    counters.rejected += outcome.rejections.length;
    if (outcome.rejections.length > 0) log.debug({ deviceId: node.deviceId, rejections: outcome.rejections }, 'Sparkplug readings rejected by ingest');
  }

  return { take, stats: () => ({ ...counters }) };
}
