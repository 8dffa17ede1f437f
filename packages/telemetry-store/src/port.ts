/**
 * The telemetry store port: everything ingest, prediction and the API need from
 * a time-series store, in domain terms only. Every adapter passes the contract
 * suite in `contract.ts`.
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
   * Durably writes a batch; resolves once the store has it. Re-writing a reading is harmless.
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
  /** The newest value of each metric of the asset (all, or those listed that have data), sorted by metric. */
  latest(assetId: string, metrics?: readonly string[]): Promise<LatestValue[]>;
  /** Retention: deletes every reading strictly older than `before` (epoch ms). */
  deleteBefore(before: number): Promise<void>;
  /** Reachability for /health. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The write side alone: what ingest drains its spool into (a store, or the broker role's partition forwarder). */
export type TelemetrySink = Pick<TelemetryStore, 'writeBatch'>;
