/**
 * The telemetry store port: everything ingest, prediction and the API need from
 * a time-series store, in domain terms only. Every adapter passes the contract
 * suite in `contract.ts`.
 *
 * Which reading is the "last" (a bucket's `last`, and `latest`), in both
 * adapters: the one with the greatest `ts`; among those, the greatest `seq`
 * (a reading without seq counts as 0); among readings still tied (different
 * devices of the asset with equal seq), the one with the larger value.
 *
 * Where the adapters differ. InfluxDB identifies a point by its series
 * (asset, device) and time, and the time is `ts` in ns plus `seq mod 1e6`
 * (influx/store.ts), so:
 * - A reading written again with the same (device, ts, seq) but different
 *   values: the embedded store keeps the first write whole (later ones are
 *   dropped); InfluxDB merges the writes field by field, each metric of the
 *   later write replacing the stored value and metrics only the earlier
 *   write had staying. Ingest deduplicates before the store, so this only
 *   happens on a replay of changed data.
 * - Readings of one device and asset at the same `ts` whose seqs are equal
 *   modulo 1e6 (1 and 1,000,001), or one without seq and one with seq 0 (or
 *   any multiple of 1e6), are one point in InfluxDB, merged as above; the
 *   embedded store keeps them apart. Freeing the sub-ms part would move
 *   every stored point, so this stays a documented limit.
 * - InfluxDB compares seqs modulo 1e6 for the order above: within one
 *   millisecond, seq 999,999 counts as later than 1,000,000 there.
 */

/** One reading as stored: an asset's metrics at one instant. */
export interface StoredReading {
  readonly assetId: string;
  readonly deviceId: string;
  /** UTC epoch milliseconds of the measurement (device clock). */
  readonly ts: number;
  /** Device sequence number; with deviceId and ts it identifies a duplicate. */
  readonly seq?: number | undefined;
  /** Booleans are stored as 0/1. */
  readonly metrics: Readonly<Record<string, number | boolean>>;
}

/** `last`: the bucket's last reading in the order described at the top of this file. */
export type Aggregation = 'mean' | 'min' | 'max' | 'last';

export interface RangeQuery {
  readonly assetId: string;
  readonly metrics: readonly string[];
  /** Inclusive start, epoch ms. */
  readonly from: number;
  /** Exclusive end, epoch ms. */
  readonly to: number;
  /** Bucket width in ms; omitted = raw points. */
  readonly stepMs?: number | undefined;
  readonly agg?: Aggregation | undefined;
}

/** A point of one metric's series; with bucketing `ts` is the bucket start. */
export interface SeriesPoint {
  readonly ts: number;
  readonly value: number;
}

export interface MetricSeries {
  readonly metric: string;
  readonly points: readonly SeriesPoint[];
}

export interface LatestValue {
  readonly metric: string;
  readonly ts: number;
  readonly value: number;
}

export interface TelemetryStore {
  /**
   * Durably writes a batch; resolves once the store has it. Re-writing a
   * reading is harmless (re-writing its key with other values is not the
   * same in every adapter: see the top of this file).
   * (Embedded: the WAL commit is fsynced. InfluxDB: the server answered 204.)
   * Rejects when the batch was not stored; the caller may retry the whole batch.
   */
  writeBatch(readings: readonly StoredReading[]): Promise<void>;
  /**
   * One series per requested metric, in request order (empty `points` when
   * there is no data); points ascending by `ts`. With `stepMs`, `agg`
   * defaults to 'mean', bucket starts are multiples of `stepMs` since the
   * epoch and empty buckets are omitted.
   */
  queryRange(query: RangeQuery): Promise<MetricSeries[]>;
  /**
   * The newest value of each metric of the asset (all, or those listed that
   * have data), sorted by metric; "newest" as for `last` (top of this file).
   */
  latest(assetId: string, metrics?: readonly string[]): Promise<LatestValue[]>;
  /**
   * Retention: deletes every reading strictly older than `before` (epoch ms).
   * InfluxDB 3.x has no delete API and rejects this: its database's own
   * retention period applies instead.
   */
  deleteBefore(before: number): Promise<void>;
  /** Reachability for /health. */
  ping(): Promise<boolean>;
  /**
   * Embedded stores only: writes a consistent copy of the whole store to
   * `file` while it stays online (what `npm run backup` uses). Server stores
   * leave it out: they have their own backup tools (influxd backup).
   */
  snapshotTo?(file: string): Promise<void>;
  close(): Promise<void>;
}

/** The write side alone: what ingest drains its spool into (a store, or the broker role's partition forwarder). */
export type TelemetrySink = Pick<TelemetryStore, 'writeBatch'>;
