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
  /** JSON CustomerBilling (migration 0013). */
  billing: Nullable<string>;
  /** IANA zone (migration 0017): the clock of contracts whose site is left at UTC. */
  time_zone: ColumnType<string, string | undefined, string>;
}

export interface SitesTable extends Timestamps {
  id: string;
  customer_id: string;
  name: string;
  address: Nullable<string>;
  lat: Nullable<number>;
  lon: Nullable<number>;
  timezone: string;
  /** Migration 0013: the rate card region of work at this site. */
  service_region: Nullable<string>;
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
  /** JSON of PredictionSettings. */
  prediction: ColumnType<string, string | undefined, string>;
  /** Repeat-failure window in days (migration 0011); null: the service default. */
  repeat_window_days: ColumnType<number | null, number | null | undefined, number | null>;
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
  /** A customer-role key's customer (migration 0025); null for staff keys. */
  customer_id: Nullable<string>;
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
  /** Migration 0017: JSON of the day's 96 quarter hours (ms each, summing to operating_ms); null: recorded before. */
  quarter_ms: Nullable<string>;
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

// ---------------------------------------------------------------- service operations (migration 0003)
// Declared as a second `Database` block (interfaces merge) so other migrations
// can append their tables without touching these lines.

export interface WorkOrdersTable extends Timestamps {
  id: string;
  kind: string;
  state: string;
  asset_id: string;
  failure_mode: Nullable<string>;
  alert_id: Nullable<string>;
  description: Nullable<string>;
  reason: Nullable<string>;
  source: Nullable<string>;
  severity: Nullable<string>;
  rul_hours: Nullable<number>;
  /** JSON array of part numbers. */
  suggested_part_numbers: Nullable<string>;
  schedule_id: Nullable<string>;
  technician: Nullable<string>;
  window_from: Nullable<number>;
  window_to: Nullable<number>;
  sla_due_at: Nullable<number>;
  repeat_of_id: Nullable<string>;
  completed_at: Nullable<number>;
  cancelled_at: Nullable<number>;
  /** Migration 0022: the assigned technician; `technician` stays as the free text of older orders. */
  technician_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface WorkOrderEventsTable {
  id: string;
  work_order_id: string;
  from_state: Nullable<string>;
  to_state: string;
  actor: string;
  at: number;
  note: Nullable<string>;
}

export interface WorkOrderCompletionsTable {
  work_order_id: string;
  failure_at: number;
  symptom_code: string;
  cause_code: string;
  remedy_code: string;
  responsible_department: string;
  labour_hours: number;
  travel_hours: number;
  downtime_from: number;
  downtime_to: number;
  fixed_on_first_visit: number;
  in_warranty: number;
  charged_to: string;
  contract_id: Nullable<string>;
  production_batch_id: Nullable<string>;
  parts_cost_minor: number;
  labour_cost_minor: number;
  travel_cost_minor: number;
  total_cost_minor: number;
  currency: string;
  completed_by: string;
  completed_at: number;
  /** The repeat order that made this no first-time fix (migration 0011). */
  repeated_by_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface WorkOrderPartsConsumedTable {
  work_order_id: string;
  part_id: string;
  part_number: string;
  quantity: number;
  unit_cost_minor: number;
  currency: string;
}

export interface FailureCodesTable {
  asset_model_id: string;
  kind: string;
  code: string;
  description: string;
}

export interface MaintenanceSchedulesTable extends Timestamps {
  id: string;
  asset_id: string;
  failure_mode: string;
  description: Nullable<string>;
  interval_days: Nullable<number>;
  interval_hours: Nullable<number>;
  last_done_at: number;
  last_done_hours: number;
  active: number;
}

export interface PartsTable extends Timestamps {
  id: string;
  part_number: string;
  description: string;
  unit_cost_minor: number;
  currency: string;
  superseded_by: Nullable<string>;
}

export interface PartFitsTable {
  part_id: string;
  asset_model_id: string;
}

export interface WarehousesTable extends Timestamps {
  id: string;
  code: string;
  name: string;
  level: string;
  parent_id: Nullable<string>;
  lat: number;
  lon: number;
}

export interface StockLevelsTable {
  warehouse_id: string;
  part_id: string;
  on_hand: number;
  reserved: number;
  reorder_point: number;
  reorder_quantity: number;
  updated_at: number;
}

export interface StockMovementsTable {
  id: string;
  warehouse_id: string;
  part_id: string;
  kind: string;
  quantity: number;
  work_order_id: Nullable<string>;
  transfer_id: Nullable<string>;
  note: Nullable<string>;
  at: number;
}

export interface PartRequestsTable {
  id: string;
  work_order_id: string;
  part_id: string;
  quantity: number;
  warehouse_id: Nullable<string>;
  state: string;
  served_from_stock: number;
  sourcing: string;
  transfer_id: Nullable<string>;
  requested_at: number;
  updated_at: number;
}

export interface PartReturnsTable {
  id: string;
  work_order_id: string;
  part_id: string;
  quantity: number;
  condition: string;
  warehouse_id: string;
  /** JSON array of serial numbers, when given. */
  serial_numbers: Nullable<string>;
  returned_by: string;
  returned_at: number;
  /** RMA (migration 0024): repair | scrap | return_to_supplier. */
  disposition: Nullable<string>;
  /** manufacturing_defect | wear | misuse | no_fault_found. */
  failure_analysis: Nullable<string>;
  analysed_by: Nullable<string>;
  analysed_at: Nullable<number>;
  /** What a confirmed manufacturing defect charged to this batch's quality reserve. */
  reserve_batch_id: Nullable<string>;
  reserve_charge_minor: Nullable<number>;
  reserve_currency: Nullable<string>;
}

export interface QualityReserveEventsTable {
  production_batch_id: string;
  kind: string;
  reserve_minor: number;
  consumed_minor: number;
  amount_minor: number;
  currency: string;
  at: number;
}

export interface StockTransfersTable extends Timestamps {
  id: string;
  part_id: string;
  quantity: number;
  from_warehouse_id: Nullable<string>;
  to_warehouse_id: string;
  part_request_id: Nullable<string>;
  state: string;
}

export interface Database {
  work_orders: WorkOrdersTable;
  work_order_events: WorkOrderEventsTable;
  work_order_completions: WorkOrderCompletionsTable;
  work_order_parts_consumed: WorkOrderPartsConsumedTable;
  failure_codes: FailureCodesTable;
  maintenance_schedules: MaintenanceSchedulesTable;
  parts: PartsTable;
  part_fits: PartFitsTable;
  warehouses: WarehousesTable;
  stock_levels: StockLevelsTable;
  stock_movements: StockMovementsTable;
  part_requests: PartRequestsTable;
  stock_transfers: StockTransfersTable;
  part_returns: PartReturnsTable;
  quality_reserve_events: QualityReserveEventsTable;
}

// ---------------------------------------------------------------- prediction (migration 0004)

export interface AlertsTable extends Timestamps {
  id: string;
  asset_id: string;
  failure_mode: string;
  severity: string;
  state: string;
  /** JSON of the AlertEvidence. */
  evidence: string;
  /** Detector or RUL model version that raised it (precision is reported per version). */
  model_version: string;
  work_order_id: Nullable<string>;
  raised_at: number;
  last_detected_at: number;
  closed_at: Nullable<number>;
  /** JSON of the AlertEvidence that raised it (later detections replace `evidence`, never this); null for alerts raised before migration 0026. */
  raise_evidence: Nullable<string>;
  /** The person (users.id) the alert is assigned to. */
  assignee_id: Nullable<string>;
  /** Hidden from the default triage list until this instant. */
  snoozed_until: Nullable<number>;
}

export interface AlertTransitionsTable {
  alert_id: string;
  seq: number;
  from_state: Nullable<string>;
  to_state: string;
  at: number;
  actor: string;
  reason: string;
}

export interface RulEstimatesTable {
  asset_id: string;
  ts: number;
  model_version: string;
  hours: number;
  lower_hours: number;
  upper_hours: number;
  failure_mode: Nullable<string>;
  /** Probability of failing within the lead time (0020), when the model gives one. */
  failure_probability: Nullable<number>;
  created_at: number;
}

export interface Database {
  alerts: AlertsTable;
  alert_transitions: AlertTransitionsTable;
  rul_estimates: RulEstimatesTable;
}

// ---------------------------------------------------------------- contracts and billing (migration 0005)

export interface ContractsTable extends Timestamps {
  id: string;
  customer_id: string;
  kind: string;
  currency: string;
  billing_period: string;
  starts_on: string;
  ends_on: string;
  current_version: number;
}

export interface ContractVersionsTable {
  contract_id: string;
  version: number;
  effective_from: string;
  ends_on: string;
  /** JSON array of asset ids. */
  asset_ids: string;
  /** JSON of the term set. */
  terms: string;
  reason: Nullable<string>;
  created_at: number;
}

export interface ContractAssetsTable {
  contract_id: string;
  version: number;
  asset_id: string;
  kind: string;
  from_day: string;
  to_day: string;
}

export interface UsageRecordsTable {
  id: string;
  asset_id: string;
  day: string;
  operating_ms: number;
  version: number;
  /** Version of the hour meter's daily total it was taken from. */
  source_version: number;
  computed_at: number;
}

export interface InvoiceRunsTable {
  id: string;
  period: string;
  status: string;
  started_at: number;
  finished_at: Nullable<number>;
  result: Nullable<string>;
}

export interface InvoicesTable extends Timestamps {
  id: string;
  contract_id: string;
  customer_id: string;
  idempotency_key: string;
  period_start: string;
  period_end: string;
  currency: string;
  status: string;
  number: Nullable<string>;
  total_minor: number;
  issued_at: Nullable<number>;
  run_id: Nullable<string>;
  tax_minor: ColumnType<number, number | undefined, number>;
  due_date: Nullable<string>;
  /** JSON BillTo, frozen at issue. */
  bill_to: Nullable<string>;
  /** Migration 0012: why an admin issued it before its period closed, and who. */
  issue_forced_reason?: Nullable<string>;
  issue_forced_by?: Nullable<string>;
}

export interface InvoiceLinesTable {
  invoice_id: string;
  line_no: number;
  kind: string;
  description: string;
  asset_id: Nullable<string>;
  work_order_id: Nullable<string>;
  from_day: Nullable<string>;
  to_day: Nullable<string>;
  quantity: number;
  unit_price_minor: number;
  amount_minor: number;
  tax_rate_bp: ColumnType<number, number | undefined, number>;
  tax_minor: ColumnType<number, number | undefined, number>;
  /** Migration 0012: for an adjustment line, the start of the issued period it corrects and the part of its charge. */
  adjusts_period?: Nullable<string>;
  adjusts_kind?: Nullable<string>;
}

export interface InvoiceUsageTable {
  invoice_id: string;
  contract_id: string;
  asset_id: string;
  day: string;
  billed_ms: number;
  usage_version: number;
}

export interface CreditNotesTable {
  id: string;
  invoice_id: string;
  number: string;
  reason: string;
  amount_minor: number;
  currency: string;
  issued_at: number;
  tax_minor: ColumnType<number, number | undefined, number>;
}

export interface PaymentsTable {
  id: string;
  invoice_id: string;
  customer_id: string;
  amount_minor: number;
  applied_minor: number;
  credit_minor: number;
  currency: string;
  received_on: string;
  reference: Nullable<string>;
  created_at: number;
}

export interface RateCardsTable {
  id: string;
  /** '' for the organisation's default. */
  region: string;
  currency: string;
  labour_rate_per_hour_minor: number;
  travel_rate_per_hour_minor: number;
  effective_from: string;
  created_at: number;
}

export interface ExchangeRatesTable {
  id: string;
  from_currency: string;
  to_currency: string;
  rate_e8: number;
  as_of: string;
  created_at: number;
}

export interface DocumentCountersTable {
  series: string;
  year: number;
  last_value: number;
}

/** Migration 0012: an asset's owners over time (one row per owner change; none while it never changed). */
export interface AssetOwnersTable {
  asset_id: string;
  from_day: string;
  customer_id: string;
  site_id: string;
  recorded_at: number;
}

export interface Database {
  asset_owners: AssetOwnersTable;
  contracts: ContractsTable;
  contract_versions: ContractVersionsTable;
  contract_assets: ContractAssetsTable;
  usage_records: UsageRecordsTable;
  usage_record_versions: UsageRecordsTable;
  invoice_runs: InvoiceRunsTable;
  invoices: InvoicesTable;
  invoice_lines: InvoiceLinesTable;
  invoice_usage: InvoiceUsageTable;
  credit_notes: CreditNotesTable;
  document_counters: DocumentCountersTable;
  payments: PaymentsTable;
  rate_cards: RateCardsTable;
  exchange_rates: ExchangeRatesTable;
}

// ---------------------------------------------------------------- RUL model registry (migration 0006)

export interface RulModelsTable {
  id: string;
  asset_model_id: string;
  version: number;
  /** 'active' (at most one per asset model) or 'inactive'. */
  status: string;
  /** Where the training data came from, e.g. `cmapss:FD001` or `telemetry`. */
  source: string;
  /** Time range of telemetry training data (null for file sources). */
  training_from: Nullable<number>;
  training_to: Nullable<number>;
  training_units: number;
  training_rows: number;
  /** JSON: the model's training metadata plus the runs it was trained on. */
  training: string;
  /** JSON of the feature spec. */
  feature_spec: string;
  /** Held-out RMSE (degrading cycles, against true RUL), PHM08 score and band coverage. */
  rmse: number;
  score: number;
  band_coverage: number;
  /** JSON of the full validation metrics. */
  metrics: string;
  hours_per_cycle: number;
  /** The serialised model (SerializedRulModel JSON); large text. */
  model_json: string;
  created_by: Nullable<string>;
  created_at: number;
  activated_at: Nullable<number>;
}

export interface Database {
  rul_models: RulModelsTable;
}

// ---------------------------------------------------------------- partition leases (migration 0008)

export interface PartitionLeasesTable {
  group_name: string;
  partition: number;
  owner: string;
  expires_at: number;
}

export interface PartitionMembersTable {
  group_name: string;
  member: string;
  expires_at: number;
}

export interface Database {
  partition_leases: PartitionLeasesTable;
  partition_members: PartitionMembersTable;
}

// ---------------------------------------------------------------- device connections (migration 0009)

export interface DeviceConnectionsTable {
  device_id: string;
  /** 1 while a broker node holds a connection of the device. */
  online: number;
  last_seen_at: number;
  client_address: Nullable<string>;
  transport: string;
  connected_since: Nullable<number>;
  disconnected_at: Nullable<number>;
  broker_node: string;
}

export interface Database {
  device_connections: DeviceConnectionsTable;
}

// ---------------------------------------------------------------- reliability models (migration 0014)

export interface ReliabilityModelsTable {
  id: string;
  asset_model_id: string;
  failure_mode: string;
  version: number;
  status: string;
  /** 'weibull' (population model) or 'condition' (condition-based RUL, migration 0021). */
  kind: string;
  /** 'operating_hours' or 'calendar_hours'. */
  age_axis: string;
  /** 'as_good_as_new' or 'minimal_repair'. */
  restoration: string;
  /** Cut-off of the data the model was fitted on (epoch ms). */
  data_to: number;
  failures: number;
  censored: number;
  /** JSON of the fit (parameters, bounds, B10, MTTF) or of why there is none. */
  fit: string;
  /** JSON of the time-split backtest figures (null when there was nothing after the split to score). */
  backtest: Nullable<string>;
  /** 'manual', 'auto' (new failures) or 'schedule'. */
  trigger: string;
  created_by: Nullable<string>;
  created_at: number;
  activated_at: Nullable<number>;
  /** A condition version's trees and channel spec as JSON (migration 0021); null for Weibull versions. */
  model_json: Nullable<string>;
}

// ---------------------------------------------------------------- integrations (migration 0015)

export interface IntegrationOutboxTable {
  /** The event id (`evt_...`). */
  id: string;
  type: string;
  /** The versioned event envelope as JSON (the same as on /api/v1/events). */
  envelope: string;
  at: number;
  /** When its webhook deliveries were created; null while pending. */
  dispatched_at: Nullable<number>;
  /** When its notification mails were queued; null while pending. */
  notified_at: Nullable<number>;
}

export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  description: Nullable<string>;
  /** JSON array of event types or `<entity>.*` patterns. */
  event_types: string;
  /** HMAC key (`whsec_...`): kept readable, it signs every delivery. */
  secret: string;
  /** `active` or `disabled`. */
  status: string;
  allow_private_network: number;
  /** Start of the current run of failed attempts (null after a success). */
  failing_since: Nullable<number>;
  disabled_at: Nullable<number>;
  disabled_reason: Nullable<string>;
  created_at: number;
  updated_at: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  /** The exact bytes signed and sent. */
  body: string;
  /** `pending`, `succeeded` or `failed` (retries exhausted or subscription disabled). */
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_status_code: Nullable<number>;
  last_error: Nullable<string>;
  created_at: number;
  updated_at: number;
  completed_at: Nullable<number>;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  at: number;
  status_code: Nullable<number>;
  error: Nullable<string>;
  duration_ms: number;
  response_excerpt: Nullable<string>;
  /** 1 for a redelivery an admin asked for. */
  manual: number;
}

export interface NotificationRecipientsTable {
  id: string;
  name: string;
  email: string;
  /** The role whose default rules apply (admin, engineer, planner, account-manager). */
  role: string;
  /** The API key of the person, when there is one (their own preferences through /me). */
  api_key_id: Nullable<string>;
  /** The user account of the person, when there is one (migration 0019): name, e-mail and role follow the user. */
  user_id: Nullable<string>;
  /** JSON: rule -> `immediate` | `digest` | `off`, overriding the role's defaults. */
  preferences: string;
  created_at: number;
  updated_at: number;
}

export interface NotificationMessagesTable {
  id: string;
  recipient_id: string;
  /** The outbox event it tells of, or `digest:<day>` for a daily digest. */
  event_id: string;
  rule: string;
  /** `pending` (to send), `sent`, `failed` (refused for good), `digest` (waits for the daily digest), `digested`. */
  status: string;
  subject: string;
  text_body: string;
  html_body: string;
  attempts: number;
  next_attempt_at: number;
  last_error: Nullable<string>;
  created_at: number;
  sent_at: Nullable<number>;
}

// ---------------------------------------------------------------- idempotency keys (migration 0010)

export interface IdempotencyKeysTable {
  /** Who sent it (the API key id): keys of different callers never collide. */
  scope: string;
  key: string;
  /** SHA-256 of method, URL and body: the same key with another request is refused. */
  fingerprint: string;
  /** The first answer's status; null while it is being handled. */
  status: Nullable<number>;
  response: Nullable<string>;
  created_at: number;
  completed_at: Nullable<number>;
}

export interface Database {
  reliability_models: ReliabilityModelsTable;
  notification_recipients: NotificationRecipientsTable;
  notification_messages: NotificationMessagesTable;
  integration_outbox: IntegrationOutboxTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  idempotency_keys: IdempotencyKeysTable;
}

// ---------------------------------------------------------------- people (migration 0016)

export interface UsersTable {
  id: string;
  name: string;
  email: string;
  role: string;
  /** `scrypt$N$r$p$salt$hash` (base64url parts). */
  password_hash: string;
  failed_sign_ins: number;
  locked_until: Nullable<number>;
  disabled_at: Nullable<number>;
  last_sign_in_at: Nullable<number>;
  created_at: number;
  updated_at: number;
  /** A customer-role user's customer (migration 0025); null for staff. */
  customer_id: Nullable<string>;
}

export interface UserSessionsTable {
  /** SHA-256 of the cookie value: the table alone cannot be replayed. */
  token_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

export interface Database {
  users: UsersTable;
  user_sessions: UserSessionsTable;
}

// ---------------------------------------------------------------- SLA risk (migration 0019)

/** A PBH contract's availability at risk in a billing period, announced once (`contract.sla_at_risk`). */
export interface SlaRiskSignalsTable {
  contract_id: string;
  period_start: string;
  period_end: string;
  /** The outbox event written in the same transaction. */
  event_id: string;
  at: number;
}

export interface Database {
  sla_risk_signals: SlaRiskSignalsTable;
}

// ---------------------------------------------------------------- technicians (migration 0022)

export interface TechniciansTable extends Timestamps {
  id: string;
  name: string;
  email: string;
  home_lat: number;
  home_lon: number;
  service_region: string;
  /** The technician's van: a warehouse of level `van`. */
  van_warehouse_id: string;
  /** JSON WeeklyCalendar (UTC minutes per weekday). */
  calendar: string;
  active: number;
}

export interface TechnicianCertificationsTable {
  technician_id: string;
  asset_model_id: string;
  certification: string;
  /** ISO date, inclusive; null: no expiry. */
  valid_until: Nullable<string>;
}

export interface TechnicianAbsencesTable {
  id: string;
  technician_id: string;
  from_ms: number;
  to_ms: number;
  reason: string;
  created_at: number;
}

// ---------------------------------------------------------------- SLA entitlements and service requests (migration 0023)

export interface SlaEntitlementsTable {
  id: string;
  contract_id: Nullable<string>;
  customer_class: Nullable<string>;
  priority: string;
  response_minutes: number;
  fix_minutes: number;
  created_at: number;
  updated_at: number;
}

export interface WorkOrderSlaTable {
  work_order_id: string;
  priority: string;
  basis: string;
  customer_class: string;
  contract_id: Nullable<string>;
  entitlement_id: Nullable<string>;
  started_at: number;
  response_ms: number;
  fix_ms: number;
  overridden_by: Nullable<string>;
  overridden_at: Nullable<number>;
}

export interface WorkOrderHoldsTable {
  id: string;
  work_order_id: string;
  reason: string;
  note: Nullable<string>;
  started_at: number;
  ended_at: Nullable<number>;
  started_by: string;
  ended_by: Nullable<string>;
}

export interface ServiceRequestsTable {
  id: string;
  type: string;
  state: string;
  asset_id: string;
  customer_id: string;
  symptom: string;
  contact: string;
  channel: string;
  cause_kind: Nullable<string>;
  cause_work_order_id: Nullable<string>;
  cause_invoice_id: Nullable<string>;
  cause_note: Nullable<string>;
  received_at: number;
  created_by: string;
  work_order_id: Nullable<string>;
  outcome: Nullable<string>;
  triaged_by: Nullable<string>;
  triaged_at: Nullable<number>;
  created_at: number;
  updated_at: number;
}

// ---------------------------------------------------------------- installation checklists, hazard records (migration 0024)

export interface InstallationChecklistTemplatesTable {
  asset_model_id: string;
  code: string;
  label: string;
  mandatory: number;
  position: number;
}

export interface WorkOrderChecklistItemsTable {
  work_order_id: string;
  code: string;
  label: string;
  mandatory: number;
  position: number;
  done_by: Nullable<string>;
  done_at: Nullable<number>;
}

export interface HazardsTable {
  id: string;
  title: string;
  responsible_department: string;
  cause_code: string;
  failure_mode: string;
  /** JSON array of asset model ids. */
  asset_model_ids: string;
  root_cause: Nullable<string>;
  corrective_action: Nullable<string>;
  corrective_action_at: Nullable<number>;
  preventive_action: Nullable<string>;
  owner: string;
  /** ISO date. */
  due_on: string;
  verified_at: Nullable<number>;
  verified_by: Nullable<string>;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface Database {
  technicians: TechniciansTable;
  technician_certifications: TechnicianCertificationsTable;
  technician_absences: TechnicianAbsencesTable;
  sla_entitlements: SlaEntitlementsTable;
  work_order_sla: WorkOrderSlaTable;
  work_order_holds: WorkOrderHoldsTable;
  service_requests: ServiceRequestsTable;
  installation_checklist_templates: InstallationChecklistTemplatesTable;
  work_order_checklist_items: WorkOrderChecklistItemsTable;
  hazards: HazardsTable;
}

// ---------------------------------------------------------------- leads and NPS (migration 0028)

/** A sales lead recorded on a service visit (issue #19); `technician` is the work order's free text. */
export interface LeadsTable {
  id: string;
  work_order_id: string;
  customer_id: string;
  technician: string;
  /** The site's service region when recorded (reports group by it). */
  region: Nullable<string>;
  need: string;
  product: string;
  estimated_minor: number;
  currency: string;
  contact_name: string;
  contact_email: Nullable<string>;
  contact_phone: Nullable<string>;
  state: string;
  reason: Nullable<string>;
  won_minor: Nullable<number>;
  payout_minor: Nullable<number>;
  recorded_by: Nullable<string>;
  decided_by: Nullable<string>;
  closed_at: Nullable<number>;
  created_at: number;
  updated_at: number;
}

/** One NPS answer per work order (visit). */
export interface NpsResponsesTable {
  work_order_id: string;
  customer_id: string;
  score: number;
  comment: Nullable<string>;
  recorded_by: Nullable<string>;
  responded_at: number;
}

export interface Database {
  leads: LeadsTable;
  nps_responses: NpsResponsesTable;
}

// ---------------------------------------------------------------- service products (migration 0029)

/** A priced plan for an asset model: kind, term, price or pricing settings, eligibility limits. */
export interface ServiceProductsTable extends Timestamps {
  id: string;
  asset_model_id: string;
  /** extended_warranty | inspection_plan | remote_monitoring | training */
  kind: string;
  name: string;
  currency: string;
  term_months: number;
  /** The fixed price per asset and term (every kind but the extended warranty, priced from reliability). */
  price_minor: number;
  margin_percent: number;
  /** A failure mode's cost when no completed corrective work order of it has one. */
  default_failure_cost_minor: number;
  /** JSON: the eligibility limits. */
  eligibility: string;
  /** How many days before the end the renewal is due. */
  reminder_days: number;
  active: number;
}

/** A quote for one or more assets of one customer; accepted, it is the agreement. */
export interface ServiceQuotesTable {
  id: string;
  product_id: string;
  customer_id: string;
  /** JSON array of asset ids. */
  asset_ids: string;
  /** quoted | accepted | declined | expired | renewed */
  status: string;
  starts_on: string;
  ends_on: string;
  currency: string;
  total_minor: number;
  /** JSON: the price's working per asset. */
  working: string;
  valid_until: number;
  renewal_of_id: Nullable<string>;
  /** The warranty contract an accepted extended warranty created. */
  contract_id: Nullable<string>;
  decided_at: Nullable<number>;
  decided_by: Nullable<string>;
  reminded_at: Nullable<number>;
  created_at: number;
}

export interface Database {
  service_products: ServiceProductsTable;
  service_quotes: ServiceQuotesTable;
}
