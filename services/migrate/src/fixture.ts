/**
 * An embedded installation for the migration tests: every relational table
 * populated (through the repositories where they make it easy, typed Kysely
 * inserts elsewhere), one issued invoice with lines, usage and a credit note,
 * and a DuckDB telemetry file.
 */
import { openDb, repositories } from '@hourmeter/db';
import { createDuckDbTelemetryStore, type StoredReading } from '@hourmeter/telemetry-store';
import { pino } from 'pino';

const silent = pino({ level: 'silent' });
const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

export interface FixtureSize {
  /** Assets (each with a device, daily hours, telemetry). */
  assets: number;
  /** Days of operating hours per asset (each recomputed once: two versions). */
  days: number;
  /** Readings per asset (one per minute from T0). */
  readingsPerAsset: number;
  /** Extra stock movements (bulk rows for the throughput figure). */
  movements: number;
}

export const SMALL: FixtureSize = { assets: 4, days: 20, readingsPerAsset: 1_500, movements: 200 };

const day = (i: number) => new Date(T0 + i * 86_400_000).toISOString().slice(0, 10);

export async function buildEmbeddedInstallation(dataDir: string, size: FixtureSize = SMALL): Promise<{ readings: number; assetIds: string[] }> {
  const db = await openDb({ dataDir, logger: silent });
  const repos = repositories(db);
  const k = db.kysely;
  const now = T0 + 40 * 86_400_000;
  try {
    const customer = await repos.customers.create({
      name: 'Acme "Foods" — Zürich',
      currency: 'EUR',
      value: { annualRevenueMinor: 12_345_600, onTimePaymentRate: 0.97, annualCostToServeMinor: 99_000, size: 'large', influence: 0.5 },
    });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant 1', timezone: 'Europe/Zurich' });
    const model = await repos.assetModels.create({
      code: 'PUMP-1',
      name: 'Pump',
      runningRule: { kind: 'threshold', metric: 'rpm', above: 100 },
      maxGapSeconds: 600,
      warrantyMonths: 12,
      leadTimeHours: 72,
    });
    await k
      .insertInto('production_batches')
      .values({ id: 'pb_1', asset_model_id: model.id, code: 'B-2025-07', produced_on: '2025-07-01', unit_count: 40, quality_reserve_minor: 250_000, currency: 'EUR', created_at: T0, updated_at: T0 })
      .execute();
    const assetIds: string[] = [];
    const deviceIds: string[] = [];
    for (let i = 0; i < size.assets; i++) {
      const a = await repos.assets.create({ serialNumber: `SN-${i + 1}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2025-09-01', status: 'active' });
      assetIds.push(a.id);
      deviceIds.push((await repos.devices.create({ assetId: a.id, name: `gateway ${i + 1}` })).device.id);
    }
    await k.updateTable('assets').set({ production_batch_id: 'pb_1' }).where('id', '=', assetIds[0]!).execute();
    await repos.apiKeys.create({ name: 'admin', role: 'admin' }, T0);
    await repos.apiKeys.create({ name: 'planner', role: 'planner' }, T0);

    // Operating hours: every day recorded twice (the second is version 2 in the history).
    for (const assetId of assetIds) {
      for (let d = 0; d < size.days; d++) {
        for (const hours of [8, 8 + (d % 3) / 2]) {
          await repos.operatingHours.record({
            assetId, day: day(d), operatingMs: hours * H, samples: 1440, gapMs: 60_000, counterResets: 0,
            firstSampleTs: T0 + d * 86_400_000, lastSampleTs: T0 + d * 86_400_000 + 86_340_000, settings: '{"rule":"rpm>100"}',
          });
        }
      }
    }
    const [a1, a2] = assetIds as [string, string];

    // Service operations (migration 0003).
    await k.insertInto('parts').values([
      { id: 'prt_1', part_number: 'BRG-6204', description: 'Bearing', unit_cost_minor: 1_250, currency: 'EUR', superseded_by: null, created_at: T0, updated_at: T0 },
      { id: 'prt_2', part_number: 'SEAL-40', description: 'Seal, 40 mm', unit_cost_minor: 830, currency: 'EUR', superseded_by: 'prt_1', created_at: T0, updated_at: T0 },
    ]).execute();
    await k.insertInto('part_fits').values([{ part_id: 'prt_1', asset_model_id: model.id }, { part_id: 'prt_2', asset_model_id: model.id }]).execute();
    // Inserted child first in rowid order: the copy must not depend on it.
    await k.insertInto('warehouses').values({ id: 'wh_2', code: 'ZRH', name: 'Zürich van', level: 'van', parent_id: null, lat: 47.37, lon: 8.54, created_at: T0, updated_at: T0 }).execute();
    await k.insertInto('warehouses').values({ id: 'wh_1', code: 'CENTRAL', name: 'Central', level: 'central', parent_id: null, lat: 50.11, lon: 8.68, created_at: T0, updated_at: T0 }).execute();
    await k.updateTable('warehouses').set({ parent_id: 'wh_1' }).where('id', '=', 'wh_2').execute();
    await k.insertInto('stock_levels').values([
      { warehouse_id: 'wh_1', part_id: 'prt_1', on_hand: 40, reserved: 2, reorder_point: 10, reorder_quantity: 50, updated_at: T0 },
      { warehouse_id: 'wh_2', part_id: 'prt_2', on_hand: 3, reserved: 0, reorder_point: 1, reorder_quantity: 5, updated_at: T0 },
    ]).execute();
    await k.insertInto('failure_codes').values([
      { asset_model_id: model.id, kind: 'symptom', code: 'VIB', description: 'Vibration' },
      { asset_model_id: model.id, kind: 'cause', code: 'WEAR', description: 'Wear' },
      { asset_model_id: model.id, kind: 'remedy', code: 'REPL', description: 'Replace' },
    ]).execute();
    await k.insertInto('maintenance_schedules').values({
      id: 'ms_1', asset_id: a1, failure_mode: 'bearing', description: 'Annual bearing check', interval_days: 365, interval_hours: 4000,
      last_done_at: T0, last_done_hours: 0, active: 1, created_at: T0, updated_at: T0,
    }).execute();
    const wo = (id: string, state: string, extra: Partial<{ repeat_of_id: string; completed_at: number }> = {}) => ({
      id, kind: 'corrective', state, asset_id: a1, failure_mode: 'bearing', alert_id: null, description: 'Bearing noise', reason: null,
      source: 'alert', severity: 'high', rul_hours: 120.5, suggested_part_numbers: '["BRG-6204"]', schedule_id: null, technician: 'tech-7',
      window_from: T0 + 3 * H, window_to: T0 + 6 * H, sla_due_at: T0 + 48 * H, repeat_of_id: extra.repeat_of_id ?? null,
      completed_at: extra.completed_at ?? null, cancelled_at: null, created_at: T0, updated_at: T0 + 5 * H,
    });
    await k.insertInto('work_orders').values(wo('wo_1', 'completed', { completed_at: T0 + 5 * H })).execute();
    await k.insertInto('work_orders').values(wo('wo_2', 'open', { repeat_of_id: 'wo_1' })).execute();
    // Technicians (0022): one with a certification, an absence, the van above, and the completed order.
    await k.insertInto('technicians').values({ id: 'tec_1', name: 'Ana', email: 'ana@example.com', home_lat: 47.37, home_lon: 8.54, service_region: 'CH', van_warehouse_id: 'wh_2', calendar: '{"weekly":[{"weekday":1,"from":"07:00","to":"15:30"}]}', active: 1, created_at: T0, updated_at: T0 }).execute();
    await k.insertInto('technician_certifications').values({ technician_id: 'tec_1', asset_model_id: model.id, certification: 'L2', valid_until: '2027-12-31' }).execute();
    await k.insertInto('technician_absences').values({ id: 'abs_1', technician_id: 'tec_1', from_ms: T0 + 24 * H, to_ms: T0 + 48 * H, reason: 'training', created_at: T0 }).execute();
    await k.updateTable('work_orders').set({ technician_id: 'tec_1' }).where('id', '=', 'wo_1').execute();
    await k.insertInto('work_order_events').values([
      { id: 'woe_1', work_order_id: 'wo_1', from_state: null, to_state: 'open', actor: 'system', at: T0, note: null },
      { id: 'woe_2', work_order_id: 'wo_1', from_state: 'open', to_state: 'completed', actor: 'tech-7', at: T0 + 5 * H, note: 'replaced bearing' },
    ]).execute();
    await k.insertInto('work_order_completions').values({
      work_order_id: 'wo_1', failure_at: T0 + H, symptom_code: 'VIB', cause_code: 'WEAR', remedy_code: 'REPL', responsible_department: 'service',
      labour_hours: 2.5, travel_hours: 1, downtime_from: T0 + H, downtime_to: T0 + 5 * H, fixed_on_first_visit: 1, in_warranty: 0,
      charged_to: 'contract', contract_id: 'ctr_1', production_batch_id: 'pb_1', parts_cost_minor: 1_250, labour_cost_minor: 20_000,
      travel_cost_minor: 4_000, total_cost_minor: 25_250, currency: 'EUR', completed_by: 'tech-7', completed_at: T0 + 5 * H,
    }).execute();
    await k.insertInto('work_order_parts_consumed').values({ work_order_id: 'wo_1', part_id: 'prt_1', part_number: 'BRG-6204', quantity: 1, unit_cost_minor: 1_250, currency: 'EUR' }).execute();
    // Stock follows use (0011): the replaced bearing came back; the batch's reserve passed 80 %.
    await k.insertInto('part_returns').values({ id: 'prt_ret_1', work_order_id: 'wo_1', part_id: 'prt_1', quantity: 1, condition: 'defective', warehouse_id: 'wh_2', serial_numbers: '["B-0042"]', returned_by: 'tech-7', returned_at: T0 + 6 * H,
      disposition: 'return_to_supplier', failure_analysis: 'manufacturing_defect', analysed_by: 'eng-2', analysed_at: T0 + 8 * H, reserve_batch_id: 'pb_1', reserve_charge_minor: 1_250, reserve_currency: 'EUR' }).execute();
    // Installation checklists and hazard records (0024).
    await k.insertInto('installation_checklist_templates').values({ asset_model_id: model.id, code: 'anchor', label: 'Anchored', mandatory: 1, position: 0 }).execute();
    await k.insertInto('work_order_checklist_items').values({ work_order_id: 'wo_1', code: 'anchor', label: 'Anchored', mandatory: 1, position: 0, done_by: 'tech-7', done_at: T0 + 2 * H }).execute();
    await k.insertInto('hazards').values({
      id: 'haz_1', title: 'Bearing wear', responsible_department: 'purchasing', cause_code: 'WEAR', failure_mode: 'bearing_wear', asset_model_ids: JSON.stringify([model.id]),
      root_cause: 'Grease', corrective_action: 'Other grease', corrective_action_at: T0 + 9 * H, preventive_action: 'Incoming check', owner: 'Quality', due_on: '2026-12-31',
      verified_at: null, verified_by: null, created_by: 'eng-2', created_at: T0, updated_at: T0,
    }).execute();
    await k.insertInto('quality_reserve_events').values({ production_batch_id: 'pb_1', kind: 'warning', reserve_minor: 250_000, consumed_minor: 205_000, amount_minor: 0, currency: 'EUR', at: T0 + 5 * H }).execute();
    await k.insertInto('stock_transfers').values({ id: 'st_1', part_id: 'prt_1', quantity: 2, from_warehouse_id: 'wh_1', to_warehouse_id: 'wh_2', part_request_id: 'pr_1', state: 'received', created_at: T0, updated_at: T0 + H }).execute();
    await k.insertInto('part_requests').values({
      id: 'pr_1', work_order_id: 'wo_1', part_id: 'prt_1', quantity: 1, warehouse_id: 'wh_2', state: 'consumed', served_from_stock: 1,
      sourcing: '{"plan":"transfer"}', transfer_id: 'st_1', requested_at: T0, updated_at: T0 + 5 * H,
    }).execute();
    const movements = Array.from({ length: size.movements }, (_, i) => ({
      id: `sm_${String(i).padStart(6, '0')}`, warehouse_id: i % 2 ? 'wh_1' : 'wh_2', part_id: i % 3 ? 'prt_1' : 'prt_2', kind: i % 2 ? 'receipt' : 'issue',
      quantity: i % 2 ? 5 : -1, work_order_id: i % 2 ? null : 'wo_1', transfer_id: null, note: i % 7 ? null : `note ${i} ‘quoted’`, at: T0 + i * 1000,
    }));
    for (let i = 0; i < movements.length; i += 500) await k.insertInto('stock_movements').values(movements.slice(i, i + 500)).execute();

    // Prediction (0004) and models (0006).
    await k.insertInto('alerts').values({
      id: 'alr_1', asset_id: a1, failure_mode: 'bearing', severity: 'high', state: 'closed', evidence: '{"zScore":4.2}', model_version: 'det-1',
      work_order_id: 'wo_1', raised_at: T0, last_detected_at: T0 + H, closed_at: T0 + 5 * H, created_at: T0, updated_at: T0 + 5 * H,
    }).execute();
    await k.insertInto('alert_transitions').values([
      { alert_id: 'alr_1', seq: 1, from_state: null, to_state: 'open', at: T0, actor: 'detector', reason: 'raised' },
      { alert_id: 'alr_1', seq: 2, from_state: 'open', to_state: 'closed', at: T0 + 5 * H, actor: 'tech-7', reason: 'fixed' },
    ]).execute();
    await k.insertInto('rul_estimates').values([
      { asset_id: a1, ts: T0, model_version: 'rul-1', hours: 120.25, lower_hours: 80.5, upper_hours: 160.125, failure_mode: 'bearing', created_at: T0 },
      { asset_id: a2, ts: T0, model_version: 'rul-1', hours: 1e6 / 3, lower_hours: 0.1 + 0.2, upper_hours: 1e300, failure_mode: null, created_at: T0 },
    ]).execute();
    await k.insertInto('rul_models').values({
      id: 'rm_1', asset_model_id: model.id, version: 1, status: 'active', source: 'cmapss:FD001', training_from: null, training_to: null,
      training_units: 100, training_rows: 20_631, training: '{"epochs":10}', feature_spec: '{"window":30}', rmse: 18.7, score: 512.3,
      band_coverage: 0.91, metrics: '{"rmse":18.7}', hours_per_cycle: 1.5, model_json: JSON.stringify({ trees: Array.from({ length: 200 }, (_, i) => i / 7) }),
      created_by: 'admin', created_at: T0, activated_at: T0,
    }).execute();
    // Reliability models (0014): a Weibull fit per asset model and failure mode.
    await k.insertInto('reliability_models').values({
      id: 'rel_1', asset_model_id: model.id, failure_mode: 'bearing', version: 1, status: 'active', kind: 'weibull', age_axis: 'operating_hours',
      restoration: 'as_good_as_new', data_to: T0, failures: 4, censored: 11, fit: '{"status":"fitted","shape":1.7,"scale":5400.25}',
      backtest: null, trigger: 'manual', created_by: 'admin', created_at: T0, activated_at: T0,
    }).execute();
    // Partition leases (0008): runtime state of the split roles; an embedded
    // installation has none, but the copy treats every table alike.
    await k.insertInto('partition_leases').values({ group_name: 'ingest', partition: 3, owner: 'ingest-1-abcd', expires_at: T0 + H }).execute();
    await k.insertInto('partition_members').values({ group_name: 'ingest', member: 'ingest-1-abcd', expires_at: T0 + H }).execute();
    // Device connection state (0009): the last connection of a device, as its broker node recorded it.
    await k.insertInto('device_connections').values({ device_id: deviceIds[0]!, online: 0, last_seen_at: T0 + H, client_address: '10.0.0.7', transport: 'tcp', connected_since: null, disconnected_at: T0 + H, broker_node: 'edge-1' }).execute();
    await k.insertInto('idempotency_keys').values({ scope: 'key_fixture', key: 'credit-note-1', fingerprint: 'f'.repeat(64), status: 201, response: '{"id":"cn_1"}', created_at: T0 + H, completed_at: T0 + H }).execute();
    // People (0016): a user and an open session (the session's token and CSRF secret are opaque strings here).
    await k.insertInto('users').values({ id: 'usr_1', name: 'Pat Planner', email: 'pat@example.com', role: 'planner', password_hash: 'scrypt$32768$8$3$c2FsdA$aGFzaA', failed_sign_ins: 0, locked_until: null, disabled_at: null, last_sign_in_at: T0 + H, created_at: T0, updated_at: T0 + H }).execute();
    await k.insertInto('user_sessions').values({ token_hash: 'a'.repeat(64), user_id: 'usr_1', csrf_token: 'csrf-fixture', created_at: T0 + H, expires_at: T0 + 13 * H }).execute();

    // Integrations (0015): an outbox event, a subscription, one delivery and its failed attempt.
    await k.insertInto('integration_outbox').values({ id: 'evt_1', type: 'workorder.created', envelope: '{"v":1,"id":"evt_1","type":"workorder.created","at":1,"data":{}}', at: T0, dispatched_at: T0 + 1, notified_at: null }).execute();
    await k.insertInto('webhook_subscriptions').values({ id: 'whk_1', url: 'https://erp.example.com/hook', description: 'ERP', event_types: '["workorder.*"]', secret: 'whsec_x', status: 'active', allow_private_network: 0, failing_since: T0, disabled_at: null, disabled_reason: null, created_at: T0, updated_at: T0 }).execute();
    await k.insertInto('webhook_deliveries').values({ id: 'whd_1', subscription_id: 'whk_1', event_id: 'evt_1', event_type: 'workorder.created', body: '{"v":1}', status: 'pending', attempts: 1, next_attempt_at: T0 + H, last_status_code: 503, last_error: null, created_at: T0, updated_at: T0, completed_at: null }).execute();
    await k.insertInto('notification_recipients').values({ id: 'rcp_1', name: 'Pat Planner', email: 'pat@example.com', role: 'planner', api_key_id: null, user_id: 'usr_1', preferences: '{"alert.raised":"digest"}', created_at: T0, updated_at: T0 }).execute();
    await k.insertInto('notification_messages').values({ id: 'msg_1', recipient_id: 'rcp_1', event_id: 'evt_1', rule: 'workorder.assigned', status: 'sent', subject: 'Order assigned', text_body: 'text', html_body: '<p>html</p>', attempts: 1, next_attempt_at: T0, last_error: null, created_at: T0, sent_at: T0 + 5 }).execute();
    await k.insertInto('webhook_attempts').values({ id: 'wha_1', delivery_id: 'whd_1', at: T0, status_code: 503, error: null, duration_ms: 12, response_excerpt: 'busy', manual: 0 }).execute();

    // Contracts and billing (0005): one issued invoice with lines, usage and a credit note, one draft.
    await k.insertInto('contracts').values({ id: 'ctr_1', customer_id: customer.id, kind: 'pbh', currency: 'EUR', billing_period: 'monthly', starts_on: '2026-01-01', ends_on: '2027-12-31', current_version: 2, created_at: T0, updated_at: T0 + H }).execute();
    await k.insertInto('contract_versions').values([
      { contract_id: 'ctr_1', version: 1, effective_from: '2026-01-01', ends_on: '2027-12-31', asset_ids: JSON.stringify([a1]), terms: '{"ratePerHourMinor":5000}', reason: null, created_at: T0 },
      { contract_id: 'ctr_1', version: 2, effective_from: '2026-01-10', ends_on: '2027-12-31', asset_ids: JSON.stringify([a1, a2]), terms: '{"ratePerHourMinor":5000}', reason: 'added pump 2', created_at: T0 + H },
    ]).execute();
    await k.insertInto('contract_assets').values([
      { contract_id: 'ctr_1', version: 2, asset_id: a1, kind: 'pbh', from_day: '2026-01-01', to_day: '2027-12-31' },
      { contract_id: 'ctr_1', version: 2, asset_id: a2, kind: 'pbh', from_day: '2026-01-10', to_day: '2027-12-31' },
    ]).execute();
    // SLA risk (0019): the contract's availability announced at risk once in January.
    await k.insertInto('sla_risk_signals').values({ contract_id: 'ctr_1', period_start: '2026-01-01', period_end: '2026-01-31', event_id: 'evt_1', at: T0 + H }).execute();
    // SLA entitlements and service requests (0023): the contract's P2 promise, wo_2 carrying it with a closed hold, a request triaged into wo_2.
    await k.insertInto('sla_entitlements').values({ id: 'sle_1', contract_id: 'ctr_1', customer_class: null, priority: 'P2', response_minutes: 120, fix_minutes: 480, created_at: T0, updated_at: T0 }).execute();
    await k.insertInto('work_order_sla').values({ work_order_id: 'wo_2', priority: 'P2', basis: 'contract', customer_class: 'B', contract_id: 'ctr_1', entitlement_id: 'sle_1', started_at: T0, response_ms: 2 * H, fix_ms: 8 * H, overridden_by: null, overridden_at: null }).execute();
    await k.insertInto('work_order_holds').values({ id: 'woh_1', work_order_id: 'wo_2', reason: 'waiting_on_customer', note: 'site closed', started_at: T0 + H, ended_at: T0 + 2 * H, started_by: 'planner', ended_by: 'planner' }).execute();
    await k.insertInto('service_requests').values({
      id: 'srq_1', type: 'service', state: 'work_order', asset_id: a1, customer_id: customer.id, symptom: 'noise', contact: 'Ann', channel: 'phone', cause_kind: null, cause_work_order_id: null,
      cause_invoice_id: null, cause_note: null, received_at: T0, created_by: 'planner', work_order_id: 'wo_2', outcome: null, triaged_by: 'planner', triaged_at: T0, created_at: T0, updated_at: T0,
    }).execute();
    // Leads and NPS (0028): a won lead with its frozen payout, and the visit's NPS answer.
    await k.insertInto('leads').values({
      id: 'led_1', work_order_id: 'wo_1', customer_id: customer.id, technician: 'Jo Smith', region: 'north', need: 'a second line', product: 'Line 2', estimated_minor: 4_000_000,
      currency: 'EUR', contact_name: 'Ana Ruiz', contact_email: 'ana@example.com', contact_phone: null, state: 'won', reason: null, won_minor: 3_600_000, payout_minor: 72_000,
      recorded_by: 'usr_1', decided_by: 'usr_1', closed_at: T0 + 2 * H, created_at: T0 + H, updated_at: T0 + 2 * H,
    }).execute();
    await k.insertInto('nps_responses').values({ work_order_id: 'wo_1', customer_id: customer.id, score: 9, comment: 'quick fix', recorded_by: 'usr_1', responded_at: T0 + 6 * H }).execute();
    // Service products (0029): an extended-warranty plan and its accepted quote (a renewal already announced).
    await k.insertInto('service_products').values({
      id: 'svp_1', asset_model_id: model.id, kind: 'extended_warranty', name: 'Extended warranty 24 months', currency: 'EUR', term_months: 24, price_minor: 0,
      margin_percent: 25, default_failure_cost_minor: 150_000, eligibility: '{"maxAgeMonths":60}', reminder_days: 60, active: 1, created_at: T0, updated_at: T0,
    }).execute();
    await k.insertInto('service_quotes').values({
      id: 'svq_1', product_id: 'svp_1', customer_id: customer.id, asset_ids: JSON.stringify([a1]), status: 'accepted', starts_on: '2026-01-01', ends_on: '2027-12-31',
      currency: 'EUR', total_minor: 412_345, working: '{"assets":[]}', valid_until: T0 + 30 * 24 * H, renewal_of_id: null, contract_id: 'ctr_1',
      decided_at: T0 + H, decided_by: 'admin', reminded_at: T0 + 2 * H, created_at: T0,
    }).execute();
    for (const table of ['usage_records', 'usage_record_versions'] as const) {
      await k.insertInto(table).values([
        { id: 'ur_1', asset_id: a1, day: day(0), operating_ms: 8 * H, version: 1, source_version: 1, computed_at: T0 },
        { id: 'ur_2', asset_id: a1, day: day(1), operating_ms: 9 * H, version: 2, source_version: 2, computed_at: T0 + H },
      ]).execute();
    }
    await k.insertInto('usage_record_versions').values({ id: 'ur_2', asset_id: a1, day: day(1), operating_ms: 8 * H, version: 1, source_version: 1, computed_at: T0 }).execute();
    await k.insertInto('invoice_runs').values({ id: 'run_1', period: '2026-01', status: 'succeeded', started_at: now, finished_at: now + 1000, result: '{"invoices":2}' }).execute();
    const invoice = (id: string, period: string) => ({
      id, contract_id: 'ctr_1', customer_id: customer.id, idempotency_key: `ctr_1:${period}-01`, period_start: `${period}-01`, period_end: `${period}-28`,
      currency: 'EUR', status: 'draft', number: null, total_minor: 85_000, issued_at: null, run_id: 'run_1', created_at: now, updated_at: now,
    });
    await k.insertInto('invoices').values([invoice('inv_1', '2026-01'), invoice('inv_2', '2026-02')]).execute();
    for (const id of ['inv_1', 'inv_2']) {
      await k.insertInto('invoice_lines').values([
        { invoice_id: id, line_no: 1, kind: 'usage', description: '17 h at 50.00', asset_id: a1, work_order_id: null, from_day: day(0), to_day: day(1), quantity: 17, unit_price_minor: 5_000, amount_minor: 85_000 },
        { invoice_id: id, line_no: 2, kind: 'extra_work', description: 'wo_1', asset_id: a1, work_order_id: 'wo_1', from_day: null, to_day: null, quantity: 2.5, unit_price_minor: 0, amount_minor: 0 },
      ]).execute();
      await k.insertInto('invoice_usage').values([
        { invoice_id: id, contract_id: 'ctr_1', asset_id: a1, day: day(0), billed_ms: 8 * H, usage_version: 1 },
        { invoice_id: id, contract_id: 'ctr_1', asset_id: a1, day: day(1), billed_ms: 9 * H, usage_version: 2 },
      ]).execute();
    }
    // Issue inv_1 as the application does (draft -> issued, numbered from the gapless counter).
    await k.insertInto('document_counters').values([{ series: 'INV', year: 2026, last_value: 1 }, { series: 'CN', year: 2026, last_value: 1 }]).execute();
    await k.updateTable('invoices').set({ status: 'issued', number: '2026-000001', issued_at: now, updated_at: now }).where('id', '=', 'inv_1').execute();
    await k.insertInto('credit_notes').values({ id: 'cn_1', invoice_id: 'inv_1', number: 'CN-2026-000001', reason: 'availability credit', amount_minor: 1_700, currency: 'EUR', issued_at: now + H }).execute();
    // Receivables (migration 0013): a part payment, a rate card per region and a dated exchange rate.
    await k.insertInto('payments').values({ id: 'pay_1', invoice_id: 'inv_1', customer_id: customer.id, amount_minor: 50_000, applied_minor: 50_000, credit_minor: 0, currency: 'EUR', received_on: day(2), reference: 'SEPA 1', created_at: now + 2 * H }).execute();
    await k.insertInto('rate_cards').values([
      { id: 'rtc_1', region: '', currency: 'EUR', labour_rate_per_hour_minor: 9_000, travel_rate_per_hour_minor: 5_000, effective_from: day(0), created_at: now },
      { id: 'rtc_2', region: 'NORD', currency: 'USD', labour_rate_per_hour_minor: 10_000, travel_rate_per_hour_minor: 6_000, effective_from: day(0), created_at: now },
    ]).execute();
    await k.insertInto('exchange_rates').values({ id: 'fxr_1', from_currency: 'USD', to_currency: 'EUR', rate_e8: 92_345_678, as_of: day(0), created_at: now }).execute();
    // Owner history (0012): the last asset's first owner, as recorded when it changes owner.
    await k.insertInto('asset_owners').values({ asset_id: assetIds.at(-1)!, from_day: '2025-09-01', customer_id: customer.id, site_id: site.id, recorded_at: now }).execute();
  } finally {
    await db.close();
  }

  // Telemetry: one reading a minute per asset; metric sets differ per asset; booleans; some without seq.
  const store = await createDuckDbTelemetryStore({ dataDir, mergeThreshold: 50_000 });
  const ids = (await listAssetIds(dataDir));
  let readings = 0;
  try {
    for (let start = 0; start < size.readingsPerAsset; start += 2_000) {
      const batch: StoredReading[] = [];
      for (const [n, assetId] of ids.entries()) {
        for (let i = start; i < Math.min(size.readingsPerAsset, start + 2_000); i++) {
          const metrics: Record<string, number | boolean> = {
            rpm: Math.round(1500 + 100 * Math.sin(i / 30 + n)),
            temp: Math.round((60 + 5 * Math.cos(i / 50) + n) * 100) / 100,
            running: i % 97 !== 0,
          };
          if (n % 2 === 0) metrics['vib.x mm/s'] = Math.round(Math.abs(Math.sin(i / 7)) * 1000) / 1000;
          batch.push({ assetId, deviceId: `dev-${n}`, ts: T0 + i * 60_000, seq: n === 1 ? undefined : i, metrics });
        }
      }
      await store.writeBatch(batch);
      readings += batch.length;
    }
    // A duplicate re-delivery: stored once.
    await store.writeBatch([{ assetId: ids[0]!, deviceId: 'dev-0', ts: T0, seq: 0, metrics: { rpm: 1, temp: 1, running: true } }]);
  } finally {
    await store.close();
  }
  return { readings, assetIds: ids };
}

async function listAssetIds(dataDir: string): Promise<string[]> {
  const db = await openDb({ dataDir, logger: silent });
  try {
    return (await db.kysely.selectFrom('assets').select('id').orderBy('serial_number').execute()).map((r) => r.id);
  } finally {
    await db.close();
  }
}

export const FIXTURE_T0 = T0;
