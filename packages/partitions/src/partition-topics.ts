/**
 * Partitioned streams between the split process roles. The broker role
 * forwards each asset's validated readings to the partition its asset id
 * hashes to; ingest workers store them and pass them on to prediction
 * workers on the same partition number. One MQTT persistent session per
 * partition and role consumes a stream, so a partition's backlog waits in
 * the broker while its owner changes.
 */
export const PARTITION_TOPIC_ROOT = 'hm/v1/partitions';

/** `telemetry`: broker -> ingest (validated, deduplicated). `stored`: ingest -> prediction (in the store). */
export const PARTITION_STREAMS = ['telemetry', 'stored'] as const;
export type PartitionStream = (typeof PARTITION_STREAMS)[number];

/** Upper bound of HM_PARTITIONS: one MQTT session per partition and role. */
export const MAX_PARTITIONS = 1024;

export function partitionTopic(partition: number, stream: PartitionStream): string {
  return `${PARTITION_TOPIC_ROOT}/${partition}/${stream}`;
}

/** `hm/v1/partitions/+/<stream>`: the ACL filter of the service consuming a stream. */
export function allPartitionsFilter(stream: PartitionStream): string {
  return `${PARTITION_TOPIC_ROOT}/+/${stream}`;
}

/**
 * The partition of an asset: FNV-1a (32 bit) of its id modulo the partition
 * count. Stable across processes and versions, because every broker node and
 * worker must agree on it; changing HM_PARTITIONS moves assets between
 * partitions (see docs/cluster.md before changing it on a running cluster).
 */
export function partitionOf(assetId: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < assetId.length; i++) {
    h ^= assetId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}
