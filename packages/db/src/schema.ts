import type { ColumnType } from 'kysely';

/**
 * Row shapes of the relational store. Column types are chosen to mean the same
 * on SQLite and PostgreSQL: text ids, bigint epoch ms and minor units (pg's int8
 * parser is set to return numbers, see connect.ts), ISO dates as text, JSON as text.
 */
type Timestamps = { created_at: number; updated_at: number };
type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>;

export interface CustomersTable extends Timestamps {
  id: string;
  name: string;
  currency: string;
  external_ref: Nullable<string>;
  annual_revenue_minor: number;
  on_time_payment_rate: number;
  customer_since: Nullable<string>;
  annual_cost_to_serve_minor: number;
  size: string;
  influence: number;
}

export interface SitesTable extends Timestamps {
  id: string;
  customer_id: string;
  name: string;
  address: Nullable<string>;
  lat: Nullable<number>;
  lon: Nullable<number>;
  timezone: string;
}

export interface AssetModelsTable extends Timestamps {
  id: string;
  code: string;
  name: string;
  manufacturer: Nullable<string>;
  running_rule: string;
  max_gap_seconds: number;
  warranty_months: number;
  lead_time_hours: number;
}

export interface ProductionBatchesTable extends Timestamps {
  id: string;
  asset_model_id: string;
  code: string;
  produced_on: string;
  unit_count: number;
  quality_reserve_minor: number;
  currency: string;
}

export interface AssetsTable extends Timestamps {
  id: string;
  serial_number: string;
  asset_model_id: string;
  production_batch_id: Nullable<string>;
  site_id: string;
  commissioned_on: string;
  warranty_ends_on: string;
  status: string;
}

export interface DevicesTable extends Timestamps {
  id: string;
  asset_id: string;
  name: Nullable<string>;
  secret_hash: string;
  status: string;
  revoked_at: Nullable<number>;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  role: string;
  prefix: string;
  key_hash: string;
  created_at: number;
  revoked_at: Nullable<number>;
  last_used_at: Nullable<number>;
}

export interface OperatingHoursTable {
  asset_id: string;
  day: string;
  operating_ms: number;
  samples: number;
  gap_ms: number;
  counter_resets: number;
  first_sample_ts: Nullable<number>;
  last_sample_ts: Nullable<number>;
  /** JSON of the running rule and gap limit the total was computed with. */
  settings: string;
  version: number;
  computed_at: number;
}

export interface Database {
  customers: CustomersTable;
  sites: SitesTable;
  asset_models: AssetModelsTable;
  production_batches: ProductionBatchesTable;
  assets: AssetsTable;
  devices: DevicesTable;
  api_keys: ApiKeysTable;
  operating_hours_daily: OperatingHoursTable;
  operating_hours_versions: OperatingHoursTable;
}
