import type { RangeQuery, MetricSeries, StoredReading } from '@hourmeter/telemetry-store';
import type { MeterSettings } from './core/operating-time.js';

/** Where the readings come from: the telemetry store's range query. */
export interface SampleSource {
  queryRange(query: RangeQuery): Promise<MetricSeries[]>;
}

/** Per-asset running rule and gap limit (from the asset's model). */
export interface SettingsSource {
  settingsFor(assetId: string): Promise<MeterSettings | undefined>;
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
}

/** Persisted, versioned daily totals (the relational store's operating-hours repository fits). */
export interface TotalsStore {
  /** `amend`: replace the current version (the day is still filling up) instead of adding one. */
  record(total: DailyTotal, opts?: { amend?: boolean }): Promise<{ changed: boolean }>;
}

export type { StoredReading };
