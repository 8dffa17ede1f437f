import { createRequire } from 'node:module';
import type * as SparkplugPayload from 'sparkplug-payload';

type Codec = NonNullable<ReturnType<typeof SparkplugPayload.get>>;
// sparkplug-payload is CommonJS; its `get` picks the codec of a namespace.
const codec = (createRequire(import.meta.url)('sparkplug-payload') as typeof SparkplugPayload).get('spBv1.0') as Codec;
type Payload = ReturnType<Codec['decodePayload']>;

/** Readings for one Sparkplug edge node (`group/edge`) or device (`group/edge/device`). */
export interface SparkplugDelivery {
  readonly key: string;
  readonly readings: { ts: number; seq: number; metrics: Record<string, number | boolean> }[];
}

export interface SparkplugResult {
  readonly deliveries: SparkplugDelivery[];
  /** A rebirth request to publish (NCMD `Node Control/Rebirth`), when state was missing or a message was lost. */
  readonly rebirth?: { topic: string; payload: Buffer } | undefined;
  /** Nodes or devices a death certificate took offline. */
  readonly offline: string[];
  readonly malformed: boolean;
  readonly unknownAliases: number;
  readonly seqGap: boolean;
  readonly unsupportedMetrics: number;
}

interface NodeState {
  bdSeq: number | undefined;
  seq: number | undefined;
  born: boolean;
  aliases: Map<number, string>;
  lastRebirthAt: number;
}

const RESERVED = new Set(['time', 'asset_id', 'device_id']);

/** Long (protobufjs) or number -> number. */
function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v && typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return undefined;
}

/** A Sparkplug metric name as a Hourmeter metric name: `Motor/Temp C` -> `motor.temp_c`. */
export function metricNameOf(name: string): string {
  let n = name
    .toLowerCase()
    .replaceAll('/', '.')
    .replace(/[^a-z0-9_.]+/g, '_')
    .replace(/^[^a-z]+/, '');
  if (!n || RESERVED.has(n)) n = `m_${n}`;
  return n.slice(0, 64);
}

const BOOKKEEPING = (name: string) => name === 'bdSeq' || name.startsWith('Node Control/') || name.startsWith('Device Control/') || name.startsWith('Properties/');

/**
 * Host-side Sparkplug B state of the edge nodes seen (Sparkplug 3.0): birth
 * certificates define each node's metric aliases; every message's `seq` must
 * follow the previous (mod 256), and `bdSeq` ties a death certificate to the
 * session it ends. Missing state (data before a birth) or a gap asks the node
 * for a rebirth. A payload that is not protobuf, or an alias no birth
 * defined, is counted and skipped; the rest of the payload is kept.
 */
export class SparkplugHost {
  private readonly nodes = new Map<string, NodeState>();
  constructor(
    private readonly now: () => number = Date.now,
    private readonly rebirthIntervalMs = 5000,
  ) {}

