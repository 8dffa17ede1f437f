import type { Repositories } from '@hourmeter/db';
import { dbTargets, expectAppError, useDbTarget } from '@hourmeter/db/testing';
import type { WorkOrderCompletionInput } from '@hourmeter/domain';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createReportService } from './report-service.js';
import { createWorkOrderService } from './service.js';

const logger = pino({ level: 'silent' });
const T0 = Date.parse('2026-06-01T08:00:00Z');
const H = 3_600_000;

/**
 * Issue 16 rule 1, "stock follows use": every part recorded on a completion
 * leaves stock through a ledger movement from a named location, or the
 * completion is refused with a 409 saying where the part is.
 */
describe.each(dbTargets())('stock follows use on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let seq = 0;

  /** A pump near Hamburg; stations in Hamburg (near) and Munich (far) under a central store in Kassel. */
  async function world() {
    const repos: Repositories = store!.repos;
    seq++;
    const tag = `${target.name}-${seq}`;
    const customer = await repos.customers.create({ name: `Acme ${tag}`, currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC', location: { lat: 53.6, lon: 9.95 } });
    const model = await repos.assetModels.create({ code: `PUMP-${tag}`, name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = await repos.assets.create({ serialNumber: `P-${tag}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' });
    for (const [kind, code] of [['symptom', 'LEAK'], ['cause', 'SEAL'], ['remedy', 'REPLACE']] as const) {
      await repos.workOrders.failureCodes.put(model.id, { kind, code, description: code });
    }
    const part = await repos.spareParts.parts.create({ partNumber: `SEAL-${seq}${target.name === 'sqlite' ? 'S' : 'P'}`, description: 'Seal', unitCost: { amountMinor: 12_00, currency: 'EUR' }, fitsAssetModelIds: [model.id] });
    const wh = (code: string, level: 'central' | 'station', lat: number, lon: number, parentId?: string) =>
      repos.spareParts.warehouses.create({ code: `${code}-${tag}`, name: code, level, location: { lat, lon }, ...(parentId ? { parentId } : {}) });
    const central = await wh('KASSEL', 'central', 51.31, 9.48);
    const near = await wh('HAMBURG', 'station', 53.55, 9.93, central.id);
    const far = await wh('MUNICH', 'station', 48.14, 11.58, central.id);
    const van = await wh('VAN-ANA', 'station', 53.6, 10.0, central.id);
    let clock = T0;
    const svc = createWorkOrderService({ repos, logger, clock: () => (clock += 1000) });
    const receive = (warehouseId: string, quantity: number) => repos.spareParts.stock.move({ warehouseId, partId: part.id, kind: 'receipt', quantity, at: T0 });
    const inProgress = async () => {
      const wo = await svc.create({ kind: 'corrective', assetId: asset.id, failureMode: `leak-${Math.random()}` }, 'planner:1');
      await svc.schedule(wo.id, { technician: 'Ana', windowFrom: T0, windowTo: T0 + H }, 'planner:1');
      await svc.start(wo.id, 'engineer:1');
      return wo;
    };
    const completion = (quantity: number, warehouseId?: string): WorkOrderCompletionInput => ({
      symptomCode: 'LEAK',
      causeCode: 'SEAL',
      remedyCode: 'REPLACE',
      responsibleDepartment: 'production',
      partsConsumed: [{ partNumber: part.partNumber, quantity, ...(warehouseId ? { warehouseId } : {}) }],
      labourHours: 1,
      travelHours: 0,
      downtimeFrom: T0,
      downtimeTo: T0 + H,
      fixedOnFirstVisit: true,
    });
    const level = (w: string) => repos.spareParts.stock.level(w, part.id);
    const issues = async (workOrderId: string) =>
      (await repos.spareParts.stock.movements({ workOrderId })).filter((m) => m.kind === 'issue').map((m) => [m.warehouseId, m.quantity]);
    return { repos, svc, part, central, near, far, van, receive, inProgress, completion, level, issues, now: () => clock };
  }

  it('issues a part used without a reservation from the nearest location that has it', async () => {
    const w = await world();
    await w.receive(w.far.id, 5);
    await w.receive(w.central.id, 5);
    const wo = await w.inProgress();
    await w.svc.complete(wo.id, w.completion(2), 'engineer:1');
    // Kassel is nearer the site than Munich; the empty Hamburg station is skipped.
    expect(await w.issues(wo.id)).toEqual([[w.central.id, 2]]);
    expect(await w.level(w.central.id)).toMatchObject({ onHand: 3, reserved: 0 });
    expect(await w.level(w.far.id)).toMatchObject({ onHand: 5, reserved: 0 });
  });

  it('issues the reservation first and the difference from the nearest stock when more is used than was reserved', async () => {
    const w = await world();
    await w.receive(w.far.id, 1);
    await w.receive(w.near.id, 4);
    const wo = await w.inProgress();
    // The reservation is in Munich (the only unit when it was made is gone from Hamburg meanwhile in real life).
    await w.repos.spareParts.requests.create({ workOrderId: wo.id, partId: w.part.id, quantity: 1, plan: { kind: 'direct', warehouseId: w.far.id }, at: T0 });
    await w.svc.complete(wo.id, w.completion(3), 'engineer:1');
    expect((await w.issues(wo.id)).sort()).toEqual([[w.far.id, 1], [w.near.id, 2]].sort());
    expect(await w.level(w.far.id)).toMatchObject({ onHand: 0, reserved: 0 });
    expect(await w.level(w.near.id)).toMatchObject({ onHand: 2, reserved: 0 });
    expect((await w.repos.spareParts.requests.forWorkOrder(wo.id))[0]).toMatchObject({ state: 'issued' });
  });

  it('takes the units from the location the technician names', async () => {
    const w = await world();
    await w.receive(w.near.id, 4);
    await w.receive(w.van.id, 2);
    const wo = await w.inProgress();
    await w.svc.complete(wo.id, w.completion(2, w.van.id), 'engineer:1');
    expect(await w.issues(wo.id)).toEqual([[w.van.id, 2]]);
    expect(await w.level(w.near.id)).toMatchObject({ onHand: 4 });
  });

  it('refuses a part that is not there with a 409 naming where stock exists, and writes nothing', async () => {
    const w = await world();
    await w.receive(w.far.id, 3);
    const wo = await w.inProgress();
    const ledger = (await w.repos.spareParts.stock.movements({ partId: w.part.id })).length;
    const err = await expectAppError(w.svc.complete(wo.id, w.completion(1, w.van.id), 'engineer:1'), 'CONFLICT');
    expect(err.status).toBe(409);
    expect(err.message).toContain(`VAN-ANA-${target.name}-`);
    expect(err.message).toMatch(/stock exists at MUNICH-\S+ \(MUNICH\): 3 available/);
    // More than any one location holds: refused too, nothing moved, the order still in progress.
    const all = await expectAppError(w.svc.complete(wo.id, w.completion(4), 'engineer:1'), 'CONFLICT');
    expect(all.message).toContain('no location has them all');
    expect((await w.repos.spareParts.stock.movements({ partId: w.part.id })).length).toBe(ledger);
    expect((await w.repos.workOrders.get(wo.id)).state).toBe('in_progress');
    expect(await w.repos.workOrders.completion(wo.id)).toBeUndefined();
    await expectAppError(w.svc.complete(wo.id, w.completion(1, 'wh_01JZZZZZZZZZZZZZZZZZZZZZZZ'), 'engineer:1'), 'REFERENCE_NOT_FOUND');
  });

  it('reconciles consumed, issued and returned quantities in the parts-reconciliation report', async () => {
    const w = await world();
    await w.receive(w.near.id, 5);
    const wo = await w.inProgress();
    await w.svc.complete(wo.id, w.completion(2), 'engineer:1');
    const report = createReportService(w.repos, w.now);
    const period = { from: T0, to: w.now() + 1 };
    const rowOf = async () => (await report.run('parts-reconciliation', period)).rows.find((r) => r.workOrderId === wo.id);
    // Two replaced seals are owed back.
    expect(await rowOf()).toMatchObject({ partNumber: w.part.partNumber, consumed: 2, issued: 2, issuedFrom: `HAMBURG-${target.name}-${seq}`, returnedUnused: 0, returnedDefective: 0, stockDifference: 0, notReturned: 2, status: 'return_missing' });
    await w.repos.spareParts.returns.record(wo.id, { partId: w.part.id, quantity: 2, condition: 'defective', warehouseId: w.near.id, serialNumbers: ['S-1', 'S-2'] }, 'engineer:1', w.now());
    expect(await rowOf()).toMatchObject({ returnedDefective: 2, notReturned: 0, status: 'ok' });
    // A defective return beyond what was replaced, or an unused one beyond what was issued, is refused.
    await expectAppError(w.repos.spareParts.returns.record(wo.id, { partId: w.part.id, quantity: 1, condition: 'defective', warehouseId: w.near.id }, 'e', w.now()), 'VALIDATION_FAILED');
    await expectAppError(w.repos.spareParts.returns.record(wo.id, { partId: w.part.id, quantity: 3, condition: 'unused', warehouseId: w.near.id }, 'e', w.now()), 'VALIDATION_FAILED');
    // An unused unit back on the shelf: stock rises and the row shows that the completion overstated use.
    await w.repos.spareParts.returns.record(wo.id, { partId: w.part.id, quantity: 1, condition: 'unused', warehouseId: w.near.id }, 'engineer:1', w.now());
    expect(await w.level(w.near.id)).toMatchObject({ onHand: 4, reserved: 0 });
    expect(await rowOf()).toMatchObject({ returnedUnused: 1, stockDifference: -1, status: 'stock_mismatch' });
    expect((await w.repos.spareParts.returns.forWorkOrder(wo.id)).map((r) => [r.condition, r.quantity, r.serialNumbers])).toEqual([
      ['defective', 2, ['S-1', 'S-2']],
      ['unused', 1, undefined],
    ]);
  });
});
