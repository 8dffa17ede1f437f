import type { Repositories } from '@hourmeter/db';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPartsService, type PartsService } from './service.js';
import { dbTargets, useDbTarget } from '@hourmeter/db/testing';

const logger = pino({ level: 'silent' });
const targets = dbTargets();

describe.each(targets)('part reservations for work orders on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let repos: Repositories;
  let parts: PartsService;

  beforeAll(async () => {
    ({ repos } = store);
    parts = createPartsService({ repos, logger });
  });

  it('serves 20 concurrent requests for 10 units at the nearest station: exactly 10 reserved there, the rest sourced elsewhere, stock never negative', async () => {
    const customer = await repos.customers.create({ name: 'A', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'S', timezone: 'UTC', location: { lat: 53.6, lon: 9.9 } });
    const model = await repos.assetModels.create({ code: 'FRIDGE', name: 'Fridge', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = await repos.assets.create({ serialNumber: 'F1', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' });
    const part = await repos.spareParts.parts.create({ partNumber: 'CMP-100', description: 'Compressor', unitCost: { amountMinor: 1, currency: 'EUR' }, fitsAssetModelIds: [model.id] });
    const central = await repos.spareParts.warehouses.create({ code: 'C', name: 'C', level: 'central', location: { lat: 51, lon: 9.5 } });
    const near = await repos.spareParts.warehouses.create({ code: 'N', name: 'N', level: 'station', parentId: central.id, location: { lat: 53.55, lon: 9.93 } });
    const far = await repos.spareParts.warehouses.create({ code: 'F', name: 'F', level: 'station', parentId: central.id, location: { lat: 48.1, lon: 11.6 } });
    await repos.spareParts.stock.move({ warehouseId: near.id, partId: part.id, kind: 'receipt', quantity: 10, at: 1 });
    await repos.spareParts.stock.move({ warehouseId: far.id, partId: part.id, kind: 'receipt', quantity: 4, at: 1 });
    await repos.spareParts.stock.move({ warehouseId: central.id, partId: part.id, kind: 'receipt', quantity: 3, at: 1 });
    const wo = await repos.workOrders.create({ kind: 'corrective', assetId: asset.id }, { actor: 't', now: Date.now(), repeatWindowMs: 0 });

    const results = await Promise.all(Array.from({ length: 20 }, () => parts.reserveForWorkOrder({ workOrderId: wo.id, partNumber: 'CMP-100', quantity: 1 })));
    const at = (id: string) => results.filter((r) => r.sourcing === 'direct' && r.warehouseId === id).length;
    expect(at(near.id)).toBe(10);
    expect(at(far.id)).toBe(4);
    expect(results.filter((r) => r.sourcing === 'transfer')).toHaveLength(3);
    expect(results.filter((r) => r.sourcing === 'backorder')).toHaveLength(3);
    expect(await repos.spareParts.stock.level(near.id, part.id)).toMatchObject({ onHand: 10, reserved: 10 });
    expect(await repos.spareParts.stock.level(far.id, part.id)).toMatchObject({ onHand: 4, reserved: 4 });
    expect(await repos.spareParts.stock.level(central.id, part.id)).toMatchObject({ onHand: 3, reserved: 3 });

    // Cancelling the order gives every unit back and cancels its pending transfers.
    await repos.workOrders.transition(wo.id, { from: 'open', to: 'cancelled', actor: 't', at: Date.now() });
    for (const w of [near, far, central]) expect((await repos.spareParts.stock.level(w.id, part.id)).reserved).toBe(0);
    expect((await repos.spareParts.transfers.list({ state: 'cancelled' })).length).toBe(6);
  });

  it('sources backorders again when stock arrives, most urgent order first, and counts each request once in fill rate', async () => {
    const customer = await repos.customers.create({ name: 'B', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'S', timezone: 'UTC', location: { lat: 40.4, lon: -3.7 } });
    const model = await repos.assetModels.create({ code: 'OVEN', name: 'Oven', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = await repos.assets.create({ serialNumber: 'O1', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' });
    const part = await repos.spareParts.parts.create({ partNumber: 'HTR-200', description: 'Heater', unitCost: { amountMinor: 1, currency: 'EUR' }, fitsAssetModelIds: [model.id] });
    const central = await repos.spareParts.warehouses.create({ code: 'MAD-C', name: 'Madrid central', level: 'central', location: { lat: 40.0, lon: -3.0 } });
    const near = await repos.spareParts.warehouses.create({ code: 'MAD-S', name: 'Madrid station', level: 'station', parentId: central.id, location: { lat: 40.41, lon: -3.69 } });
    const far = await repos.spareParts.warehouses.create({ code: 'BCN-S', name: 'Barcelona station', level: 'station', parentId: central.id, location: { lat: 41.39, lon: 2.17 } });
    const order = (severity: 'low' | 'high' | 'critical', slaDueAt?: number) =>
      repos.workOrders.create({ kind: 'corrective', assetId: asset.id, severity, ...(slaDueAt ? { slaDueAt } : {}) }, { actor: 't', now: Date.now(), repeatWindowMs: 0 });
    const low = await order('low');
    const high = await order('high', Date.now() + 86_400_000);
    const critical = await order('critical');
    // Requested oldest first: low, high, critical. Nothing anywhere: all backordered.
    for (const wo of [low, high, critical]) expect((await parts.reserveForWorkOrder({ workOrderId: wo.id, partNumber: 'HTR-200', quantity: 1 })).state).toBe('backordered');
    const stateOf = async (id: string) => (await repos.spareParts.requests.forWorkOrder(id))[0]!;

    // One unit received at the near station: the critical order gets it, although it asked last.
    await parts.move({ warehouseId: near.id, partId: part.id, kind: 'receipt', quantity: 1, at: Date.now() });
    expect(await stateOf(critical.id)).toMatchObject({ state: 'reserved', warehouseId: near.id, sourcing: 'backorder', servedFromStock: false });
    expect((await stateOf(high.id)).state).toBe('backordered');
    // One at the central store: the high order's request becomes a transfer to the nearest station.
    await parts.move({ warehouseId: central.id, partId: part.id, kind: 'receipt', quantity: 1, at: Date.now() });
    const h = await stateOf(high.id);
    expect(h).toMatchObject({ state: 'in_transfer', warehouseId: near.id });
    expect(await repos.spareParts.transfers.get(h.transferId!)).toMatchObject({ state: 'requested', fromWarehouseId: central.id, toWarehouseId: near.id });
    // A positive adjustment at the far station: the low order's request is reserved there.
    await parts.move({ warehouseId: far.id, partId: part.id, kind: 'adjustment', quantity: 1, at: Date.now() });
    expect(await stateOf(low.id)).toMatchObject({ state: 'reserved', warehouseId: far.id });
    // Nothing left waiting: arriving stock again changes no request, and each counts once as a stock-out.
    expect(await parts.stockArrived(part.id)).toEqual([]);
    const requests = (await repos.spareParts.requests.inPeriod(0, Date.now() + 1)).filter((r) => r.partId === part.id);
    expect(requests.map((r) => r.sourcing)).toEqual(['backorder', 'backorder', 'backorder']);
    for (const w of [near, far, central]) expect((await repos.spareParts.stock.level(w.id, part.id)).reserved).toBe(1);

    // A received transfer serves the next backorder at its destination.
    const next = await order('high');
    expect((await parts.reserveForWorkOrder({ workOrderId: next.id, partNumber: 'HTR-200', quantity: 2 })).state).toBe('backordered');
    await repos.spareParts.stock.move({ warehouseId: central.id, partId: part.id, kind: 'receipt', quantity: 2, at: Date.now() });
    const t = await repos.spareParts.transfers.request(part.id, central.id, near.id, 2, Date.now());
    await repos.spareParts.transfers.ship(t.id, Date.now());
    expect((await stateOf(next.id)).state).toBe('backordered');
    await parts.receiveTransfer(t.id);
    expect(await stateOf(next.id)).toMatchObject({ state: 'reserved', warehouseId: near.id });
  });
});