  handle(topic: string, payload: Uint8Array): SparkplugResult {
    const [ns, group, type, edge, device] = topic.split('/');
    const empty = { deliveries: [], offline: [], malformed: false, unknownAliases: 0, seqGap: false, unsupportedMetrics: 0 };
    if (ns !== 'spBv1.0' || !group || !edge || !type) return empty;
    if (!['NBIRTH', 'DBIRTH', 'NDATA', 'DDATA', 'NDEATH', 'DDEATH'].includes(type)) return empty;
    let p: Payload;
    try {
      p = codec.decodePayload(payload);
    } catch {
      return { ...empty, malformed: true };
    }
    const nodeKey = `${group}/${edge}`;
    const key = device ? `${nodeKey}/${device}` : nodeKey;
    let node = this.nodes.get(nodeKey);
    if (!node || type === 'NBIRTH') {
      node = { bdSeq: undefined, seq: undefined, born: false, aliases: new Map(), lastRebirthAt: node?.lastRebirthAt ?? -Infinity };
      this.nodes.set(nodeKey, node);
    }
    const metrics = p.metrics ?? [];
    const seq = num(p.seq);

    if (type === 'NDEATH') {
      // A death of an earlier session (its bdSeq) must not take the current one offline.
      const bdSeq = num(metrics.find((m) => m.name === 'bdSeq')?.value);
      if (bdSeq !== undefined && node.bdSeq !== undefined && bdSeq !== node.bdSeq) return empty;
      node.born = false;
      node.seq = undefined;
      return { ...empty, offline: [nodeKey, ...[...new Set([...this.devicesOf(nodeKey)])]] };
    }

    let seqGap = false;
    if (type === 'NBIRTH') {
      node.bdSeq = num(metrics.find((m) => m.name === 'bdSeq')?.value);
      node.born = true;
    } else if (node.born && seq !== undefined && node.seq !== undefined && seq !== (node.seq + 1) % 256) {
      seqGap = true;
    }
    if (seq !== undefined) node.seq = seq;
    if (type === 'DBIRTH' || type === 'DDATA' || type === 'DDEATH') this.seenDevices.add(key);

    if (type === 'NBIRTH' || type === 'DBIRTH') {
      for (const m of metrics) {
        const alias = num(m.alias);
        if (alias !== undefined && m.name) node.aliases.set(alias, m.name);
      }
    }
    const rebirth = !node.born || seqGap ? this.rebirthRequest(group, edge, node) : undefined;
    if (type === 'DDEATH') return { ...empty, offline: [key], seqGap, rebirth };

    let unknownAliases = 0;
    let unsupportedMetrics = 0;
    const byTs = new Map<number, Record<string, number | boolean>>();
    const fallbackTs = num(p.timestamp) ?? this.now();
    for (const m of metrics) {
      const alias = num(m.alias);
      const name = m.name ?? (alias !== undefined ? node.aliases.get(alias) : undefined);
      if (!name) {
        unknownAliases++;
        continue;
      }
      if (BOOKKEEPING(name) || m.isNull) continue;
      const value = typeof m.value === 'boolean' ? m.value : num(m.value);
      if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) {
        unsupportedMetrics++;
        continue;
      }
      const ts = num(m.timestamp) ?? fallbackTs;
      let reading = byTs.get(ts);
      if (!reading) byTs.set(ts, (reading = {}));
      reading[metricNameOf(name)] = value;
    }
    // seq for dedupe: the same message replayed repeats it; two messages of one millisecond differ.
    const readingSeq = (node.bdSeq ?? 0) * 256 + (seq ?? 0);
    const readings = [...byTs].sort(([a], [b]) => a - b).map(([ts, m]) => ({ ts, seq: readingSeq, metrics: m }));
    return { deliveries: readings.length ? [{ key, readings }] : [], offline: [], malformed: false, unknownAliases: unknownAliases, seqGap, unsupportedMetrics, rebirth: rebirth ?? (unknownAliases > 0 ? this.rebirthRequest(group, edge, node) : undefined) };
  }

  private readonly seenDevices = new Set<string>();
  private devicesOf(nodeKey: string): string[] {
    return [...this.seenDevices].filter((d) => d.startsWith(`${nodeKey}/`));
  }

  private rebirthRequest(group: string, edge: string, node: NodeState): { topic: string; payload: Buffer } | undefined {
    const at = this.now();
    if (at - node.lastRebirthAt < this.rebirthIntervalMs) return undefined;
    node.lastRebirthAt = at;
    return {
      topic: `spBv1.0/${group}/NCMD/${edge}`,
      payload: Buffer.from(codec.encodePayload({ timestamp: at, metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }] })),
    };
  }
}

/** Encodes a Sparkplug B payload (edge-node simulators, tests). */
export const encodeSparkplug = (payload: Parameters<Codec['encodePayload']>[0]): Buffer => Buffer.from(codec.encodePayload(payload));
export const decodeSparkplug = (buf: Uint8Array): Payload => codec.decodePayload(buf);
