import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';

/**
 * A plain aedes broker on 127.0.0.1 for tests and load runs (`./testing`
 * subpath: aedes is only a dev dependency). Authentication is optional: pass
 * `passwords` (device id -> secret) to refuse wrong secrets like the platform.
 */
export interface TestBroker {
  url: string;
  port: number;
  broker: Aedes;
  /** CONNECTs refused for bad credentials. */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startTestBroker(opts: { port?: number; passwords?: ReadonlyMap<string, string>; aedes?: AedesOptions } = {}): Promise<TestBroker> {
  let refused = 0;
  const aedesOpts: AedesOptions = { ...opts.aedes };
  const passwords = opts.passwords;
  if (passwords) {
    aedesOpts.authenticate = (client, username, password, done) => {
      const ok = username !== undefined && client.id === username && password !== undefined && passwords.get(username) === password.toString('utf8');
      if (ok) return done(null, true);
      refused++;
      const err = Object.assign(new Error('bad credentials'), { returnCode: 4 as const });
      done(err, false);
    };
  }
  const broker = await Aedes.createBroker(aedesOpts);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    broker,
    get refused() {
      return refused;
    },
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What an independent observer at the broker saw of one device's telemetry. */
export interface ObservedDevice {
  messages: number;
  /** Payloads that are not JSON. */
  malformedJson: number;
  /** JSON payloads (or batch elements) that break the telemetry schema. */
  malformedSchema: number;
  /** Array payloads and the readings in them. */
  batches: number;
  batchReadings: number;
  /** Valid readings, first copies only. */
  unique: number;
  /** Valid readings whose seq was seen before. */
  duplicates: number;
  /** First copies arriving after a reading with a higher seq. */
  late: number;
  /** First copies stamped more than the tolerated skew ahead of the broker's clock. */
  future: number;
  /** Sessions established (CONNACK accepted). */
  sessions: number;
}

/**
 * A stand-in for the platform's ingest counters, computed from what reaches
 * the broker, so the fault injector can be checked against an observer that
 * shares none of its code.
 */
export function observeTelemetry(
  broker: Aedes,
  validate: (reading: unknown) => { ok: boolean; ts?: number; seq?: number },
  maxFutureMs: number,
): Map<string, ObservedDevice> {
  const seen = new Map<string, { seqs: Set<number>; maxSeq: number }>();
  const out = new Map<string, ObservedDevice>();
  const dev = (id: string): ObservedDevice => {
    let d = out.get(id);
    if (!d) {
      d = { messages: 0, malformedJson: 0, malformedSchema: 0, batches: 0, batchReadings: 0, unique: 0, duplicates: 0, late: 0, future: 0, sessions: 0 };
      out.set(id, d);
      seen.set(id, { seqs: new Set(), maxSeq: -1 });
    }
    return d;
  };
  broker.on('clientReady', (client) => dev(client.id).sessions++);
  broker.on('publish', (packet, client) => {
    if (!client) return;
    const parts = packet.topic.split('/');
    if (parts.length !== 4 || parts[3] !== 'telemetry') return;
    const d = dev(parts[2]!);
    const s = seen.get(parts[2]!)!;
    d.messages++;
    let body: unknown;
    try {
      body = JSON.parse(packet.payload.toString('utf8'));
    } catch {
      d.malformedJson++;
      return;
    }
    const items = Array.isArray(body) ? body : [body];
    if (Array.isArray(body)) {
      d.batches++;
      d.batchReadings += body.length;
    }
    const now = Date.now();
    for (const item of items) {
      const v = validate(item);
      if (!v.ok) {
        d.malformedSchema++;
        continue;
      }
      if (v.seq === undefined) continue;
      if (s.seqs.has(v.seq)) {
        d.duplicates++;
        continue;
      }
      s.seqs.add(v.seq);
      d.unique++;
      if (v.ts !== undefined && v.ts > now + maxFutureMs) d.future++;
      if (v.seq < s.maxSeq) d.late++;
      s.maxSeq = Math.max(s.maxSeq, v.seq);
    }
  });
  return out;
}
