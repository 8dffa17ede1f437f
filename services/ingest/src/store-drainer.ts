import { join } from 'node:path';
import { isAppError } from '@hourmeter/runtime';
import { InfluxWriteError, type StoredReading, type TelemetrySink } from '@hourmeter/telemetry-store';
import type { Logger } from 'pino';
import { appendDurably } from './spool/durable-files.js';
import type { Spool } from './spool/spool.js';

export interface DrainerOptions {
  readonly batchSize: number;
  /** Longest a reading waits for a batch to fill before it is written anyway. */
  readonly flushIntervalMs: number;
  /** Backoff of store write retries, and of restarts after the drainer itself failed. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Directory for `dead-letter.jsonl` (readings the store refuses for good). */
  readonly deadLetterDir: string;
  /** Told about each reading written to the dead-letter file (per-device counters). */
  readonly onDeadLetter?: ((reading: StoredReading) => void) | undefined;
  /**
   * Told about each batch once the store has it (hour meter, prediction).
   * Its failures are logged, never allowed to stall draining.
   */
  readonly onStored?: ((readings: readonly StoredReading[]) => Promise<void> | void) | undefined;
  /** Told the latency of each successful store write (metrics histogram). Must be cheap; errors are ignored. */
  readonly onWrite?: ((ms: number, readings: number) => void) | undefined;
}

