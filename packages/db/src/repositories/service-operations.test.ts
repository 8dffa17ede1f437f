import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@hourmeter/runtime';
import type { Db, Repositories } from '../index.js';
import { dbTargets, useDbTarget } from '../testing.js';

const targets = dbTargets();

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
}

const OPTS = { actor: 'test', now: Date.parse('2026-03-01T00:00:00Z'), repeatWindowMs: 30 * 86_400_000 };

describe.each(targets)('service-operation repositories on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let db: Db;
  let repos: Repositories;
  let seq = 0;

  beforeAll(async () => {
    ({ db, repos } = store);
  });

  async function fixture() {
    seq++;
    const customer = await repos.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC', location: { lat: 53.6, lon: 9.9 } });
    const model = await repos.assetModels.create({ code: `MDL-${target.name}-${seq}`, name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = await repos.assets.create({ serialNumber: `SN-${seq}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' });
    const part = await repos.spareParts.parts.create({ partNumber: `BRG-${target.name.toUpperCase()}-${seq}`, description: 'Bearing', unitCost: { amountMinor: 45_00, currency: 'EUR' }, fitsAssetModelIds: [model.id] });
    const central = await repos.spareParts.warehouses.create({ code: `C-${target.name}-${seq}`, name: 'Central', level: 'central', location: { lat: 50, lon: 10 } });
    return { customer, site, model, asset, part, central };
  }

  it('never lets concurrent reservations take stock below zero: 20 requests for 10 units, exactly 10 succeed', async () => {
    const { part, central } = await fixture();
    await repos.spareParts.stock.move({ warehouseId: central.id, partId: part.id, kind: 'receipt', quantity: 10, at: 1 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => repos.spareParts.stock.move({ warehouseId: central.id, partId: part.id, kind: 'reservation', quantity: 1, at: 2 })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const failed = results.filter((r) => r.status === 'rejected').map((r) => ((r).reason as AppError).code);
    expect(ok).toBe(10);
    expect(failed).toEqual(Array(10).fill('CONFLICT'));
    expect(await repos.spareParts.stock.level(central.id, part.id)).toMatchObject({ onHand: 10, reserved: 10, available: 0 });
    const ledger = await repos.spareParts.stock.movements({ warehouseId: central.id, partId: part.id });
    expect(ledger.filter((m) => m.kind === 'reservation')).toHaveLength(10);
  });

  it('refuses to issue, release or adjust below zero and writes nothing', async () => {
    const { part, central } = await fixture();
    await repos.spareParts.stock.move({ warehouseId: central.id, partId: part.id, kind: 'receipt', quantity: 3, at: 1 });
    await repos.spareParts.stock.move({ warehouseId: central.id, partId: part.id, kind: 'reservation', quantity: 2, at: 2 });
    expect(await codeOf(repos.spareParts.stock.move({ warehouseId: central.id, partId: part.id, kind: 'reservation', quantity: 2, at: 3 }))).toBe('CONFLICT');
    expect(await codeOf(repos.spareParts.stock.move({ warehouseId: central.id, partId: part.id, kind: 'release', quantity: 3, at: 3 }))).toBe('CONFLICT');
    // Adjusting away reserved units is refused too.
    expect(await codeOf(repos.spareParts.stock.move({ warehouseId: central.id, partId: part.id, kind: 'adjustment', quantity: -2, at: 3 }))).toBe('CONFLICT');
    expect(await repos.spareParts.stock.level(central.id, part.id)).toMatchObject({ onHand: 3, reserved: 2 });
    expect(await repos.spareParts.stock.movements({ warehouseId: central.id, partId: part.id })).toHaveLength(2);
  });

  it('keeps exactly one open preventive order per asset and failure mode under concurrent requests', async () => {
    const { asset } = await fixture();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        repos.workOrders.openPreventive({ kind: 'preventive', assetId: asset.id, failureMode: 'bearing_wear', reason: `alert ${i}`, rulHours: 100 - i }, { ...OPTS, source: 'prediction', suggestedPartNumbers: [`P-${i}`] }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.workOrder.id)).size).toBe(1);
    const all = await repos.workOrders.list({ filters: { assetId: asset.id } });
    expect(all.items).toHaveLength(1);
    expect(all.items[0]!.suggestedPartNumbers).toHaveLength(8);
    // Once it is cancelled a new request opens a new order.
    const id = all.items[0]!.id;
    await repos.workOrders.transition(id, { from: 'open', to: 'cancelled', actor: 'test', at: OPTS.now });
    const again = await repos.workOrders.openPreventive({ kind: 'preventive', assetId: asset.id, failureMode: 'bearing_wear', reason: 'again' }, OPTS);
    expect(again.created).toBe(true);
    // The index itself refuses a second active preventive order.
    expect(await codeOf(
      db.kysely.insertInto('work_orders').values({ ...rowOf(again.workOrder.assetId), id: 'wo_DUPLICATE' }).execute().catch((e: unknown) => { throw new AppError('CONFLICT', String(e)); }),
    )).toBe('CONFLICT');
  });

  it('records the audit trail, completes in one transaction and refuses to complete a cancelled order', async () => {
    const { asset, part, central } = await fixture();
    await repos.spareParts.stock.move({ warehouseId: central.id, partId: part.id, kind: 'receipt', quantity: 5, at: 1 });
    const wo = await repos.workOrders.create({ kind: 'corrective', assetId: asset.id, failureMode: 'seal_leak' }, OPTS);
    await repos.spareParts.requests.create({ workOrderId: wo.id, partId: part.id, quantity: 2, plan: { kind: 'direct', warehouseId: central.id }, at: 5 });
    expect(await repos.spareParts.stock.level(central.id, part.id)).toMatchObject({ onHand: 5, reserved: 2 });
    await repos.workOrders.transition(wo.id, { from: 'open', to: 'scheduled', actor: 'planner:1', at: OPTS.now + 1, schedule: { technician: 'Ana', windowFrom: OPTS.now + 10, windowTo: OPTS.now + 20 } });
    await repos.workOrders.transition(wo.id, { from: 'scheduled', to: 'in_progress', actor: 'engineer:2', at: OPTS.now + 2 });
    // A stale transition (the order moved on) is refused.
    expect(await codeOf(repos.workOrders.transition(wo.id, { from: 'open', to: 'scheduled', actor: 'x', at: OPTS.now + 3 }))).toBe('ILLEGAL_TRANSITION');
    const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
    const record = {
      failureAt: OPTS.now, symptomCode: 'LEAK', causeCode: 'SEAL', remedyCode: 'REPLACE', responsibleDepartment: 'production' as const,
      partsConsumed: [{ partId: part.id, partNumber: part.partNumber, quantity: 1, unitCost: eur(45_00) }],
      labourHours: 1, travelHours: 0, downtimeFrom: OPTS.now, downtimeTo: OPTS.now + 3_600_000, fixedOnFirstVisit: true,
      inWarranty: true, chargedTo: 'sales' as const, partsCost: eur(45_00), labourCost: eur(85_00), travelCost: eur(0), totalCost: eur(130_00),
      consumedByPartId: new Map([[part.id, 1]]),
      sourcesByPartId: new Map<string, { candidates: string[]; named: boolean }>(),
    };
    const done = await repos.workOrders.complete(wo.id, record, 'engineer:2', OPTS.now + 4);
    expect(done.workOrder.state).toBe('completed');
    expect(done.completion.totalCost).toEqual(eur(130_00));
    // One unit issued, one released: 4 on hand, none reserved.
    expect(await repos.spareParts.stock.level(central.id, part.id)).toMatchObject({ onHand: 4, reserved: 0 });
    expect((await repos.workOrders.events(wo.id)).map((e) => [e.fromState, e.toState, e.actor])).toEqual([
      [null, 'open', 'test'],
      ['open', 'scheduled', 'planner:1'],
      ['scheduled', 'in_progress', 'engineer:2'],
      ['in_progress', 'completed', 'engineer:2'],
    ]);

    // A repeat within 30 days is linked to the completed order.
    const repeat = await repos.workOrders.create({ kind: 'corrective', assetId: asset.id, failureMode: 'seal_leak' }, { ...OPTS, now: OPTS.now + 10 * 86_400_000 });
    expect(repeat.repeatOfId).toBe(wo.id);
    const later = await repos.workOrders.create({ kind: 'corrective', assetId: asset.id, failureMode: 'seal_leak' }, { ...OPTS, now: OPTS.now + 31 * 86_400_000 });
    expect(later.repeatOfId).toBeUndefined();

    // Cancel releases the reservation; completing the cancelled order changes nothing.
    await repos.spareParts.requests.create({ workOrderId: repeat.id, partId: part.id, quantity: 3, plan: { kind: 'direct', warehouseId: central.id }, at: 6 });
    expect(await repos.spareParts.stock.level(central.id, part.id)).toMatchObject({ onHand: 4, reserved: 3 });
    await repos.workOrders.transition(repeat.id, { from: 'open', to: 'cancelled', actor: 'planner:1', at: OPTS.now + 11 * 86_400_000 });
    expect(await repos.spareParts.stock.level(central.id, part.id)).toMatchObject({ onHand: 4, reserved: 0 });
    const ledgerBefore = (await repos.spareParts.stock.movements({ partId: part.id })).length;
    expect(await codeOf(repos.workOrders.complete(repeat.id, record, 'x', OPTS.now + 12 * 86_400_000))).toBe('ILLEGAL_TRANSITION');
    expect(await repos.workOrders.completion(repeat.id)).toBeUndefined();
    expect((await repos.spareParts.stock.movements({ partId: part.id })).length).toBe(ledgerBefore);
    expect((await repos.workOrders.get(repeat.id)).state).toBe('cancelled');
  });

  it('moves a transfer requested -> shipped -> received and reserves for the waiting request', async () => {
    const { asset, part, central } = await fixture();
    const station = await repos.spareParts.warehouses.create({ code: `S-${target.name}-${seq}`, name: 'Station', level: 'station', parentId: central.id, location: { lat: 53.5, lon: 10 } });
    expect(await codeOf(repos.spareParts.warehouses.create({ code: `X-${target.name}-${seq}`, name: 'Bad', level: 'regional', parentId: station.id, location: { lat: 0, lon: 0 } }))).toBe('VALIDATION_FAILED');
    await repos.spareParts.stock.move({ warehouseId: central.id, partId: part.id, kind: 'receipt', quantity: 2, at: 1 });
    const wo = await repos.workOrders.create({ kind: 'corrective', assetId: asset.id, failureMode: 'noise' }, OPTS);
    const req = await repos.spareParts.requests.create({ workOrderId: wo.id, partId: part.id, quantity: 2, plan: { kind: 'transfer', fromWarehouseId: central.id, toWarehouseId: station.id }, at: 2 });
    expect(req).toMatchObject({ state: 'in_transfer', sourcing: 'transfer', warehouseId: station.id, servedFromStock: false });
    // A raced plan (the units are gone) writes nothing and asks to re-plan.
    expect(await repos.spareParts.requests.create({ workOrderId: wo.id, partId: part.id, quantity: 1, plan: { kind: 'direct', warehouseId: central.id }, at: 3 })).toBeUndefined();
    expect(await repos.spareParts.requests.forWorkOrder(wo.id)).toHaveLength(1);
    const transferId = req!.transferId!;
    expect(await codeOf(repos.spareParts.transfers.receive(transferId, 4))).toBe('ILLEGAL_TRANSITION');
    await repos.spareParts.transfers.ship(transferId, 4);
    expect(await repos.spareParts.stock.level(central.id, part.id)).toMatchObject({ onHand: 0, reserved: 0 });
    await repos.spareParts.transfers.receive(transferId, 5);
    expect(await repos.spareParts.stock.level(station.id, part.id)).toMatchObject({ onHand: 2, reserved: 2 });
    expect((await repos.spareParts.requests.forWorkOrder(wo.id))[0]).toMatchObject({ state: 'reserved', warehouseId: station.id });
  });
});

function rowOf(assetId: string) {
  return {
    kind: 'preventive', state: 'open', asset_id: assetId, failure_mode: 'bearing_wear', alert_id: null, description: null, reason: null, source: null, severity: null,
    rul_hours: null, suggested_part_numbers: null, schedule_id: null, technician: null, window_from: null, window_to: null, sla_due_at: null, repeat_of_id: null,
    completed_at: null, cancelled_at: null, created_at: 1, updated_at: 1,
  };
}
