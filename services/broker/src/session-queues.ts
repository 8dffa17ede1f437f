import { Redis } from 'ioredis';

/**
 * The Redis list aedes-persistence-redis keeps a persistent session's QoS 1
 * queue in (its `outgoingKey()`); sent-but-unacknowledged messages included.
 * services/server/src/roles/partition-forwarder.test.ts notices a change.
 */
export const sessionQueueKey = (clientId: string): string => `outgoing:${encodeURIComponent(clientId)}`;

export interface SessionQueueProbe {
  /** Messages queued in the cluster's Redis for the session `clientId`. */
  queued(clientId: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Reads session queue lengths from a broker cluster's Redis, for processes
 * that are MQTT clients of the cluster but must not let a queue grow without
 * bound (an ingest worker passing batches on to prediction workers that are
 * down). Commands fail fast while Redis is unreachable instead of queueing.
 */
export function openSessionQueueProbe(redisUrl: string): SessionQueueProbe {
  const redis = new Redis(redisUrl, {
    connectionName: 'hourmeter:session-queue-probe',
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  });
  // Errors reach the callers of queued(); the connection retries by itself.
  redis.on('error', () => {});
  return {
    queued: (clientId) => redis.llen(sessionQueueKey(clientId)),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
