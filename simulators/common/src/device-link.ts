import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '@hourmeter/runtime';
import { MAX_FUTURE_SKEW_MS } from '@hourmeter/domain';
import { emptyFaultCounts, malformedPayload, type FaultCounts, type FaultPlanner } from './faults.js';
import type { Prng } from './prng.js';
import { commandsTopic, errorsTopic, telemetryTopic } from '@hourmeter/messages';
import type { ReadingSource, SimReading } from './source.js';

/** A reading as it leaves the device: with its sequence number and (possibly skewed) clock. */
interface OutReading {
  ts: number;
  seq: number;
  metrics: SimReading['metrics'];
  skewed: boolean;
}

interface InFlight {
  readings: OutReading[];
  settled: boolean;
}

export interface DeviceCounters {
  /** Readings the source produced. */
  produced: number;
  /** Readings published (single or inside a batch), first sends and resends; not duplicates. */
  readingsSent: number;
  /** Readings whose PUBLISH the broker acknowledged (QoS 1 PUBACK). */
  readingsAcked: number;
  /** Every PUBLISH on the telemetry topic: readings, batches, duplicates, malformed. */
  messagesSent: number;
  /** Array payloads sent after an outage, and the readings in them. */
  backlogBatches: number;
  backlogReadings: number;
  /** Readings put back in the backlog because the connection died before their PUBACK. */
  resent: number;
  /** Readings thrown away because the backlog was full. */
  backlogDropped: number;
  connects: number;
  connectFailures: number;
  /** CONNACKs refusing the credentials (return code 4 or 5). */
  authRefused: number;
  /** Every refusing CONNACK by return code (3 = server unavailable, e.g. an auth throttle). */
  connackRefusals: Record<string, number>;
  /** Messages received on hm/v1/<id>/errors, in total and by their `code` (or `reason`). */
  errorsReceived: number;
  errorCodes: Record<string, number>;
  commands: number;
  commandsRejected: number;
  faults: FaultCounts;
}

export function emptyCounters(): DeviceCounters {
  return {
    produced: 0,
    readingsSent: 0,
    readingsAcked: 0,
    messagesSent: 0,
    backlogBatches: 0,
    backlogReadings: 0,
    resent: 0,
    backlogDropped: 0,
    connects: 0,
    connectFailures: 0,
    authRefused: 0,
    connackRefusals: {},
    errorsReceived: 0,
    errorCodes: {},
    commands: 0,
    commandsRejected: 0,
    faults: emptyFaultCounts(),
  };
}

export interface DeviceLinkOptions {
  id: string;
  /** Omitted: connect without credentials (a plain broker). */
  password?: string;
  mqttUrl: string;
  source: ReadingSource;
  planner: FaultPlanner;
  /** Transport randomness (backoff jitter), separate from physics and fault streams. */
  jitter: Prng;
  logger: Logger;
  keepaliveSeconds: number;
  maxBacklog: number;
  maxBatch: number;
  /** Subscribe to commands and errors (skipped in pure load tests to spare the broker). */
  subscribe: boolean;
}

/**
 * One simulated device = one MQTT connection. Publishes QoS 1, buffers while
 * disconnected and sends the backlog as array payloads on reconnect, reacts to
 * commands, and carries out the fault planner's decisions. Reconnection is
 * done here rather than by mqtt.js so a reconnect can use other credentials
 * (wrong-secret fault) and every attempt is counted.
 */
export class DeviceLink {
  readonly counters: DeviceCounters = emptyCounters();
  private client: MqttClient | undefined;
  private connected = false;
  /** Cleared by stop(): no more readings are produced, the backlog is still delivered. */
  private producing = true;
  /** Set once draining is over: no reconnects any more. */
  private stopped = false;
  private finished = false;
  private seq = 0;
  private backlog: OutReading[] = [];
  private held: OutReading | undefined;
  private inflight = new Set<InFlight>();
  private pendingDrop = false;
  /** Set while a drop fault tears the socket down, so its close counts as a lost connection. */
  private dropping = false;
  private offlineLeft = 0;
  private failedAttempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private firstAttempt: Promise<void> | undefined;
  private resolveFirst: (() => void) | undefined;

  private log_: Logger | undefined;

  constructor(private readonly o: DeviceLinkOptions) {}

  /** Child logger made on first use: 10k idle children would only cost memory. */
  private get log(): Logger {
    this.log_ ??= this.o.logger.child({ deviceId: this.o.id });
    return this.log_;
  }

  get id(): string {
    return this.o.id;
  }
  get isConnected(): boolean {
    return this.connected;
  }
  get isFinished(): boolean {
    return this.finished;
  }
  get inflightCount(): number {
    return this.inflight.size;
  }
  get source(): ReadingSource {
    return this.o.source;
  }

  /** Starts connecting; resolves when the first attempt has succeeded or failed. */
  start(): Promise<void> {
    this.firstAttempt ??= new Promise<void>((resolve) => {
      this.resolveFirst = resolve;
      this.connectNow();
    });
    return this.firstAttempt;
  }

