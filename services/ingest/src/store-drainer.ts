import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAppError } from '@hourmeter/runtime';
import type { StoredReading, TelemetrySink } from '@hourmeter/telemetry-store';
import type { Logger } from 'pino';
import type { Spool } from './spool/spool.js';

export interface DrainerOptions {
  readonly batchSize: number;
  /** Longest a reading waits for a batch to fill before it is written anyway. */
  readonly flushIntervalMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Directory for `dead-letter.jsonl` (batches the store rejects as not retryable). */
  readonly deadLetterDir: string;
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
  readonly lastError: { readonly message: string; readonly at: number } | undefined;
  /** True while the last write attempt failed and the drainer is retrying. */
  readonly storeFailing: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Moves spooled readings into the store, one batch in flight at a time: a
 * slow store slows the drain, never the acknowledgements, and the spool
 * absorbs the difference until it is full. A failed write is retried with
 * capped exponential backoff for as long as it takes (the readings stay in
 * the spool); only a store error marked not retryable sends the batch to the
 * dead-letter file.
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
  };

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
    this.loop = this.run().catch((err: unknown) => {
      // Only a corrupt spool gets here; stop draining rather than skip data.
      this.stats_.lastError = { message: String((err as Error).message ?? err), at: Date.now() };
      this.log.error({ err }, 'drainer stopped');
    });
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

  /** True while the last write failed and the drainer is retrying (cheap: read per publish). */
  get storeFailing(): boolean {
    return this.stats_.storeFailing;
  }

  private async run(): Promise<void> {
    let firstSeenAt: number | undefined;
    while (this.running) {
      const ahead = this.spool.pendingStoreReadings();
      if (ahead === 0) {
        firstSeenAt = undefined;
        await this.spool.waitForData(1000);
        continue;
      }
      firstSeenAt ??= Date.now();
      const waited = Date.now() - firstSeenAt;
      if (ahead < this.opts.batchSize && waited < this.opts.flushIntervalMs) {
        await this.spool.waitForData(this.opts.flushIntervalMs - waited);
        continue;
      }
      firstSeenAt = undefined;
      const batch = await this.spool.readBatch(this.opts.batchSize);
      if (!batch || batch.readings.length === 0) continue;
      if (!(await this.write(batch.readings))) return;
      await this.spool.confirm(batch.end);
      this.notifyStored(batch.readings);
    }
  }

  private notifyStored(readings: readonly StoredReading[]): void {
    const listener = this.opts.onStored;
    if (!listener) return;
    Promise.resolve()
      .then(() => listener(readings))
      .catch((err: unknown) => this.log.error({ err, readings: readings.length }, 'stored-readings listener failed'));
  }

  /** True once the batch is in the store (or dead-lettered); false if stopped first. */
  private async write(readings: Parameters<TelemetrySink['writeBatch']>[0]): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now();
      try {
        await this.store.writeBatch(readings);
        const ms = performance.now() - t0;
        const s = this.stats_;
        s.batchesWritten++;
        s.readingsWritten += readings.length;
        s.lastWriteMs = ms;
        s.meanWriteMs = s.meanWriteMs === undefined ? ms : s.meanWriteMs * 0.8 + ms * 0.2;
        s.maxWriteMs = Math.max(s.maxWriteMs ?? 0, ms);
        s.lastSuccessAt = Date.now();
        try {
          this.opts.onWrite?.(ms, readings.length);
        } catch {
          // An observer must never stall draining.
        }
        if (s.storeFailing) this.log.info({ attempts: attempt + 1 }, 'store writes recovered');
        s.storeFailing = false;
        return true;
      } catch (err) {
        const s = this.stats_;
        s.failedWrites++;
        s.storeFailing = true;
        s.lastError = { message: err instanceof Error ? err.message : String(err), at: Date.now() };
        if (isAppError(err) && !err.retryable) {
          await this.deadLetter(readings, err.message);
          return true;
        }
        if (attempt === 0) this.log.warn({ err, readings: readings.length }, 'store write failed; retrying');
        if (!this.running) return false;
        await Promise.race([sleep(Math.min(this.opts.retryBaseMs * 2 ** attempt, this.opts.retryMaxMs)), this.stopped]);
        if (!this.running) return false;
      }
    }
  }

  private async deadLetter(readings: Parameters<TelemetrySink['writeBatch']>[0], reason: string): Promise<void> {
    const at = Date.now();
    const lines = readings.map((r) => JSON.stringify({ at, reason, reading: r })).join('\n') + '\n';
    await appendFile(join(this.opts.deadLetterDir, 'dead-letter.jsonl'), lines);
    this.stats_.deadLetteredReadings += readings.length;
    this.log.error({ readings: readings.length, reason }, 'store rejected batch as not retryable; dead-lettered');
  }
}
