import { dbTargets, expectAppError, useDbTarget } from '@hourmeter/db/testing';
import type { WorkOrderCompletionInput } from '@hourmeter/domain';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createReportService } from './report-service.js';
import { createWorkOrderService } from './service.js';

const T0 = Date.parse('2026-06-01T08:00:00Z');
const DAY = 86_400_000;

/** Issue 18 items 5-7 through the service and the repositories, on both engines. */
describe.each(dbTargets())('returns, installation and hazards on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let seq = 0;

  async function world() {
    const repos = store!.repos;
    seq++;
    const tag = `${target.name}-${seq}`;
    const customer = await repos.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC', location: { lat: 50, lon: 8 } });
    const model = await repos.assetModels.create({ code: `FQ-${tag}`, name: `Chiller ${tag}`, runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const batch = await repos.productionBatches.create({ assetModelId: model.id, code: `FQB-${tag}`, producedOn: '2026-01-01', unitCount: 5, qualityReserve: { amountMinor: 1000_00, currency: 'EUR' } });
    const asset = await repos.assets.create({ serialNumber: `FQ-${tag}`, assetModelId: model.id, productionBatchId: batch.id, siteId: site.id, commissionedOn: '2026-01-15', warrantyEndsOn: '2027-06-30', status: 'active' });
    for (const [kind, code] of [['symptom', 'S'], ['cause', 'C'], ['remedy', 'R']] as const) await repos.workOrders.failureCodes.put(model.id, { kind, code, description: code });
    const valve = await repos.spareParts.parts.create({ partNumber: `VLV-${tag}`.toUpperCase(), description: 'Valve', unitCost: { amountMinor: 40_00, currency: 'EUR' }, fitsAssetModelIds: [model.id] });
    const seal = await repos.spareParts.parts.create({ partNumber: `SEL-${tag}`.toUpperCase(), description: 'Seal', unitCost: { amountMinor: 5_00, currency: 'EUR' }, fitsAssetModelIds: [model.id] });
    const wh = await repos.spareParts.warehouses.create({ code: `FQW-${tag}`, name: 'Store', level: 'central', location: { lat: 50, lon: 8 } });
    for (const p of [valve, seal]) await repos.spareParts.stock.move({ warehouseId: wh.id, partId: p.id, kind: 'receipt', quantity: 20, at: T0 });
    let clock = T0;
    const svc = createWorkOrderService({ repos, logger: pino({ level: 'silent' }), clock: () => clock });
    const reports = createReportService(repos, () => clock);
    const done = (over: Partial<WorkOrderCompletionInput> = {}): WorkOrderCompletionInput => ({
      symptomCode: 'S',
      causeCode: 'C',
      remedyCode: 'R',
      responsibleDepartment: 'logistics',
      partsConsumed: [{ partNumber: valve.partNumber, quantity: 2, warehouseId: wh.id }],
      labourHours: 3,
      travelHours: 0,
      downtimeFrom: clock - 1,
      downtimeTo: clock,
      fixedOnFirstVisit: true,
      ...over,
    });
    /** An order of `kind` taken through schedule and start, then completed. */
    const run = async (kind: 'corrective' | 'installation', technician: string, over: Partial<WorkOrderCompletionInput> = {}, failureMode?: string) => {
      const wo = await svc.create({ kind, assetId: asset.id, ...(failureMode ? { failureMode } : {}) }, 'planner:1');
      await svc.schedule(wo.id, { technician, windowFrom: clock, windowTo: clock + 1 }, 'planner:1');
      await svc.start(wo.id, 'engineer:1');
      return svc.complete(wo.id, done(over), 'engineer:1');
    };
    const reserveRow = async () => (await reports.run('warranty-batches', { from: 0, to: clock + 1 })).rows.find((r) => r.productionBatchId === batch.id);
    return { repos, svc, reports, model, batch, asset, valve, seal, wh, run, done, reserveRow, setClock: (t: number) => (clock = t), now: () => clock };
  }

  it('refuses a return of a part never issued on the order, and analyses a returned unit once; a manufacturing defect charges the reserve', async () => {
    const w = await world();
    const { workOrder } = await w.run('corrective', 'Ana'); // logistics: charged to sales, so the defect is news to the reserve
    const refused = await expectAppError(
      w.repos.spareParts.returns.record(workOrder.id, { partId: w.seal.id, quantity: 1, condition: 'defective', warehouseId: w.wh.id }, 'engineer:1', w.now()),
      'PART_NOT_ISSUED',
    );
    expect(refused.message).toContain(`${w.seal.partNumber} was never issued on work order ${workOrder.id}`);
    const ret = await w.repos.spareParts.returns.record(workOrder.id, { partId: w.valve.id, quantity: 2, condition: 'defective', warehouseId: w.wh.id, serialNumbers: ['V-1', 'V-2'] }, 'engineer:1', w.now());
    expect((await w.reserveRow())?.consumedMinor).toBe(0);

    const a = await w.svc.analyseReturn(ret.id, { disposition: 'return_to_supplier', failureAnalysis: 'manufacturing_defect' }, 'engineer:2');
    expect(a).toMatchObject({ disposition: 'return_to_supplier', failureAnalysis: 'manufacturing_defect', analysedBy: 'engineer:2', reserveCharge: { productionBatchId: w.batch.id, amountMinor: 80_00, currency: 'EUR' } });
    expect(await w.reserveRow()).toMatchObject({ consumedMinor: 80_00, remainingMinor: 920_00 });
    await expectAppError(w.svc.analyseReturn(ret.id, { disposition: 'scrap', failureAnalysis: 'wear' }, 'engineer:2'), 'CONFLICT');
    expect((await w.repos.fieldQuality.returns.forWorkOrder(workOrder.id)).map((x) => [x.failureAnalysis, x.reserveCharge?.amountMinor])).toEqual([['manufacturing_defect', 80_00]]);
  });

  it('charges nothing for wear, nor twice when the completion already charged the reserve', async () => {
    const w = await world();
    const worn = await w.run('corrective', 'Ana');
    const r1 = await w.repos.spareParts.returns.record(worn.workOrder.id, { partId: w.valve.id, quantity: 1, condition: 'defective', warehouseId: w.wh.id }, 'e', w.now());
    expect(await w.svc.analyseReturn(r1.id, { disposition: 'scrap', failureAnalysis: 'wear' }, 'e')).toMatchObject({ reserveCharge: null, noChargeReason: null });
    const quality = await w.run('corrective', 'Ana', { responsibleDepartment: 'production' });
    expect(quality.completion.chargedTo).toBe('quality_reserve');
    const before = (await w.reserveRow())?.consumedMinor as number;
    const r2 = await w.repos.spareParts.returns.record(quality.workOrder.id, { partId: w.valve.id, quantity: 1, condition: 'defective', warehouseId: w.wh.id }, 'e', w.now());
    const a = await w.svc.analyseReturn(r2.id, { disposition: 'repair', failureAnalysis: 'manufacturing_defect' }, 'e');
    expect(a.reserveCharge).toBeNull();
    expect(a.noChargeReason).toContain('already charged');
    expect((await w.reserveRow())?.consumedMinor).toBe(before);
  });

  it('reports consumed against returned parts by technician, with the gaps once the grace period is over', async () => {
    const w = await world();
    const ana = await w.run('corrective', `Ana ${seq}`);
    await w.repos.spareParts.returns.record(ana.workOrder.id, { partId: w.valve.id, quantity: 2, condition: 'defective', warehouseId: w.wh.id }, 'e', w.now());
    const bo = await w.run('corrective', `Bo ${seq}`, { partsConsumed: [{ partNumber: w.valve.partNumber, quantity: 3, warehouseId: w.wh.id }] });
    await w.repos.spareParts.returns.record(bo.workOrder.id, { partId: w.valve.id, quantity: 1, condition: 'defective', warehouseId: w.wh.id }, 'e', w.now());
    const report = async (graceDays: number) => w.reports.run('returns-by-technician', { from: T0 - DAY, to: T0 + DAY }, { graceDays });
    w.setClock(T0 + 5 * DAY);
    const early = await report(14);
    expect(early.rows.filter((r) => String(r.technician).endsWith(` ${seq}`))).toEqual([
      { technician: `Ana ${seq}`, orders: 1, consumed: 2, returned: 2, outstanding: 0, overdueUnits: 0, overdueLines: 0, returnRate: 1 },
      { technician: `Bo ${seq}`, orders: 1, consumed: 3, returned: 1, outstanding: 2, overdueUnits: 0, overdueLines: 0, returnRate: 0.3333 },
    ]);
    const late = await report(3);
    expect(late.rows.find((r) => r.technician === `Bo ${seq}`)).toMatchObject({ overdueUnits: 2, overdueLines: 1 });
    // Without graceDays on the request the configured default (HM_RETURN_GRACE_DAYS) applies.
    const configured = await createReportService(w.repos, w.now, { returnGraceDays: 3 }).run('returns-by-technician', { from: T0 - DAY, to: T0 + DAY });
    expect(configured.summary?.graceDays).toBe(3);
    expect(configured.rows.find((r) => r.technician === `Bo ${seq}`)).toMatchObject({ overdueUnits: 2 });
    expect((late.summary?.gaps as { workOrderId: string }[]).filter((g) => g.workOrderId === bo.workOrder.id)).toEqual([
      { technician: `Bo ${seq}`, workOrderId: bo.workOrder.id, partNumber: w.valve.partNumber, consumed: 3, returned: 1, missing: 2, completedAt: T0, daysSinceCompletion: 5 },
    ]);
  });

  it('opens installation orders with the model checklist, refuses completion while a mandatory item is open, and reports hours per installation and year', async () => {
    const w = await world();
    await expectAppError(w.svc.create({ kind: 'installation', assetId: w.asset.id }, 'planner:1'), 'VALIDATION_FAILED');
    await w.repos.fieldQuality.checklists.putTemplate(w.model.id, [
      { code: 'anchor', label: 'Anchored to the floor', mandatory: true },
      { code: 'leak', label: 'Leak test passed', mandatory: true },
      { code: 'photo', label: 'Photo of the nameplate', mandatory: false },
    ]);
    const wo = await w.svc.create({ kind: 'installation', assetId: w.asset.id }, 'planner:1');
    await w.svc.schedule(wo.id, { technician: 'Ana', windowFrom: T0, windowTo: T0 + 1 }, 'planner:1');
    await w.svc.start(wo.id, 'engineer:1');
    await w.repos.fieldQuality.checklists.tick(wo.id, 'anchor', true, 'engineer:1', T0);
    const refused = await expectAppError(w.svc.complete(wo.id, w.done({ partsConsumed: [], labourHours: 10 }), 'engineer:1'), 'ILLEGAL_TRANSITION');
    expect(refused.message).toContain('1 mandatory checklist item(s) still open: Leak test passed');
    expect((await w.repos.workOrders.get(wo.id)).state).toBe('in_progress');
    await w.repos.fieldQuality.checklists.tick(wo.id, 'leak', true, 'engineer:1', T0);
    await w.svc.complete(wo.id, w.done({ partsConsumed: [], labourHours: 10 }), 'engineer:1');
    await expectAppError(w.repos.fieldQuality.checklists.tick(wo.id, 'leak', false, 'engineer:1', T0), 'ILLEGAL_TRANSITION');
    // A year later installations of the model take less time.
    w.setClock(Date.parse('2027-03-01T08:00:00Z'));
    for (const hours of [6, 8]) {
      const next = await w.svc.create({ kind: 'installation', assetId: w.asset.id }, 'planner:1');
      await w.svc.schedule(next.id, { technician: 'Ana', windowFrom: w.now(), windowTo: w.now() + 1 }, 'planner:1');
      await w.svc.start(next.id, 'engineer:1');
      for (const code of ['anchor', 'leak']) await w.repos.fieldQuality.checklists.tick(next.id, code, true, 'engineer:1', w.now());
      await w.svc.complete(next.id, w.done({ partsConsumed: [], labourHours: hours }), 'engineer:1');
    }
    const kpi = await w.reports.run('installation-hours', { from: T0 - DAY, to: w.now() + DAY });
    expect(kpi.rows.filter((r) => r.assetModelId === w.model.id)).toEqual([
      { assetModelId: w.model.id, model: w.model.name, year: 2026, installations: 1, totalHours: 10, hoursPerInstallation: 10, changeFromPreviousYear: null },
      { assetModelId: w.model.id, model: w.model.name, year: 2027, installations: 2, totalHours: 14, hoursPerInstallation: 7, changeFromPreviousYear: -3 },
    ]);
  });

  it('closes the loop on a hazard: verification needs its fields, a later repeat on the model marks it recurred, and qualified reports count only what held', async () => {
    const w = await world();
    const fq = w.repos.fieldQuality.hazards;
    const h = await fq.create({ title: `Valve seat cracks ${seq}`, responsibleDepartment: 'purchasing', causeCode: 'C', failureMode: 'valve', assetModelIds: [w.model.id], owner: 'Quality: R. Diaz', dueOn: '2026-07-01' }, 'engineer:1', T0);
    expect(h.status).toBe('open');
    const missing = await expectAppError(fq.verify(h.id, 'engineer:2', T0), 'VALIDATION_FAILED');
    expect(missing.message).toContain('without rootCause, correctiveAction, correctiveActionAt, preventiveAction');
    const fixAt = T0 + 10 * DAY;
    await fq.update(h.id, { rootCause: 'Supplier changed the alloy', correctiveAction: 'Seats from the old alloy', correctiveActionAt: fixAt, preventiveAction: 'Incoming inspection of alloy certificates' }, T0 + DAY);
    // A failure before the fix is not a recurrence.
    w.setClock(fixAt - DAY);
    await w.run('corrective', 'Ana', {}, 'valve');
    const verified = await fq.verify(h.id, 'engineer:2', fixAt + DAY);
    expect(verified).toMatchObject({ status: 'verified', verifiedBy: 'engineer:2', recurrence: null });
    const qualified = async () => (await w.reports.run('qualified-hazards', { from: 0, to: w.now() + 1 })).rows.find((r) => r.department === 'purchasing');
    const before = await qualified();
    const review = async () => (await w.reports.run('product-review', { from: 0, to: w.now() + 1 })).rows.find((r) => r.assetModelId === w.model.id);
    expect((await review())?.openHazard1).toBeNull();
    // The same failure mode on the same model after the fix: the hazard recurred.
    w.setClock(fixAt + 20 * DAY);
    const repeat = await w.run('corrective', 'Ana', {}, 'valve');
    const after = await fq.get(h.id);
    expect(after).toMatchObject({ status: 'recurred', recurrence: { workOrderId: repeat.workOrder.id, assetId: w.asset.id } });
    const now = await qualified();
    expect(now).toMatchObject({ qualified: (before?.qualified as number) - 1, recurred: (before?.recurred as number) + 1 });
    expect((await review())?.openHazard1).toBe(`Valve seat cracks ${seq}`);
  });
});
