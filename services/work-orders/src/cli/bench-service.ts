/**
 * `npm run bench -- service [--assets 5000] [--technicians 50] [--orders-per-day 70] [--database-url postgres://...]`:
 * generates a year of service history (work orders with completions, parts
 * consumed, part requests, stock ledger, monthly hour-meter totals) for a
 * fleet and prints how long each report takes, and all of them together;
 * then simulates a month of dispatch with technicians (bench-dispatch.ts) and
 * times a day plan through the dispatch service on the same store.
 */
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb, repositories, serviceId } from '@hourmeter/db';
import { newId, seededRandom } from '@hourmeter/domain';
import { pino } from 'pino';
import { createReportService, REPORT_NAMES } from '../report-service.js';
import { createDispatchService } from '../dispatch-service.js';
import { createWorkOrderService } from '../service.js';
import { runDispatchBench } from './bench-dispatch.js';

const DAY = 86_400_000;
const DEPARTMENTS = ['design', 'production', 'purchasing', 'logistics', 'installation', 'customer_use', 'none'];
const KINDS = ['corrective', 'corrective', 'preventive', 'inspection'];

async function insertAll<T extends object>(label: string, rows: T[], insert: (chunk: T[]) => Promise<unknown>, chunk = 500) {
  for (let i = 0; i < rows.length; i += chunk) await insert(rows.slice(i, i + chunk));
  return { label, rows: rows.length };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { assets: { type: 'string', default: '5000' }, technicians: { type: 'string', default: '50' }, 'orders-per-day': { type: 'string', default: '70' }, 'database-url': { type: 'string' } } });
  const assetCount = Number(values.assets);
  const logger = pino({ level: 'silent' });
  const dir = mkdtempSync(join(tmpdir(), 'hm-bench-service-'));
  const db = await openDb({ dataDir: dir, databaseUrl: values['database-url'], logger });
  const k = db.kysely;
  // The same data on every run, so runs compare.
  const rand = seededRandom(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const yearStart = Date.parse('2025-01-01T00:00:00Z');
  const yearEnd = Date.parse('2026-01-01T00:00:00Z');
  const t0 = performance.now();
  try {
    const now = yearEnd;
    const customers = Array.from({ length: 50 }, (_, i) => ({
      id: newId('customer'), name: `C${i}`, currency: 'EUR', external_ref: null, annual_revenue_minor: Math.floor(rand() * 1e9), on_time_payment_rate: 0.8 + rand() * 0.2,
      customer_since: '2015-01-01', annual_cost_to_serve_minor: Math.floor(rand() * 1e8), size: 'medium', influence: rand(), created_at: now, updated_at: now,
    }));
    await insertAll('customers', customers, (c) => k.insertInto('customers').values(c).execute());
    const sites = Array.from({ length: 200 }, (_, i) => ({
      id: newId('site'), customer_id: pick(customers).id, name: `S${i}`, address: null, lat: 47 + rand() * 8, lon: 6 + rand() * 9, timezone: 'UTC', created_at: now, updated_at: now,
    }));
    await insertAll('sites', sites, (c) => k.insertInto('sites').values(c).execute());
    const models = Array.from({ length: 10 }, (_, i) => ({
      id: newId('assetModel'), code: `M${i}`, name: `Model ${i}`, manufacturer: null, running_rule: '{"kind":"boolean","metric":"running"}', max_gap_seconds: 900, warranty_months: 24, lead_time_hours: 72, created_at: now, updated_at: now,
    }));
    await insertAll('asset_models', models, (c) => k.insertInto('asset_models').values(c).execute());
    const batches = models.flatMap((m) => Array.from({ length: 4 }, (_, i) => ({
      id: newId('productionBatch'), asset_model_id: m.id, code: `B${i}`, produced_on: '2024-01-01', unit_count: 200, quality_reserve_minor: 500_000_00, currency: 'EUR', created_at: now, updated_at: now,
    })));
    await insertAll('batches', batches, (c) => k.insertInto('production_batches').values(c).execute());
    const assets = Array.from({ length: assetCount }, (_, i) => {
      const b = pick(batches);
      return { id: newId('asset'), serial_number: `SN${i}`, asset_model_id: b.asset_model_id, production_batch_id: b.id, site_id: pick(sites).id, commissioned_on: '2024-03-01', warranty_ends_on: rand() < 0.5 ? '2025-06-30' : '2026-03-01', status: 'active', created_at: now, updated_at: now };
    });
    await insertAll('assets', assets, (c) => k.insertInto('assets').values(c).execute());
    // Hour meter: one total per asset and month (the reports only sum them).
    const hours = assets.flatMap((a) => Array.from({ length: 12 }, (_, m) => ({
      asset_id: a.id, day: `2025-${String(m + 1).padStart(2, '0')}-01`, operating_ms: Math.floor(400 * 3_600_000 * (0.5 + rand())), samples: 1, gap_ms: 0, counter_resets: 0,
      first_sample_ts: null, last_sample_ts: null, settings: '{}', version: 1, computed_at: now,
    })));
    await insertAll('hours', hours, (c) => k.insertInto('operating_hours_daily').values(c).execute());
    const parts = Array.from({ length: 200 }, (_, i) => ({ id: newId('part'), part_number: `P-${1000 + i}`, description: 'part', unit_cost_minor: 500 + Math.floor(rand() * 50_000), currency: 'EUR', superseded_by: null, created_at: now, updated_at: now }));
    await insertAll('parts', parts, (c) => k.insertInto('parts').values(c).execute());
    const central = { id: newId('warehouse'), code: 'CENTRAL', name: 'Central', level: 'central', parent_id: null, lat: 51, lon: 10, created_at: now, updated_at: now };
    const regional = Array.from({ length: 5 }, (_, i) => ({ id: newId('warehouse'), code: `R${i}`, name: `R${i}`, level: 'regional', parent_id: central.id, lat: 48 + i, lon: 8 + i, created_at: now, updated_at: now }));
    const stations = Array.from({ length: 25 }, (_, i) => ({ id: newId('warehouse'), code: `S${i}`, name: `S${i}`, level: 'station', parent_id: regional[i % 5]!.id, lat: 47 + rand() * 8, lon: 6 + rand() * 9, created_at: now, updated_at: now }));
    const warehouses = [central, ...regional, ...stations];
    await insertAll('warehouses', warehouses, (c) => k.insertInto('warehouses').values(c).execute());
    const levels = warehouses.flatMap((w) => parts.map((p) => ({ warehouse_id: w.id, part_id: p.id, on_hand: 20, reserved: 0, reorder_point: 2, reorder_quantity: 10, updated_at: now })));
    await insertAll('stock levels', levels, (c) => k.insertInto('stock_levels').values(c).execute());

    // About 2.5 orders per asset-year.
    const orders = [];
    const completions = [];
    const consumed = [];
    const requests = [];
    const movements = [];
    for (const a of assets) {
      const n = 1 + Math.floor(rand() * 4);
      for (let j = 0; j < n; j++) {
        const created = yearStart + Math.floor(rand() * (yearEnd - yearStart - 10 * DAY));
        const id = newId('workOrder', created);
        const kind = pick(KINDS);
        const open = rand() < 0.05;
        const completedAt = created + Math.floor(rand() * 5 * DAY);
        orders.push({
          id, kind, state: open ? 'open' : 'completed', asset_id: a.id, failure_mode: `fm${j}`, alert_id: null, description: null, reason: null, source: 'manual',
          severity: 'medium', rul_hours: null, suggested_part_numbers: null, schedule_id: null, technician: null, window_from: null, window_to: null,
          sla_due_at: created + 3 * DAY, repeat_of_id: null, completed_at: open ? null : completedAt, cancelled_at: null, created_at: created, updated_at: created,
        });
        const part = pick(parts);
        const wh = pick(stations);
        const qty = 1 + Math.floor(rand() * 2);
        requests.push({ id: serviceId('prq', created), work_order_id: id, part_id: part.id, quantity: qty, warehouse_id: wh.id, state: open ? 'reserved' : 'issued', served_from_stock: 1, sourcing: rand() < 0.95 ? 'direct' : 'backorder', transfer_id: null, requested_at: created, updated_at: created });
        movements.push({ id: serviceId('stm', created), warehouse_id: wh.id, part_id: part.id, kind: 'reservation', quantity: qty, work_order_id: id, transfer_id: null, note: null, at: created });
        if (open) continue;
        movements.push({ id: serviceId('stm', completedAt), warehouse_id: wh.id, part_id: part.id, kind: 'issue', quantity: qty, work_order_id: id, transfer_id: null, note: null, at: completedAt });
        const labour = Math.round(rand() * 8 * 85_00);
        const partsCost = qty * part.unit_cost_minor;
        const dept = pick(DEPARTMENTS);
        completions.push({
          work_order_id: id, failure_at: created, symptom_code: 'S1', cause_code: `C${Math.floor(rand() * 20)}`, remedy_code: 'R1', responsible_department: dept, labour_hours: labour / 85_00, travel_hours: 1,
          downtime_from: created, downtime_to: created + Math.floor(rand() * 24 * 3_600_000), fixed_on_first_visit: rand() < 0.85 ? 1 : 0, in_warranty: 1,
          charged_to: ['design', 'production', 'purchasing'].includes(dept) ? 'quality_reserve' : 'sales', contract_id: null, production_batch_id: a.production_batch_id,
          parts_cost_minor: partsCost, labour_cost_minor: labour, travel_cost_minor: 60_00, total_cost_minor: partsCost + labour + 60_00, currency: 'EUR', completed_by: 'bench', completed_at: completedAt,
        });
        consumed.push({ work_order_id: id, part_id: part.id, part_number: part.part_number, quantity: qty, unit_cost_minor: part.unit_cost_minor, currency: 'EUR' });
      }
    }
    await insertAll('work orders', orders, (c) => k.insertInto('work_orders').values(c).execute(), 400);
    await insertAll('completions', completions, (c) => k.insertInto('work_order_completions').values(c).execute(), 300);
    await insertAll('consumed', consumed, (c) => k.insertInto('work_order_parts_consumed').values(c).execute());
    await insertAll('requests', requests, (c) => k.insertInto('part_requests').values(c).execute());
    await insertAll('movements', movements, (c) => k.insertInto('stock_movements').values(c).execute());
    const genMs = performance.now() - t0;
    console.log(`generated ${assetCount} assets, ${orders.length} work orders, ${completions.length} completions, ${movements.length} ledger rows, ${hours.length} hour-meter rows on ${db.dialect} in ${(genMs / 1000).toFixed(1)} s`);

    const reports = createReportService(repositories(db), () => yearEnd);
    const period = { from: yearStart, to: yearEnd };
    let total = 0;
    for (const name of REPORT_NAMES) {
      const s = performance.now();
      const r = await reports.run(name, period);
      const ms = performance.now() - s;
      total += ms;
      console.log(`${name.padEnd(20)} ${ms.toFixed(0).padStart(7)} ms  ${r.rows.length} rows`);
    }
    console.log(`all ${REPORT_NAMES.length} reports over a year of ${assetCount} assets: ${total.toFixed(0)} ms (generation ${(genMs / 1000).toFixed(1)} s; ratio reports/generation ${(total / genMs).toFixed(3)})`);

    // ------------------------------------------------------------ dispatch (issue 18)
    const techCount = Number(values.technicians);
    const month = runDispatchBench({
      rand,
      modelIds: models.map((m) => m.id),
      technicians: techCount,
      ordersPerDay: Number(values['orders-per-day']),
      monthStart: Date.parse('2026-03-02T00:00:00Z'),
    });
    const judged = month.withinSla + month.missed;
    const withinPct = judged ? (100 * month.withinSla) / judged : 0;
    console.log(`dispatch month: ${techCount} technicians, ${month.orders} orders, ${month.done} done, ${month.withinSla} within SLA, ${month.missed} missed, ${month.pending} still within SLA at month end`);
    console.log(`day plan (core): ${month.planTechnicians} technicians x ${month.planOrders} orders -> ${month.planPlanned} planned in ${month.planMs.toFixed(0)} ms`);

    // The same plan through the service: technicians as records on this store, the open orders above.
    const repos = repositories(db);
    const station = stations[0]!;
    for (let i = 0; i < techCount; i++) {
      await repos.technicians.create({
        name: `Technician ${i}`, email: `tech${i}@bench.example`, home: { lat: 47 + rand() * 8, lon: 6 + rand() * 9 }, serviceRegion: `R${i % 5}`, vanParentWarehouseId: station.id,
        certifications: [...models].sort(() => rand() - 0.5).slice(0, 4).map((m) => ({ assetModelId: m.id, certification: 'L2' })),
      }, now);
    }
    const dispatch = createDispatchService({ repos, workOrders: createWorkOrderService({ repos, logger }), logger });
    const s0 = performance.now();
    const svcPlan = await dispatch.planDay({ date: '2026-03-09', commit: false }, 'bench');
    const svcMs = performance.now() - s0;
    console.log(`day plan (service on ${db.dialect}): ${techCount} technicians x ${svcPlan.planned.length + svcPlan.unplanned.length} open orders -> ${svcPlan.planned.length} planned in ${svcMs.toFixed(0)} ms (loading included)`);
    console.log(
      `dispatch: ${withinPct.toFixed(1)}% of orders within SLA, ${month.travelHoursPerOrder.toFixed(2)} travel hours per order, day plan for ${month.planTechnicians} technicians and ${month.planOrders} orders in ${month.planMs.toFixed(0)} ms`,
    );
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
