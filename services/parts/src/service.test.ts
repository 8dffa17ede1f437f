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
});
