import type { IngressOutcome, TelemetryIngress, TelemetryMessage } from '@hourmeter/messages';
import type { StoredReading, TelemetrySink } from '@hourmeter/telemetry-store';
import type { Logger } from 'pino';
import { DedupeWindow } from './core/dedupe-window.js';
import { parseTelemetry } from './core/parse-telemetry.js';
import { IngestCounters, type DeviceIngestCounters } from './ingest-counters.js';
import { encodeRecord } from './spool/record-codec.js';
import { Spool, type FsyncPolicy, type SpoolStats } from './spool/spool.js';
import { StoreDrainer, type StoreWriteStats } from './store-drainer.js';

type Accepted = Extract<IngressOutcome, { status: 'accepted' }>;

export interface IngestConfig {
  /** Directory of the durable spool (segment files and the dead-letter file). */
  readonly spoolDir: string;
  /** Spool bound; beyond it QoS >= 1 publishes are refused (not acknowledged). Default 256 MiB. */
  readonly maxSpoolBytes?: number | undefined;
  /** Segment file size. Default 8 MiB. */
  readonly segmentBytes?: number | undefined;
  /** See FsyncPolicy. Default 'group'. */
  readonly fsync?: FsyncPolicy | undefined;
  /** Group-commit window: appends within it share one write + fdatasync. Default 5 ms. */
  readonly fsyncIntervalMs?: number | undefined;
  /** Readings per store write. Default 5000. */
  readonly batchSize?: number | undefined;
  /**
   * Readings of the latest spooled records also kept in memory, so the
   * drainer need not read and decode them back from disk while it keeps up.
   * Default 10 x batchSize.
   */
  readonly spoolMemoryReadings?: number | undefined;
  /** Longest a reading waits in the spool for a batch to fill. Default 200 ms. */
  readonly flushIntervalMs?: number | undefined;
  /** Default 256 KiB. */
  readonly maxPayloadBytes?: number | undefined;
  /** Default 1000. */
  readonly maxReadingsPerMessage?: number | undefined;
  /** Reading keys remembered for deduplication. Default 100,000. */
  readonly dedupeWindow?: number | undefined;
  /**
   * Backpressure: while more readings than this wait in the spool for a
   * healthy store, a publish is held (aedes reads nothing more from that
   * client meanwhile) so the drainer gets the CPU. Default 4 x batchSize.
   */
  readonly backlogHighWater?: number | undefined;
  /** Longest a publish is held for backpressure; then it goes to the spool anyway. Default 1000 ms. */
  readonly backlogMaxWaitMs?: number | undefined;
  readonly retryBaseMs?: number | undefined;
  readonly retryMaxMs?: number | undefined;
}

export interface IngestDeps {
  readonly logger: Logger;
  /** Where spooled readings are drained to. */
  readonly store: TelemetrySink;
  readonly config: IngestConfig;
  readonly now?: (() => number) | undefined;
  /** Called with each batch after the store confirmed it (hour meter, prediction). */
  readonly onStored?: ((readings: readonly StoredReading[]) => Promise<void> | void) | undefined;
  /** Told the latency (ms) and size of each successful store write, e.g. for a metrics histogram. */
  readonly onWrite?: ((ms: number, readings: number) => void) | undefined;
}

export interface IngestHealth {
  readonly accepting: boolean;
  readonly spool: SpoolStats;
  readonly store: StoreWriteStats;
  readonly totals: DeviceIngestCounters;
  readonly dedupeKeys: number;
}

/** What the API and the server read from ingest. */
export interface IngestQuery {
  deviceCounters(deviceId: string): DeviceIngestCounters | undefined;
  health(): IngestHealth;
}

export interface Ingest extends TelemetryIngress, IngestQuery {
  /** Resolves when every spooled reading has reached the store (tests, graceful drain). */
  drained(timeoutMs?: number): Promise<void>;
  /** Stops accepting, makes everything accepted durable, stops the drainer. The spool keeps the rest for the next start. */
  close(): Promise<void>;
}

