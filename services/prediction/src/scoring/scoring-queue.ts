import type { Logger } from '@hourmeter/runtime';
import type { StoredReading } from './ports.js';

export interface ScoringQueueStats {
  dropped: number;
  pending: number;
}

export interface ScoringQueue {
  /** Queues a batch (or drops and counts it when the backlog is full). Never throws, never waits. */
  push(readings: readonly StoredReading[]): void;
  /** Resolves once everything queued so far is processed. */
  flush(): Promise<void>;
  stats(): ScoringQueueStats;
}

/**
 * The hand-off between ingest and scoring: batches wait here and one worker
 * processes them in order, so the ingest path only pays for a push. Past
 * `maxPending` readings new batches are dropped (and counted, and logged at
 * most once a minute) rather than growing memory without bound.
 */
export function createScoringQueue(opts: {
  maxPending: number;
  process: (batch: readonly StoredReading[]) => Promise<void>;
  log: Logger;
  now: () => number;
}): ScoringQueue {
  const pending: (readonly StoredReading[])[] = [];
  let pendingCount = 0;
  let dropped = 0;
  let lastDropLog = 0;
  let scheduled = false;
  let running: Promise<void> = Promise.resolve();

  async function drain(): Promise<void> {
    try {
      while (pending.length) {
        const batch = pending.shift()!;
        pendingCount -= batch.length;
        try {
          await opts.process(batch);
        } catch (err) {
          opts.log.error({ err }, 'prediction batch failed');
        }
      }
    } finally {
      scheduled = false;
    }
  }

  return {
    push(readings) {
      try {
        if (!Array.isArray(readings) || readings.length === 0) return;
        if (pendingCount + readings.length > opts.maxPending) {
          dropped += readings.length;
          if (opts.now() - lastDropLog > 60_000) {
            lastDropLog = opts.now();
            opts.log.warn({ dropped, pending: pendingCount }, 'prediction is behind; readings not scored');
          }
          return;
        }
        pending.push(readings);
        pendingCount += readings.length;
        if (!scheduled) {
          scheduled = true;
          running = running.then(drain);
        }
      } catch (err) {
        opts.log.error({ err }, 'onStored failed');
      }
    },

    async flush() {
      while (scheduled || pending.length) await running;
    },

    stats: () => ({ dropped, pending: pendingCount }),
  };
}
