import { randomBytes } from 'node:crypto';
import {
  decodeReadingBatch,
  PartitionCoordinator,
  partitionTopic,
  startPartitionConsumer,
  type PartitionConsumer,
  type PartitionLeaseStore,
  type PartitionReading,
  type PartitionStream,
} from '@hourmeter/partitions';
import type { Logger } from '@hourmeter/runtime';
import type { ServiceAccount } from '../service-link.js';

/** The MQTT session of a role's partition, the same whichever member consumes it. */
export const partitionSessionId = (account: ServiceAccount, partition: number): string => `${account.username}-p${partition}`;

export interface PartitionWorkerOptions {
  /** The role, also the lease group (`ingest`, `prediction`). */
  readonly group: string;
  readonly stream: PartitionStream;
  readonly account: ServiceAccount;
  readonly mqttUrl: string;
  readonly secret: string;
  readonly nodeId: string;
  readonly partitions: number;
  readonly leaseMs: number;
  readonly leases: PartitionLeaseStore;
  readonly logger: Logger;
  /** Processes one message of a partition; the broker gets its acknowledgement when this resolves. */
  readonly handle: (readings: PartitionReading[], partition: number, payload: Buffer) => Promise<void>;
}

export interface PartitionWorker {
  readonly member: string;
  ownedPartitions(): number[];
  /** Messages acknowledged, over every partition this process consumed. */
  processed(): number;
  /** True when every owned partition's session is connected. */
  connected(): boolean;
  stop(): Promise<void>;
}

/**
 * A scaled-out worker of one role: holds leases on its share of the
 * partitions and consumes each through the partition's persistent MQTT
 * session (`<account>-p<n>`), which outlives the worker: when it dies, the
 * member that takes the lease over resumes the same session and gets every
 * message this one had not acknowledged.
 */
export async function startPartitionWorker(opts: PartitionWorkerOptions): Promise<PartitionWorker> {
  const member = `${opts.nodeId}-${randomBytes(4).toString('hex')}`;
  const log = opts.logger.child({ svc: `${opts.group}-worker`, member });
  const consumers = new Map<number, PartitionConsumer>();
  let processedBefore = 0;

  const coordinator = new PartitionCoordinator({
    group: opts.group,
    member,
    partitions: opts.partitions,
    leaseMs: opts.leaseMs,
    store: opts.leases,
    logger: log,
    handler: {
      async assign(partition) {
        consumers.set(
          partition,
          startPartitionConsumer({
            url: opts.mqttUrl,
            username: opts.account.username,
            password: opts.secret,
            clientId: partitionSessionId(opts.account, partition),
            topic: partitionTopic(partition, opts.stream),
            logger: log,
            handle: (payload) => opts.handle(decodeReadingBatch(payload), partition, payload),
          }),
        );
      },
      async revoke(partition) {
        const consumer = consumers.get(partition);
        consumers.delete(partition);
        if (!consumer) return;
        await consumer.close();
        processedBefore += consumer.processed();
      },
    },
  });
  await coordinator.start();
  log.info({ partitions: coordinator.ownedPartitions() }, 'partition worker started');

  return {
    member,
    ownedPartitions: () => coordinator.ownedPartitions(),
    processed: () => processedBefore + [...consumers.values()].reduce((n, c) => n + c.processed(), 0),
    connected: () => [...consumers.values()].every((c) => c.connected()),
    stop: () => coordinator.stop(),
  };
}
