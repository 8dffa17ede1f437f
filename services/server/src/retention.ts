import type { Logger } from '@hourmeter/runtime';
import type { TelemetryStore } from '@hourmeter/telemetry-store';

const DAY_MS = 86_400_000;

export interface RetentionJobOptions {
  readonly store: Pick<TelemetryStore, 'deleteBefore'>;
  /** Readings older than this many days are deleted (HM_TELEMETRY_RETENTION_DAYS). */
  readonly retentionDays: number;
  readonly logger: Logger;
  readonly now?: (() => number) | undefined;
}

export interface RetentionJob {
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Telemetry retention: deletes every reading older than `retentionDays` once
 * at start-up and then daily. Runs never overlap; a failed run is
 * logged and the next one tries again, since the cutoff only moves forward.
 */
export function startRetentionJob(opts: RetentionJobOptions): RetentionJob {
  const log = opts.logger.child({ svc: 'telemetry-retention' });
  const now = opts.now ?? Date.now;
  let running = Promise.resolve();
  const run = () => {
    // The cutoff is the tick's, even when the run waits for the previous one.
    const cutoff = now() - opts.retentionDays * DAY_MS;
    running = running.then(async () => {
      const started = performance.now();
      const fields = () => ({
        cutoff: new Date(cutoff).toISOString(),
        retentionDays: opts.retentionDays,
        durationMs: Math.round(performance.now() - started),
      });
      try {
        await opts.store.deleteBefore(cutoff);
        log.info(fields(), 'telemetry older than the retention cutoff deleted');
      } catch (err) {
        log.error({ err, ...fields() }, 'telemetry retention run failed');
      }
    });
  };
  run();
  const timer = setInterval(run, DAY_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