/**
 * Telemetry ingest, called in-process from the broker's authorizePublish:
 * validate -> dedupe -> durable spool (then the broker acknowledges) ->
 * batched, backpressured writes to the TelemetryStore.
 */
export async function createIngest(deps: IngestDeps): Promise<Ingest> {
  const log = deps.logger.child({ svc: 'ingest' });
  const cfg = deps.config;
  const now = deps.now ?? Date.now;
  const limits = {
    maxPayloadBytes: cfg.maxPayloadBytes ?? 256 * 1024,
    maxReadingsPerMessage: cfg.maxReadingsPerMessage ?? 1000,
  };
  const counters = new IngestCounters();
  const dedupe = new DedupeWindow(cfg.dedupeWindow ?? 100_000);
  const batchSize = cfg.batchSize ?? 5000;

  // Replayed readings refill the dedupe window, so a device resending what it
  // published just before a crash is recognised here and not only by the store.
  const spool = await Spool.open(
    {
      dir: cfg.spoolDir,
      maxBytes: cfg.maxSpoolBytes ?? 256 * 1024 * 1024,
      segmentBytes: cfg.segmentBytes ?? 8 * 1024 * 1024,
      fsync: cfg.fsync ?? 'group',
      commitIntervalMs: cfg.fsyncIntervalMs ?? 5,
      memoryReadings: cfg.spoolMemoryReadings ?? 10 * batchSize,
      log,
    },
    (readings) => {
      for (const r of readings) dedupe.add(DedupeWindow.key(r.deviceId, r.ts, r.seq));
    },
  );
  const highWater = cfg.backlogHighWater ?? 4 * batchSize;
  const maxWaitMs = cfg.backlogMaxWaitMs ?? 1000;
  const backlogWaiters = new Set<() => void>();
  const drainer = new StoreDrainer(
    spool,
    deps.store,
    {
      batchSize,
      flushIntervalMs: cfg.flushIntervalMs ?? 200,
      retryBaseMs: cfg.retryBaseMs ?? 100,
      retryMaxMs: cfg.retryMaxMs ?? 5000,
      deadLetterDir: cfg.spoolDir,
      onDeadLetter: (reading) => counters.deadLettered(reading.deviceId),
      onWrite: deps.onWrite,
      onStored: (readings) => {
        for (const wake of backlogWaiters) wake();
        backlogWaiters.clear();
        return deps.onStored?.(readings);
      },
    },
    log,
  );
  drainer.start();
  let accepting = true;

  const backlogHigh = () => spool.backlogReadings() > highWater && !drainer.blocked;
  function drainProgress(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        backlogWaiters.delete(done);
        resolve();
      }
      backlogWaiters.add(done);
    });
  }

  /**
   * Keys of readings taken but not yet durable, each with the outcome of its
   * append (true once durable). The dedupe window remembers a key from the
   * moment it is taken; a copy arriving before the original is durable must
   * not be acknowledged on the strength of an append that may still fail.
   */
  const inFlight = new Map<string, Promise<boolean>>();

  /** Splits readings into those new here and duplicates; `originals` are the in-flight appends the duplicates depend on. */
  function claim(readings: readonly StoredReading[]) {
    const fresh: StoredReading[] = [];
    const keys: string[] = [];
    const originals = new Set<Promise<boolean>>();
    for (const r of readings) {
      const key = DedupeWindow.key(r.deviceId, r.ts, r.seq);
      if (dedupe.add(key)) {
        fresh.push(r);
        keys.push(key);
        continue;
      }
      const original = inFlight.get(key);
      if (original) originals.add(original);
    }
    return { fresh, keys, originals };
  }

  /** Marks `keys` in flight; the returned function settles them (forgotten by dedupe if not durable). */
  function track(keys: readonly string[]): (durable: boolean) => void {
    let settle!: (durable: boolean) => void;
    const outcome = new Promise<boolean>((resolve) => (settle = resolve));
    for (const k of keys) inFlight.set(k, outcome);
    return (durable) => {
      // Forgotten before the copies waiting on them hear of it, so a resend is taken afresh.
      if (!durable) dedupe.remove(keys);
      for (const k of keys) if (inFlight.get(k) === outcome) inFlight.delete(k);
      settle(durable);
    };
  }

  async function accept(msg: TelemetryMessage): Promise<IngressOutcome> {
    if (!accepting) return { status: 'refused', code: 'SHUTTING_DOWN', message: 'ingest is shutting down' };
    const parsed = parseTelemetry(msg.payload, msg, limits);
    for (const r of parsed.rejections) counters.rejected(msg.deviceId, r.code);

    const { fresh, keys, originals } = claim(parsed.readings);
    const duplicates = parsed.readings.length - fresh.length;
    counters.duplicates(msg.deviceId, duplicates);
    const done: Accepted = { status: 'accepted', accepted: fresh.length, duplicates, rejections: parsed.rejections };
    const outcome = fresh.length === 0 ? done : await spoolReadings(msg, fresh, track(keys), done);
    // QoS 0 promises nothing, so it does not wait for the originals either.
    if (outcome.status === 'refused' || msg.qos === 0 || originals.size === 0) return outcome;
    if ((await Promise.all(originals)).every(Boolean)) return outcome;
    counters.refused(msg.deviceId);
    return { status: 'refused', code: 'OVERLOADED', message: 'an earlier copy of a reading in this publish was not taken; publish again' };
  }

  async function spoolReadings(msg: TelemetryMessage, fresh: StoredReading[], settle: (durable: boolean) => void, done: Accepted): Promise<IngressOutcome> {
    // Backpressure: while the store keeps up but the backlog is high, hold
    // this publish (aedes reads nothing more from the client meanwhile) so the
    // drainer gets the CPU; at full load the broker would otherwise take it
    // all and the spool would grow. A failing store is not waited for: that is
    // what the spool absorbs. The last check and the append below run in one
    // synchronous step, so concurrent publishes cannot all slip past it.
    const holdUntil = now() + maxWaitMs;
    while (backlogHigh() && now() < holdUntil) await drainProgress(holdUntil - now());

    const record = encodeRecord(fresh);
    if (!spool.hasRoom(record.length)) {
      settle(false);
      return refuseSpoolFull(msg, done);
    }
    const durable = spool.append(record, fresh);
    if (msg.qos === 0) {
      // Best effort: not awaited, so a crash within the commit window can lose it.
      durable.then(
        () => {
          settle(true);
          counters.accepted(msg.deviceId, fresh.length, now());
        },
        (err: unknown) => {
          settle(false);
          log.warn({ err, deviceId: msg.deviceId }, 'QoS 0 readings lost: spool append failed');
        },
      );
      return done;
    }
    try {
      await durable;
    } catch (err) {
      settle(false);
      counters.refused(msg.deviceId);
      throw err;
    }
    settle(true);
    counters.accepted(msg.deviceId, fresh.length, now());
    return done;
  }

  function refuseSpoolFull(msg: TelemetryMessage, done: Accepted): IngressOutcome {
    counters.refused(msg.deviceId);
    if (msg.qos === 0) {
      // QoS 0 is best effort: drop, say so, keep the connection.
      counters.rejected(msg.deviceId, 'OVERLOADED');
      return { ...done, accepted: 0, rejections: [...done.rejections, { code: 'OVERLOADED', message: 'spool full; QoS 0 readings dropped' }] };
    }
    return { status: 'refused', code: 'OVERLOADED', message: 'spool full' };
  }

  return {
    accept,
    deviceCounters: (id) => counters.get(id),
    health: () => ({
      accepting,
      spool: spool.stats(),
      store: drainer.stats(),
      totals: counters.total(),
      dedupeKeys: dedupe.size,
    }),
    async drained(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (spool.stats().pendingReadings > 0) {
        if (Date.now() > deadline) throw new Error(`spool not drained after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      accepting = false;
      // Drainer first: it reads the spool files that close() shuts.
      await drainer.stop();
      await spool.close();
      log.info(spool.stats(), 'ingest closed');
    },
  };
}
