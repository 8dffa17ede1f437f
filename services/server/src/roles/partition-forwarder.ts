import type { Broker } from '@hourmeter/broker';
import { encodeReadingBatch, partitionOf, partitionTopic } from '@hourmeter/partitions';
import { AppError } from '@hourmeter/runtime';
import type { StoredReading, TelemetrySink } from '@hourmeter/telemetry-store';

/**
 * The broker role's drain target: instead of a telemetry store, each spooled
 * batch is split by asset partition and published into the broker on the
 * partition's telemetry topic (QoS 1). `broker.publish` resolves once aedes
 * has queued the message for every persistent session subscribed to it (in
 * Redis), so only then may the spool let go of the batch.
 *
 * A partition nobody has ever subscribed to would silently drop the message,
 * so that is a retryable failure: the readings wait in the spool until an
 * ingest worker has created the partition's session.
 */
export function partitionForwarder(
  brokerOf: () => Pick<Broker, 'publish' | 'durableSubscribers'> | undefined,
  partitions: number,
): TelemetrySink {
  return {
    async writeBatch(readings: readonly StoredReading[]) {
      // Created before the broker (which needs ingest); a replayed spool may drain first.
      const broker = brokerOf();
      if (!broker) throw new AppError('UNAVAILABLE', 'broker not started yet');
      const byPartition = new Map<number, StoredReading[]>();
      for (const r of readings) {
        const p = partitionOf(r.assetId, partitions);
        let group = byPartition.get(p);
        if (!group) byPartition.set(p, (group = []));
        group.push(r);
      }
      const topics = [...byPartition.keys()].map((p) => partitionTopic(p, 'telemetry'));
      const unsubscribed = [];
      for (const topic of topics) if ((await broker.durableSubscribers(topic)) === 0) unsubscribed.push(topic);
      if (unsubscribed.length > 0) {
        throw new AppError('UNAVAILABLE', `no ingest worker session subscribed to ${unsubscribed.join(', ')}; readings stay in the spool`);
      }
      // Partly forwarded batches are forwarded again on retry: ingest workers
      // write idempotently, so a repeat costs a write and loses nothing.
      await Promise.all([...byPartition].map(([p, group]) => broker.publish(partitionTopic(p, 'telemetry'), encodeReadingBatch(group), { qos: 1 })));
    },
  };
}