  private settleFirst(): void {
    this.resolveFirst?.();
    this.resolveFirst = undefined;
  }

  private connectNow(): void {
    if (this.stopped) return;
    const wrong = this.o.planner.planConnect();
    if (wrong) this.counters.faults.wrong_secret++;
    const opts: IClientOptions = {
      clientId: this.o.id,
      clean: true,
      keepalive: this.o.keepaliveSeconds,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      protocolVersion: 4,
      resubscribe: false,
    };
    if (this.o.password !== undefined || wrong) {
      opts.username = this.o.id;
      opts.password = wrong ? `${this.o.password ?? ''}wrong-${this.o.jitter.next().toString(36).slice(2)}` : this.o.password;
    }
    const client = connect(this.o.mqttUrl, opts);
    this.client = client;
    let refused = false;
    client.on('connect', () => {
      this.connected = true;
      this.failedAttempts = 0;
      this.counters.connects++;
      if (this.o.subscribe) {
        client.subscribe([commandsTopic(this.o.id), errorsTopic(this.o.id)], { qos: 1 }, (err) => {
          if (err) this.log.warn({ err: err.message }, 'subscribe failed');
        });
      }
      this.settleFirst();
      this.flushBacklog();
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('error', (err: Error & { code?: number | string }) => {
      if (typeof err.code === 'number' && !this.connected) this.counters.connackRefusals[err.code] = (this.counters.connackRefusals[err.code] ?? 0) + 1;
      // CONNACK return codes 4 (bad user name or password) and 5 (not authorised), MQTT-3.2.2-3.
      if (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135) {
        refused = true;
        this.counters.authRefused++;
      }
      this.log.debug({ err: err.message, code: err.code }, 'mqtt error');
    });
    client.on('close', () => {
      if (this.client !== client) return;
      const wasConnected = this.connected || this.dropping;
      this.dropping = false;
      this.connected = false;
      this.client = undefined;
      client.removeAllListeners();
      client.on('error', () => {});
      client.end(true);
      this.requeueInflight();
      if (!wasConnected) {
        this.counters.connectFailures++;
        this.failedAttempts++;
        this.settleFirst();
      }
      if (this.stopped || this.offlineLeft > 0) return;
      // Refused credentials: retry soon (the next attempt draws its own secret); otherwise back off.
      const base = refused ? 250 : Math.min(30_000, 250 * 2 ** Math.min(this.failedAttempts, 7));
      this.scheduleReconnect(base * (0.5 + this.o.jitter.next()));
    });
  }

  private scheduleReconnect(ms: number): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.client) this.connectNow();
    }, ms);
    this.reconnectTimer.unref();
  }

  /** Readings whose PUBACK never came go back to the front of the backlog (at-least-once). */
  private requeueInflight(): void {
    const lost: OutReading[] = [];
    for (const f of this.inflight) {
      if (f.settled) continue;
      f.settled = true;
      lost.push(...f.readings);
    }
    this.inflight.clear();
    if (lost.length > 0) {
      this.counters.resent += lost.length;
      this.backlog = [...lost, ...this.backlog];
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === errorsTopic(this.o.id)) {
      this.counters.errorsReceived++;
      let code = 'unknown';
      try {
        const body = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
        const c = body['code'] ?? body['reason'];
        if (typeof c === 'string') code = c;
      } catch {
        code = 'unparseable';
      }
      this.counters.errorCodes[code] = (this.counters.errorCodes[code] ?? 0) + 1;
      return;
    }
    if (topic !== commandsTopic(this.o.id)) return;
    this.counters.commands++;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      this.counters.commandsRejected++;
      this.log.warn('command is not JSON');
      return;
    }
    const outcome = this.o.source.command?.(parsed) ?? { ok: false, detail: 'this device takes no commands' };
    if (!outcome.ok) this.counters.commandsRejected++;
    this.log.info({ ok: outcome.ok, detail: outcome.detail }, 'command handled');
  }

  /** Called by the scheduler once per reading interval. */
  tick(): void {
    if (this.finished || !this.producing) return;
    const reading = this.o.source.next();
    if (reading === undefined) {
      this.finished = true;
      if (this.held) this.enqueueOrSend(this.takeHeld(false));
      return;
    }
    this.counters.produced++;
    const plan = this.o.planner.planReading();
    const out: OutReading = { ts: reading.ts + plan.skewMs, seq: this.seq++, metrics: reading.metrics, skewed: plan.skewMs !== 0 };

    // Connection faults only when nothing is in flight: a PUBACK lost with the
    // socket would make "did the platform get it?" ambiguous and the counts inexact.
    if (plan.drop) this.pendingDrop = true;
    if (this.connected && this.inflight.size === 0) {
      if (plan.offlineFor > 0) {
        this.pendingDrop = false;
        this.goOffline(plan.offlineFor);
      } else if (this.pendingDrop) {
        this.pendingDrop = false;
        this.counters.faults.disconnect++;
        this.dropping = true;
        this.connected = false;
        this.client?.stream.destroy();
      }
    }

    if (this.offlineLeft > 0) {
      this.pushBacklog(out);
      if (--this.offlineLeft === 0) this.connectNow();
      return;
    }
    if (!this.connected) {
      this.pushBacklog(out);
      if (this.held) this.pushBacklog(this.takeHeld());
      return;
    }
    if (plan.holdBack && !this.held) {
      this.held = out;
    } else {
      this.publishSingle(out);
      // A future-stamped copy would be rejected, not counted as a duplicate: keep the two counts apart.
      if (plan.duplicate && !out.skewed) {
        this.counters.faults.duplicate++;
        this.publishRaw(out, false);
      }
      if (this.held) this.publishSingle(this.takeHeld());
    }
    if (plan.malformed) {
      this.counters.faults[plan.malformed === 'json' ? 'malformed_json' : 'malformed_schema']++;
      this.counters.messagesSent++;
      this.send(malformedPayload(plan.malformed, out.ts), []);
    }
  }

  /**
   * Takes the held-back reading. Released after its successor it is an
   * out-of-order send and counted; released with no successor (end of data,
   * stop) it is merely late and not counted.
   */
  private takeHeld(afterSuccessor = true): OutReading {
    const h = this.held!;
    this.held = undefined;
    if (afterSuccessor) this.counters.faults.out_of_order++;
    return h;
  }

  private enqueueOrSend(r: OutReading): void {
    if (this.connected) this.publishSingle(r);
    else this.pushBacklog(r);
  }

  private goOffline(readings: number): void {
    this.counters.faults.offline++;
    this.offlineLeft = readings;
    const c = this.client;
    this.connected = false;
    this.client = undefined;
    c?.removeAllListeners();
    c?.on('error', () => {});
    c?.end();
  }

  private pushBacklog(r: OutReading): void {
    this.backlog.push(r);
    if (this.backlog.length > this.o.maxBacklog) {
      this.backlog.shift();
      this.counters.backlogDropped++;
    }
  }

  private flushBacklog(): void {
    while (this.connected && this.backlog.length > 0) {
      const chunk = this.backlog.splice(0, this.o.maxBatch);
      this.counters.backlogBatches++;
      this.counters.backlogReadings += chunk.length;
      this.publishBatch(chunk);
    }
  }

  private countSkew(rs: OutReading[]): void {
    const limit = Date.now() + MAX_FUTURE_SKEW_MS;
    for (const r of rs) {
      if (!r.skewed) continue;
      this.counters.faults.skew++;
      if (r.ts > limit) this.counters.faults.skew_future++;
    }
  }

  private publishSingle(r: OutReading): void {
    this.publishRaw(r, true);
  }

  private publishRaw(r: OutReading, track: boolean): void {
    const body = JSON.stringify({ ts: r.ts, seq: r.seq, metrics: r.metrics });
    this.counters.messagesSent++;
    if (track) this.countSkew([r]);
    // An extra copy carries no reading of its own: nothing to count as sent or to resend.
    this.send(body, track ? [r] : []);
  }

  private publishBatch(rs: OutReading[]): void {
    const body = JSON.stringify(rs.map((r) => ({ ts: r.ts, seq: r.seq, metrics: r.metrics })));
    this.counters.messagesSent++;
    this.countSkew(rs);
    this.send(body, rs);
  }

  /**
   * Every QoS 1 publish is tracked until its PUBACK, extra copies and
   * malformed payloads too (with no readings), so "nothing in flight" really
   * means the broker has everything before a connection fault is injected.
   */
  private send(body: string, rs: OutReading[]): void {
    const entry: InFlight = { readings: rs, settled: false };
    this.inflight.add(entry);
    this.counters.readingsSent += rs.length;
    this.client!.publish(telemetryTopic(this.o.id), body, { qos: 1 }, (err) => {
      if (entry.settled) return;
      entry.settled = true;
      this.inflight.delete(entry);
      if (!err) this.counters.readingsAcked += rs.length;
    });
  }

  /** Readings produced but not yet published (backlog and a held-back reading). */
  get pending(): number {
    return this.backlog.length + (this.held ? 1 : 0);
  }

  /**
   * Stops producing, then delivers what is still buffered (reconnecting if an
   * offline period is in progress) and waits for outstanding PUBACKs, bounded
   * by `timeoutMs`, and closes the connection.
   */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (this.stopped) return;
    this.producing = false;
    if (this.held) this.enqueueOrSend(this.takeHeld(false));
    if (this.offlineLeft > 0) {
      this.offlineLeft = 0;
      this.connectNow();
    }
    const deadline = Date.now() + timeoutMs;
    while ((this.inflight.size > 0 || this.backlog.length > 0 || !this.connected) && Date.now() < deadline && this.firstAttempt) {
      await new Promise((r) => setTimeout(r, 20));
    }
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const c = this.client;
    this.client = undefined;
    this.connected = false;
    this.settleFirst();
    if (c) {
      c.removeAllListeners('close');
      await new Promise<void>((resolve) => c.end(false, {}, () => resolve()));
    }
  }
}
