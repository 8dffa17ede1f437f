import { dbTargets, expectAppError, useDbTarget } from '@hourmeter/db/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createDispatchService } from './dispatch-service.js';
import { createReportService } from './report-service.js';
import { createWorkOrderService } from './service.js';

const logger = pino({ level: 'silent' });
const MON = Date.parse('2026-03-02T00:00:00Z');
const H = 3_600_000;

describe.each(dbTargets())('technicians and dispatch on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let seq = 0;

  /** A region with a station, two models, sites at known places, and two technicians. */
  async function world() {
    const repos = store!.repos;
    seq++;
    const central = await repos.spareParts.warehouses.create({ code: `C-${seq}`, name: 'Central', level: 'central', location: { lat: 50, lon: 8 } });
    const station = await repos.spareParts.warehouses.create({ code: `ST-${seq}`, name: 'Station', level: 'station', parentId: central.id, location: { lat: 50, lon: 8 } });
    const customer = await repos.customers.create({ name: `Acme ${seq}`, currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const near = await repos.sites.create({ customerId: customer.id, name: 'Near plant', timezone: 'UTC', location: { lat: 50.1, lon: 8 } });
    const far = await repos.sites.create({ customerId: customer.id, name: 'Far plant', timezone: 'UTC', location: { lat: 51, lon: 8 } });
    const pump = await repos.assetModels.create({ code: `PMP-${target.name}-${seq}`, name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const chiller = await repos.assetModels.create({ code: `CHL-${target.name}-${seq}`, name: 'Chiller', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = async (model: string, site: string) => (await repos.assets.create({ serialNumber: `SN-${seq}-${Math.random().toString(36).slice(2, 8)}`, assetModelId: model, siteId: site, commissionedOn: '2025-01-01', status: 'active' })).id;
    const calendar = { weekly: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, from: '08:00', to: '16:00' })) };
    const ana = await repos.technicians.create({ name: 'Ana', email: `ana${seq}@example.com`, home: { lat: 50, lon: 8 }, serviceRegion: 'north', vanParentWarehouseId: station.id, calendar, certifications: [{ assetModelId: pump.id, certification: 'PMP-L2' }] }, MON);
    const ben = await repos.technicians.create({ name: 'Ben', email: `ben${seq}@example.com`, home: { lat: 51, lon: 8 }, serviceRegion: 'north', vanParentWarehouseId: station.id, calendar, certifications: [{ assetModelId: pump.id, certification: 'PMP-L1', validUntil: '2026-12-31' }, { assetModelId: chiller.id, certification: 'CHL', validUntil: '2026-03-01' }] }, MON);
    let clock = MON;
    const workOrders = createWorkOrderService({ repos, logger, clock: () => clock });
    const dispatch = createDispatchService({ repos, workOrders, logger, clock: () => clock });
    return { repos, station, near, far, pump, chiller, asset, ana, ben, workOrders, dispatch, setClock: (t: number) => (clock = t) };
  }

  it('creates a technician with a van below the station, and refuses a van below a central warehouse', async () => {
    const w = await world();
    const van = await w.repos.spareParts.warehouses.get(w.ana.vanWarehouseId);
    expect(van).toMatchObject({ level: 'van', parentId: w.station.id, location: { lat: 50, lon: 8 } });
    const central = (await w.repos.spareParts.warehouses.list({ filters: { level: 'central' } })).items[0]!;
    await expectAppError(w.repos.technicians.create({ name: 'X', email: `x${seq}@example.com`, home: { lat: 0, lon: 0 }, serviceRegion: 'n', vanParentWarehouseId: central.id }), 'VALIDATION_FAILED');
    await expectAppError(w.repos.technicians.create({ name: 'Ana again', email: `ANA${seq}@example.com`, home: { lat: 0, lon: 0 }, serviceRegion: 'n', vanParentWarehouseId: w.station.id }), 'CONFLICT');
    // Van stock is ordinary ledger stock.
    const part = await w.repos.spareParts.parts.create({ partNumber: `SEAL-${seq}${target.name.length}`, description: 'Seal', unitCost: { amountMinor: 5_00, currency: 'EUR' }, fitsAssetModelIds: [w.pump.id] });
    await w.repos.spareParts.stock.move({ warehouseId: van.id, partId: part.id, kind: 'receipt', quantity: 3, at: MON });
    expect((await w.repos.spareParts.stock.level(van.id, part.id)).onHand).toBe(3);
    await expectAppError(w.repos.technicians.remove(w.ana.id), 'IN_USE');
    const moved = await w.repos.technicians.update(w.ana.id, { home: { lat: 50.5, lon: 8.5 }, active: false });
    expect(moved.active).toBe(false);
    expect((await w.repos.spareParts.warehouses.get(van.id)).location).toEqual({ lat: 50.5, lon: 8.5 });
  });

  it('refuses unskilled, expired, absent, off-calendar and double-booked assignments with their codes, and assigns otherwise', async () => {
    const w = await world();
    const chillerOrder = await w.workOrders.create({ kind: 'corrective', assetId: await w.asset(w.chiller.id, w.near.id) }, 'planner');
    const pumpOrder = await w.workOrders.create({ kind: 'corrective', assetId: await w.asset(w.pump.id, w.near.id) }, 'planner');
    const nine = MON + 9 * H;
    await expectAppError(w.dispatch.assign(chillerOrder.id, { technicianId: w.ana.id, windowFrom: nine, windowTo: nine + 2 * H }, 'planner'), 'TECHNICIAN_NOT_CERTIFIED');
    const expired = await expectAppError(w.dispatch.assign(chillerOrder.id, { technicianId: w.ben.id, windowFrom: nine, windowTo: nine + 2 * H }, 'planner'), 'TECHNICIAN_NOT_CERTIFIED');
    expect(expired.message).toMatch(/expired on 2026-03-01/);
    await w.repos.technicians.absences.add(w.ana.id, { from: MON + 12 * H, to: MON + 14 * H, reason: 'doctor' });
    await expectAppError(w.dispatch.assign(pumpOrder.id, { technicianId: w.ana.id, windowFrom: MON + 13 * H, windowTo: MON + 15 * H }, 'planner'), 'TECHNICIAN_ABSENT');
    await expectAppError(w.dispatch.assign(pumpOrder.id, { technicianId: w.ana.id, windowFrom: MON + 15 * H, windowTo: MON + 17 * H }, 'planner'), 'TECHNICIAN_OFF_CALENDAR');
    const assigned = await w.dispatch.assign(pumpOrder.id, { technicianId: w.ana.id, windowFrom: nine, windowTo: nine + 2 * H }, 'planner');
    expect(assigned).toMatchObject({ state: 'scheduled', technicianId: w.ana.id, windowFrom: nine });
    expect(assigned.technician).toBeUndefined();
    const other = await w.workOrders.create({ kind: 'inspection', assetId: await w.asset(w.pump.id, w.far.id) }, 'planner');
    await expectAppError(w.dispatch.assign(other.id, { technicianId: w.ana.id, windowFrom: nine + H, windowTo: nine + 3 * H }, 'planner'), 'TECHNICIAN_UNAVAILABLE');
    // Rescheduling the same order onto an overlapping window is not a clash with itself.
    expect((await w.dispatch.assign(pumpOrder.id, { technicianId: w.ana.id, windowFrom: nine + H, windowTo: nine + 3 * H }, 'planner')).windowFrom).toBe(nine + H);
    const events = await w.repos.workOrders.events(pumpOrder.id);
    expect(events.at(-1)?.note).toContain(`Ana [${w.ana.id}]`);
  });

  it('suggests the technician who reaches the site sooner first, and lists the unskilled with the reason', async () => {
    const w = await world();
    w.setClock(MON + 7 * H);
    const farOrder = await w.workOrders.create({ kind: 'corrective', assetId: await w.asset(w.pump.id, w.far.id), slaDueAt: MON + 11 * H }, 'planner');
    const s = await w.dispatch.suggest(farOrder.id, { date: '2026-03-02', days: 1 });
    const mine = s.items.filter((i) => i.technicianId === w.ana.id || i.technicianId === w.ben.id);
    // Ben lives at the far site: no drive, done by 11:00; Ana drives 100 km (about two hours) and misses it.
    expect(mine.map((i) => i.technicianName)).toEqual(['Ben', 'Ana']);
    expect(mine[0]).toMatchObject({ eligible: true, withinSla: true, start: MON + 8 * H, end: MON + 11 * H, travelMinutes: 0 });
    expect(mine[1]!.travelMinutes).toBeGreaterThan(100);
    expect(mine[1]!.withinSla).toBe(false);
    const chillerOrder = await w.workOrders.create({ kind: 'corrective', assetId: await w.asset(w.chiller.id, w.near.id) }, 'planner');
    const c = await w.dispatch.suggest(chillerOrder.id, { date: '2026-03-02', days: 1 });
    const ana = c.items.find((i) => i.technicianId === w.ana.id)!;
    expect(ana).toMatchObject({ eligible: false, refusal: { code: 'TECHNICIAN_NOT_CERTIFIED' } });
  });

  it('plans a day: ordered jobs with travel from home and between sites, on the board with names', async () => {
    const w = await world();
    const a1 = await w.workOrders.create({ kind: 'inspection', assetId: await w.asset(w.pump.id, w.far.id) }, 'planner');
    const a2 = await w.workOrders.create({ kind: 'inspection', assetId: await w.asset(w.pump.id, w.near.id) }, 'planner');
    await w.dispatch.assign(a1.id, { technicianId: w.ana.id, windowFrom: MON + 13 * H, windowTo: MON + 14 * H }, 'planner');
    await w.dispatch.assign(a2.id, { technicianId: w.ana.id, windowFrom: MON + 9 * H, windowTo: MON + 10 * H }, 'planner');
    const plan = await w.dispatch.dayPlan(w.ana.id, '2026-03-02');
    expect(plan.jobs.map((j) => j.workOrderId)).toEqual([a2.id, a1.id]);
    // Home (50, 8) -> near (50.1, 8): 11 km; near -> far (51, 8): 100 km.
    expect(plan.jobs[0]!.travelKm).toBeCloseTo(11.1, 0);
    expect(plan.jobs[1]!.travelKm).toBeCloseTo(100.1, 0);
    expect(plan.jobs[1]!.siteName).toBe('Far plant');
    expect(plan.availableHours).toBe(8);
    const board = await w.dispatch.board({ date: '2026-03-02', days: 2 });
    const row = board.technicians.find((t) => t.technicianId === w.ana.id)!;
    expect(row.days.map((d) => d.jobs.length)).toEqual([2, 0]);
    expect(board.unassigned.some((o) => o.workOrderId === a1.id)).toBe(false);
  });

  it('plans and commits a day for the unassigned orders within the checks', async () => {
    const w = await world();
    const orders: { id: string }[] = [];
    for (let i = 0; i < 4; i++) orders.push(await w.workOrders.create({ kind: 'preventive', failureMode: `fm-${i}`, assetId: await w.asset(w.pump.id, i % 2 ? w.near.id : w.far.id) }, 'planner'));
    const chiller = await w.workOrders.create({ kind: 'corrective', assetId: await w.asset(w.chiller.id, w.near.id) }, 'planner');
    const res = await w.dispatch.planDay({ date: '2026-03-03', commit: true }, 'planner');
    const mine = res.planned.filter((p) => orders.some((o) => o.id === p.workOrderId));
    expect(mine).toHaveLength(4);
    expect(res.unplanned.find((u) => u.workOrderId === chiller.id)?.reason).toBe('no certified technician');
    for (const o of orders) expect((await w.repos.workOrders.get(o.id)).state).toBe('scheduled');
  });

  it('reports first-time fix, response, fix within SLA, MTTR and utilisation per technician, region and model', async () => {
    const w = await world();
    for (const [kind, code] of [['symptom', 'LEAK'], ['cause', 'SEAL'], ['remedy', 'RESEAL']] as const) await w.repos.workOrders.failureCodes.put(w.pump.id, { kind, code, description: code });
    const week = MON + 7 * 24 * H; // a week of its own: other tests' orders stay out of the period
    const done = async (tech: string, opts: { sla: number; firstVisit: boolean; downtimeH: number }) => {
      w.setClock(week + 8 * H);
      const wo = await w.workOrders.create({ kind: 'corrective', assetId: await w.asset(w.pump.id, w.near.id), slaDueAt: week + opts.sla * H }, 'planner');
      await w.dispatch.assign(wo.id, { technicianId: tech, windowFrom: week + 9 * H, windowTo: week + 11 * H }, 'planner');
      w.setClock(week + 9 * H);
      await w.workOrders.start(wo.id, 'engineer');
      w.setClock(week + 11 * H);
      await w.workOrders.complete(wo.id, { symptomCode: 'LEAK', causeCode: 'SEAL', remedyCode: 'RESEAL', responsibleDepartment: 'production', partsConsumed: [], labourHours: 2, travelHours: 0.5, downtimeFrom: week + 6 * H, downtimeTo: week + 6 * H + opts.downtimeH * H, fixedOnFirstVisit: opts.firstVisit }, 'engineer');
      return wo.id;
    };
    const anas = await done(w.ana.id, { sla: 12, firstVisit: true, downtimeH: 4 });
    // Revenue: what issued invoices billed for the order; a draft's lines do not count.
    const k = store.db.kysely;
    const customerId = (await w.repos.sites.get(w.near.id)).customerId;
    const contractId = `ctr_kpi_${seq}`;
    await k.insertInto('contracts').values({ id: contractId, customer_id: customerId, kind: 'time_and_materials', currency: 'EUR', billing_period: 'monthly', starts_on: '2026-01-01', ends_on: '2026-12-31', current_version: 1, created_at: week, updated_at: week }).execute();
    for (const [n, status, amount] of [[1, 'issued', 150_00], [2, 'draft', 999_00]] as const) {
      const invoiceId = `inv_kpi_${seq}_${n}`;
      await k.insertInto('invoices').values({ id: invoiceId, contract_id: contractId, customer_id: customerId, idempotency_key: invoiceId, period_start: '2026-03-01', period_end: '2026-03-31', currency: 'EUR', status: 'draft', total_minor: amount, issued_at: null, run_id: null, number: null, due_date: null, bill_to: null, created_at: week, updated_at: week }).execute();
      await k.insertInto('invoice_lines').values({ invoice_id: invoiceId, line_no: 1, kind: 'work_order', description: 'repair', asset_id: null, work_order_id: anas, from_day: null, to_day: null, quantity: 1, unit_price_minor: amount, amount_minor: amount }).execute();
      // Lines go on a draft; issuing freezes them.
      if (status === 'issued') await k.updateTable('invoices').set({ status, issued_at: week, number: `KPI-${seq}` }).where('id', '=', invoiceId).execute();
    }
    await done(w.ben.id, { sla: 10, firstVisit: false, downtimeH: 8 });
    const reports = createReportService(w.repos, () => week + 2 * 24 * H);
    const period = { from: week, to: week + 24 * H };
    const byTech = (await reports.run('kpis-by-technician', period)).rows;
    const ana = byTech.find((r) => r.key === w.ana.id)!;
    expect(ana).toMatchObject({ name: 'Ana', orders: 1, firstTimeFixRate: 1, meanResponseHours: 1, meanFixHours: 3, fixWithinSlaRate: 1, mttrHours: 4, workedHours: 2.5, calendarHours: 8, labourUtilisation: 0.3125 });
    expect(ana.remoteResolutionShare).toMatchObject({ value: null });
    expect(ana.revenue).toEqual([{ currency: 'EUR', amountMinor: 150_00 }]);
    expect(ana.revenuePerEngineer).toEqual([{ currency: 'EUR', amountMinor: 150_00 }]);
    expect(byTech.find((r) => r.key === w.ben.id)).toMatchObject({ name: 'Ben', firstTimeFixRate: 0, fixWithinSlaRate: 0, mttrHours: 8 });
    const byModel = (await reports.run('kpis-by-model', period)).rows.find((r) => r.key === w.pump.id)!;
    expect(byModel).toMatchObject({ name: 'Pump', orders: 2, firstTimeFixRate: 0.5, mttrHours: 6, engineers: 2, calendarHours: null });
    const north = (await reports.run('kpis-by-region', period)).rows.find((r) => r.key === 'north')!;
    expect(north.orders).toBeGreaterThanOrEqual(2);
  });
});
