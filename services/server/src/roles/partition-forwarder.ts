import type { Broker } from '@hourmeter/broker';
import { encodeReadingBatch, partitionOf, partitionTopic } from '@hourmeter/partitions';
import { AppError } from '@hourmeter/runtime';
import type { StoredReading, TelemetrySink } from '@hourmeter/telemetry-store';

export interface ForwarderOptions {
  readonly partitions: number;
  /**
   * Most messages a partition session may have queued in Redis before the
   * forwarder stops adding to it: beyond, the backlog stays in the broker's
   * spool on disk rather than in Redis' memory.
   */
  readonly maxQueued: number;
  /** Longest one forward may take before it is retried (a hung Redis must not stall the drain forever). */
  readonly timeoutMs?: number | undefined;
}

/**
 * The broker role's drain target: instead of a telemetry store, each spooled
 * batch is split by asset partition and published into the broker on the
 * partition's telemetry topic (QoS 1). `broker.publish` resolves once aedes
 * has queued the message for every persistent session subscribed to it (in
 * Redis), so only then may the spool let go of the batch.
 *
 * Refused (retryable, so the readings wait in the spool) while a partition
 * has no persistent session, whose absence would silently drop the message,
 * and while a session's queue is at `maxQueued` (its ingest worker is down or
 * behind).
 */
export function partitionForwarder(brokerOf: () => Pick<Broker, 'publish' | 'durableSubscribers'> | undefined, opts: ForwarderOptions): TelemetrySink {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return {
    async writeBatch(readings: readonly StoredReading[]) {
      // Created before the broker (which needs ingest); a replayed spool may drain first.
      const broker = brokerOf();
      if (!broker) throw new AppError('UNAVAILABLE', 'broker not started yet');
      const byPartition = new Map<number, StoredReading[]>();
      for (const r of readings) {
        const p = partitionOf(r.assetId, opts.partitions);
        let group = byPartition.get(p);
        if (!group) byPartition.set(p, (group = []));
        group.push(r);
      }
      const blocked = await Promise.all(
        [...byPartition.keys()].map(async (p) => {
          const sessions = await broker.durableSubscribers(partitionTopic(p, 'telemetry'));
          if (sessions.length === 0) return `partition ${p} has no ingest worker session yet`;
          const full = sessions.find((s) => (s.queued ?? 0) >= opts.maxQueued);
          return full ? `partition ${p} has ${full.queued} messages queued for ${full.clientId} (limit ${opts.maxQueued})` : undefined;
        }),
      );
      const why = blocked.filter((b) => b !== undefined);
      if (why.length > 0) throw new AppError('UNAVAILABLE', `${why.join('; ')}; readings stay in the spool`);

      // Partly forwarded batches are forwarded again on retry: ingest workers
      // write idempotently, so a repeat costs a write and loses nothing.
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.all([...byPartition].map(([p, group]) => broker.publish(partitionTopic(p, 'telemetry'), encodeReadingBatch(group), { qos: 1 }))),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new AppError('UNAVAILABLE', `forwarding to the partitions took over ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
