import type { RangeQuery, MetricSeries, StoredReading } from '@hourmeter/telemetry-store';
import type { MeterSettings } from './core/operating-time.js';

/** Where the readings come from: the telemetry store's range query. */
export interface SampleSource {
  queryRange(query: RangeQuery): Promise<MetricSeries[]>;
}

/** Per-asset running rule and gap limit (from the asset's model). */
export interface SettingsSource {
  /** `fresh`: bypass any cache (a recompute applies a model edit at once). */
  settingsFor(assetId: string, opts?: { fresh?: boolean }): Promise<MeterSettings | undefined>;
}

export interface DailyTotal {
  assetId: string;
  day: string;
  operatingMs: number;
  samples: number;
  gapMs: number;
  counterResets: number;
  firstSampleTs: number | null;
  lastSampleTs: number | null;
  settings: string;
  /** The day's 96 quarter hours (ms, summing to `operatingMs`): days on any clock are cut from them. */
  quarterMs?: number[] | undefined;
}

/** Persisted, versioned daily totals (the relational store's operating-hours repository fits). */
export interface TotalsStore {
  /**
   * `amend`: replace the current version (the day is still filling up) instead
   * of adding one, unless billing used it. `onlyIfRecorded`: never create the
   * day, only update it. `current`: the day's record after the call, if any.
   */
  record(total: DailyTotal, opts?: { amend?: boolean; onlyIfRecorded?: boolean }): Promise<{ changed: boolean; current: object | undefined }>;
}

export type { StoredReading };