export interface StoreWriteStats {
  readonly batchesWritten: number;
  readonly readingsWritten: number;
  readonly failedWrites: number;
  readonly deadLetteredReadings: number;
  readonly lastWriteMs: number | undefined;
  /** Exponentially weighted mean of successful write latency (alpha 0.2). */
  readonly meanWriteMs: number | undefined;
  readonly maxWriteMs: number | undefined;
  readonly lastSuccessAt: number | undefined;
  /** The last failed store write (transient or refused). */
  readonly lastError: { readonly message: string; readonly at: number } | undefined;
  /** True while the last write attempt failed transiently and the drainer is retrying. */
  readonly storeFailing: boolean;
  /**
   * True from an unexpected drainer error (a spool read, the dead-letter
   * file) until it has moved the spool on again after restarting: nothing
   * drains meanwhile, while ingest keeps acknowledging into the spool.
   */
  readonly drainerStalled: boolean;
  readonly drainerRestarts: number;
  /**
   * The drainer's own last failure. Kept apart from `lastError`: a restarted
   * drainer writes to the store again before it fails again, and one shared
   * field would show the store's answer instead of why draining stopped.
   */
  readonly drainerError: { readonly message: string; readonly at: number } | undefined;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Whether writing the same readings again cannot succeed. AppErrors and
 * InfluxWriteErrors say so themselves (`retryable`: InfluxDB answered a 4xx
 * other than 408/429); a RangeError is what the store adapters' own checks
 * throw for a reading they cannot hold. Anything else (a store down, a
 * network error) is taken as transient.
 */
function isPermanent(err: unknown): boolean {
  if (isAppError(err) || err instanceof InfluxWriteError) return !err.retryable;
  return err instanceof RangeError;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

type WriteOutcome = 'stored' | 'stopped' | { readonly refused: string };

/**
 * Moves spooled readings into the store, one batch in flight at a time: a
 * slow store slows the drain, never the acknowledgements, and the spool
 * absorbs the difference until it is full. A transient failure is retried
 * with capped exponential backoff for as long as it takes (the readings stay
 * in the spool). A batch the store refuses for good is halved until the
 * single readings it refuses are found: those go to the dead-letter file,
 * everything else is stored, and the spool moves on.
 */
export class StoreDrainer {
  private running = false;
  private loop: Promise<void> | undefined;
  private stats_: {
    -readonly [K in keyof StoreWriteStats]: StoreWriteStats[K];
  } = {
    batchesWritten: 0,
    readingsWritten: 0,
    failedWrites: 0,
    deadLetteredReadings: 0,
    lastWriteMs: undefined,
    meanWriteMs: undefined,
    maxWriteMs: undefined,
    lastSuccessAt: undefined,
    lastError: undefined,
    storeFailing: false,
    drainerStalled: false,
    drainerRestarts: 0,
    drainerError: undefined,
  };
  /** Drainer failures since it last moved the spool on: the restart backoff. */
  private failuresInARow = 0;

  constructor(
    private readonly spool: Spool,
    private readonly store: TelemetrySink,
    private readonly opts: DrainerOptions,
    private readonly log: Logger,
  ) {}

  // Resolves on stop() so a backoff sleep ends at once.
  private stopped: Promise<void> = new Promise(() => {});
  private signalStop: () => void = () => {};

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = new Promise((r) => (this.signalStop = r));
    this.loop = this.supervise();
  }

  /** Stops after the write in flight (a batch not confirmed stays in the spool). */
  async stop(): Promise<void> {
    this.running = false;
    this.signalStop();
    this.spool.wake();
    await this.loop;
  }

  stats(): StoreWriteStats {
    return { ...this.stats_ };
  }

  /** True while nothing drains: the store is failing or the drainer is restarting (cheap: read per publish). */
  get blocked(): boolean {
    return this.stats_.storeFailing || this.stats_.drainerStalled;
  }

  /**
   * Runs the drain loop, restarting it with capped backoff after an
   * unexpected error: ingest goes on acknowledging into the spool, so
   * draining must not just end. The batch in hand is read again on restart.
   */
  private async supervise(): Promise<void> {
    while (this.running) {
      try {
        await this.run();
        return;
      } catch (err) {
        const delayMs = this.backoffMs(this.failuresInARow++);
        const s = this.stats_;
        s.drainerStalled = true;
        s.drainerRestarts++;
        s.drainerError = { message: messageOf(err), at: Date.now() };
        this.log.error({ err, restarts: s.drainerRestarts, delayMs }, 'spool drainer failed; restarting');
        await this.pause(delayMs);
      }
    }
  }

  private backoffMs(attempt: number): number {
    return Math.min(this.opts.retryBaseMs * 2 ** attempt, this.opts.retryMaxMs);
  }

  /** Waits `ms` or until stop(); true if still running. */
  private async pause(ms: number): Promise<boolean> {
    await Promise.race([sleep(ms), this.stopped]);
    return this.running;
  }

  private async run(): Promise<void> {
    let firstSeenAt: number | undefined;
    while (this.running) {
      const ahead = this.spool.pendingStoreReadings();
      if (ahead === 0) {
        // Nothing left to drain: whatever failed before is behind us.
        this.recovered();
        firstSeenAt = undefined;
        await this.spool.waitForData(1000);
        continue;
      }
      // Monotonic: a wall clock stepped back (NTP) would make `waited` negative and hold a partial batch for that long.
      firstSeenAt ??= performance.now();
      const waited = performance.now() - firstSeenAt;
      if (ahead < this.opts.batchSize && waited < this.opts.flushIntervalMs) {
        await this.spool.waitForData(this.opts.flushIntervalMs - waited);
        continue;
      }
      firstSeenAt = undefined;
      const batch = await this.spool.readBatch(this.opts.batchSize);
      if (!batch) continue;
      // A batch may be empty when the spool skipped damaged bytes: still confirmed, so they are not read again.
      const stored = batch.readings.length > 0 ? await this.storeOrIsolate(batch.readings) : [];
      if (!stored) return;
      await this.spool.confirm(batch.end);
      this.recovered();
      if (stored.length > 0) this.notifyStored(stored);
    }
  }

  private recovered(): void {
    this.stats_.drainerStalled = false;
    this.failuresInARow = 0;
  }

  private notifyStored(readings: readonly StoredReading[]): void {
    const listener = this.opts.onStored;
    if (!listener) return;
    Promise.resolve()
      .then(() => listener(readings))
      .catch((err: unknown) => this.log.error({ err, readings: readings.length }, 'stored-readings listener failed'));
  }

  /**
   * Stores `readings`; if the store refuses them for good, halves them down
   * to the single readings it refuses and dead-letters those (each is on
   * disk before this resolves, so before the spool moves past it). Resolves
   * with the readings stored, or undefined if stopped first.
   */
  private async storeOrIsolate(readings: readonly StoredReading[]): Promise<readonly StoredReading[] | undefined> {
    const outcome = await this.write(readings);
    if (outcome === 'stored') return readings;
    if (outcome === 'stopped') return undefined;
    if (readings.length === 1) {
      await this.deadLetter(readings[0]!, outcome.refused);
      return [];
    }
    const mid = Math.ceil(readings.length / 2);
    const stored: StoredReading[] = [];
    for (const half of [readings.slice(0, mid), readings.slice(mid)]) {
      const got = await this.storeOrIsolate(half);
      if (!got) return undefined;
      stored.push(...got);
    }
    return stored;
  }

  /** One batch: retried while the failure is transient. */
  private async write(readings: readonly StoredReading[]): Promise<WriteOutcome> {
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now();
      try {
        await this.store.writeBatch(readings);
        this.recordWrite(performance.now() - t0, readings.length, attempt);
        return 'stored';
      } catch (err) {
        const s = this.stats_;
        s.failedWrites++;
        s.lastError = { message: messageOf(err), at: Date.now() };
        if (isPermanent(err)) {
          // The store answered: the readings are at fault, not the store.
          s.storeFailing = false;
          return { refused: messageOf(err) };
        }
        s.storeFailing = true;
        if (attempt === 0) this.log.warn({ err, readings: readings.length }, 'store write failed; retrying');
        if (!(await this.pause(this.backoffMs(attempt)))) return 'stopped';
      }
    }
  }

  private recordWrite(ms: number, readings: number, attempt: number): void {
    const s = this.stats_;
    s.batchesWritten++;
    s.readingsWritten += readings;
    s.lastWriteMs = ms;
    s.meanWriteMs = s.meanWriteMs === undefined ? ms : s.meanWriteMs * 0.8 + ms * 0.2;
    s.maxWriteMs = Math.max(s.maxWriteMs ?? 0, ms);
    s.lastSuccessAt = Date.now();
    try {
      this.opts.onWrite?.(ms, readings);
    } catch {
      // An observer must never stall draining.
    }
    if (s.storeFailing) this.log.info({ attempts: attempt + 1 }, 'store writes recovered');
    s.storeFailing = false;
  }

  private async deadLetter(reading: StoredReading, reason: string): Promise<void> {
    const line = `${JSON.stringify({ at: Date.now(), reason, reading })}\n`;
    await appendDurably(join(this.opts.deadLetterDir, 'dead-letter.jsonl'), line);
    this.stats_.deadLetteredReadings++;
    this.opts.onDeadLetter?.(reading);
    const { deviceId, assetId, ts, seq } = reading;
    this.log.error({ deviceId, assetId, ts, seq, reason }, 'store refused a reading for good; dead-lettered');
  }
}
