import type { HourMeter } from '@hourmeter/metering';
import { partitionTopic, type PartitionReading } from '@hourmeter/partitions';
import type { PredictionService } from '@hourmeter/prediction';
import type { Logger } from '@hourmeter/runtime';
import type { TelemetryStore } from '@hourmeter/telemetry-store';
import type { ServiceLink } from '../service-link.js';

type Handler = (readings: PartitionReading[], partition: number, payload: Buffer) => Promise<void>;

/** Whether the prediction workers' queue of a partition has room for another batch. */
export interface PredictionGate {
  accepts(partition: number): Promise<boolean>;
}

export interface IngestHandler {
  readonly handle: Handler;
  /** Readings stored but not passed on to prediction because its queue was full. */
  skippedForPrediction(): number;
}

/**
 * An ingest worker's message: store, count the operating hours, then pass the
 * batch on to the prediction workers of the same partition. The message is
 * acknowledged only after all three, so the broker redelivers it if any
 * fails; writing a batch twice is harmless (same series and timestamps).
 *
 * Storing must not depend on prediction: while the partition's prediction
 * queue is full (its workers down or far behind), batches are stored but not
 * passed on, counted and logged, rather than piling up in Redis' memory.
 */
export function ingestHandler(deps: {
  store: TelemetryStore;
  hourMeter: HourMeter;
  link: ServiceLink;
  prediction: PredictionGate;
  logger: Logger;
  /** Store write latency, for the same histogram the broker's drain feeds. */
  observeWrite: (ms: number, readings: number) => void;
}): IngestHandler {
  let skipped = 0;
  let lastWarning = 0;
  return {
    skippedForPrediction: () => skipped,
    async handle(readings, partition, payload) {
      const t0 = performance.now();
      await deps.store.writeBatch(readings);
      deps.observeWrite(performance.now() - t0, readings.length);
      await deps.hourMeter.onStored(readings);
      if (await deps.prediction.accepts(partition)) {
        await deps.link.publish(partitionTopic(partition, 'stored'), payload);
        return;
      }
      skipped += readings.length;
      if (Date.now() - lastWarning > 60_000) {
        lastWarning = Date.now();
        deps.logger.warn({ partition, skippedReadings: skipped }, 'prediction queue full; stored readings not passed on to prediction');
      }
    },
  };
}

/**
 * A prediction worker's message: scored to the end (alerts raised, orders
 * opened) before it is acknowledged, which also keeps the service's internal
 * queue from growing past what one message holds.
 */
export function predictionHandler(prediction: PredictionService): Handler {
  return async (readings) => {
    await prediction.onStored(readings);
    await prediction.flush();
  };
}
