import type { HourMeter } from '@hourmeter/metering';
import { partitionTopic, type PartitionReading } from '@hourmeter/partitions';
import type { PredictionService } from '@hourmeter/prediction';
import type { TelemetryStore } from '@hourmeter/telemetry-store';
import type { ServiceLink } from '../service-link.js';

type Handler = (readings: PartitionReading[], partition: number, payload: Buffer) => Promise<void>;

/**
 * An ingest worker's message: store, count the operating hours, then pass the
 * batch on to the prediction workers of the same partition. The message is
 * acknowledged only after all three, so the broker redelivers it if any
 * fails; writing a batch twice is harmless (same series and timestamps).
 */
export function ingestHandler(deps: {
  store: TelemetryStore;
  hourMeter: HourMeter;
  link: ServiceLink;
  /** Store write latency, for the same histogram the broker's drain feeds. */
  observeWrite: (ms: number, readings: number) => void;
}): Handler {
  return async (readings, partition, payload) => {
    const t0 = performance.now();
    await deps.store.writeBatch(readings);
    deps.observeWrite(performance.now() - t0, readings.length);
    await deps.hourMeter.onStored(readings);
    await deps.link.publish(partitionTopic(partition, 'stored'), payload);
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
