import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import type { Part } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createWorkOrderService } from './service.js';

const T0 = Date.parse('2026-06-01T08:00:00Z');
const UNIT_COST: readonly number[] = [40_00, 5_00];

const Order = fc.record({
  // Logistics is charged to sales, production to the batch's quality reserve already.
  department: fc.constantFrom('logistics' as const, 'production' as const),
  quantities: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })).filter(([a, b]) => a + b > 0),
});
const Return = fc.record({
  order: fc.nat(),
  part: fc.integer({ min: 0, max: 1 }),
  quantity: fc.integer({ min: 1, max: 3 }),
  analysis: fc.option(fc.constantFrom('manufacturing_defect' as const, 'wear' as const, 'misuse' as const, 'no_fault_found' as const), { nil: undefined }),
});

/**
 * Issue 18, property-based: whatever returns are attempted, the defective
 * units returned per order and part never exceed what the order consumed
 * (a part it never had is refused as PART_NOT_ISSUED), and what the batch's
 * quality reserve is charged equals the cost of the returns analysed as a
 * manufacturing defect on orders the completion did not already charge to it.
 */
describe.each(dbTargets())('returns and reserve charges on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let run = 0;

  it('never returns more than was issued, and charges the reserve exactly the confirmed defects', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(Order, { minLength: 1, maxLength: 3 }), fc.array(Return, { minLength: 1, maxLength: 6 }), async (orders, returns) => {
        const repos = store.repos;
        run++;
        const tag = `${target.name}-${run}-${Math.random().toString(36).slice(2, 7)}`;
        const customer = await repos.customers.create({ name: 'P', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'small', influence: 0 } });
        const site = await repos.sites.create({ customerId: customer.id, name: 'S', timezone: 'UTC', location: { lat: 50, lon: 8 } });
        const model = await repos.assetModels.create({ code: `PR-${tag}`, name: 'M', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 1 });
        const batch = await repos.productionBatches.create({ assetModelId: model.id, code: `PRB-${tag}`, producedOn: '2026-01-01', unitCount: 1, qualityReserve: { amountMinor: 10_000_00, currency: 'EUR' } });
        const asset = await repos.assets.create({ serialNumber: `PR-${tag}`, assetModelId: model.id, productionBatchId: batch.id, siteId: site.id, commissionedOn: '2026-01-02', warrantyEndsOn: '2027-12-31', status: 'active' });
        for (const [kind, code] of [['symptom', 'S'], ['cause', 'C'], ['remedy', 'R']] as const) await repos.workOrders.failureCodes.put(model.id, { kind, code, description: code });
        const wh = await repos.spareParts.warehouses.create({ code: `PRW-${tag}`, name: 'W', level: 'central', location: { lat: 50, lon: 8 } });
        const parts: Part[] = [];
        for (const [i, cost] of UNIT_COST.entries()) {
          const p = await repos.spareParts.parts.create({ partNumber: `PR${i}-${tag}`.toUpperCase(), description: 'x', unitCost: { amountMinor: cost, currency: 'EUR' }, fitsAssetModelIds: [model.id] });
          await repos.spareParts.stock.move({ warehouseId: wh.id, partId: p.id, kind: 'receipt', quantity: 100, at: T0 });
          parts.push(p);
        }
        const svc = createWorkOrderService({ repos, logger: pino({ level: 'silent' }), clock: () => T0 });
        const done = [];
        for (const o of orders) {
          const wo = await svc.create({ kind: 'corrective', assetId: asset.id }, 'p');
          await svc.schedule(wo.id, { technician: 'T', windowFrom: T0, windowTo: T0 + 1 }, 'p');
          await svc.start(wo.id, 'e');
          const partsConsumed = o.quantities.flatMap((q, i) => (q > 0 ? [{ partNumber: parts[i]!.partNumber, quantity: q, warehouseId: wh.id }] : []));
          await svc.complete(wo.id, { symptomCode: 'S', causeCode: 'C', remedyCode: 'R', responsibleDepartment: o.department, partsConsumed, labourHours: 1, travelHours: 0, downtimeFrom: T0 - 1, downtimeTo: T0, fixedOnFirstVisit: true }, 'e');
          done.push(wo.id);
        }
        const reserveBefore = (await repos.workOrders.qualityReserves.standing(batch.id))!.consumedMinor;

        let expectedCharge = 0;
        const accepted = new Map<string, number>();
        for (const r of returns) {
          const oi = r.order % orders.length;
          const attempt = repos.spareParts.returns.record(done[oi]!, { partId: parts[r.part]!.id, quantity: r.quantity, condition: 'defective', warehouseId: wh.id }, 'e', T0);
          const consumed = orders[oi]!.quantities[r.part]!;
          const key = `${oi}|${r.part}`;
          const already = accepted.get(key) ?? 0;
          const refusal = consumed === 0 ? 'PART_NOT_ISSUED' : already + r.quantity > consumed ? 'VALIDATION_FAILED' : undefined;
          const ret = await attempt.then(
            (x) => x,
            (err: unknown) => {
              if (err instanceof AppError) return err.code;
              throw err;
            },
          );
          if (typeof ret === 'string') {
            expect(ret).toBe(refusal);
            continue;
          }
          expect(refusal).toBeUndefined();
          accepted.set(key, already + r.quantity);
          if (!r.analysis) continue;
          const a = await svc.analyseReturn(ret.id, { disposition: 'scrap', failureAnalysis: r.analysis }, 'e');
          if (r.analysis === 'manufacturing_defect' && orders[oi]!.department === 'logistics') expectedCharge += r.quantity * UNIT_COST[r.part]!;
          expect(a.reserveCharge?.amountMinor ?? 0).toBe(r.analysis === 'manufacturing_defect' && orders[oi]!.department === 'logistics' ? r.quantity * UNIT_COST[r.part]! : 0);
        }

        for (const [oi, o] of orders.entries()) {
          const back = await repos.spareParts.returns.forWorkOrder(done[oi]!);
          for (const [pi, consumed] of o.quantities.entries()) {
            const returned = back.filter((b) => b.partId === parts[pi]!.id).reduce((s, b) => s + b.quantity, 0);
            expect(returned).toBeLessThanOrEqual(consumed);
          }
        }
        expect((await repos.workOrders.qualityReserves.standing(batch.id))!.consumedMinor - reserveBefore).toBe(expectedCharge);
      }),
      { numRuns: 12, seed: 18 },
    );
  }, 240_000);
});
