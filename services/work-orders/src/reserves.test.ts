import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import { createEventBus, type AnyEnvelope } from '@hourmeter/events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createReportService } from './report-service.js';
import { createWorkOrderService } from './service.js';

const T0 = Date.parse('2026-06-01T08:00:00Z');

/** Issue 16 rule 9: a batch's quality reserve is watched at 80 % and 100 %, overdrawn shows, and the remainder is released when its warranty ends. */
describe.each(dbTargets())('quality reserves watched on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let seq = 0;

  async function world(reserveMinor: number) {
    const repos = store!.repos;
    seq++;
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg as string) });
    const events: AnyEnvelope[] = [];
    const bus = createEventBus({ logger });
    bus.onAny((e) => void events.push(e));
    const customer = await repos.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
    const model = await repos.assetModels.create({ code: `RSV-${target.name}-${seq}`, name: 'Press', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const batch = await repos.productionBatches.create({ assetModelId: model.id, code: `B-${target.name}-${seq}`, producedOn: '2026-01-01', unitCount: 5, qualityReserve: { amountMinor: reserveMinor, currency: 'EUR' } });
    const asset = await repos.assets.create({ serialNumber: `R-${seq}`, assetModelId: model.id, productionBatchId: batch.id, siteId: site.id, commissionedOn: '2026-01-15', warrantyEndsOn: '2027-06-30', status: 'active' });
    for (const [kind, code] of [['symptom', 'S'], ['cause', 'C'], ['remedy', 'R']] as const) await repos.workOrders.failureCodes.put(model.id, { kind, code, description: code });
    let clock = T0;
    const svc = createWorkOrderService({ repos, logger, events: bus, clock: () => clock });
    /** A production defect in warranty, charged to the batch: labour only, at 85.00 EUR/h. */
    const repair = async (labourHours: number) => {
      const wo = await svc.create({ kind: 'corrective', assetId: asset.id }, 'planner:1');
      await svc.schedule(wo.id, { technician: 'Ana', windowFrom: clock, windowTo: clock + 1 }, 'planner:1');
      await svc.start(wo.id, 'engineer:1');
      const done = await svc.complete(wo.id, { symptomCode: 'S', causeCode: 'C', remedyCode: 'R', responsibleDepartment: 'production', partsConsumed: [], labourHours, travelHours: 0, downtimeFrom: clock - 1, downtimeTo: clock, fixedOnFirstVisit: true }, 'engineer:1');
      expect(done.completion.chargedTo).toBe('quality_reserve');
    };
    const row = async () => (await createReportService(repos, () => clock).run('warranty-batches', { from: 0, to: clock + 1 })).rows.find((r) => r.productionBatchId === batch.id);
    const ofBatch = () => events.filter((e) => e.type.startsWith('reserve.') && (e.data as { productionBatchId: string }).productionBatchId === batch.id);
    return { svc, batch, repair, row, ofBatch, warnings, setClock: (t: number) => (clock = t) };
  }

  it('signals 80 % and 100 % once each, and shows an overdrawn reserve', async () => {
    const w = await world(1000_00);
    await w.repair(8); // 680.00: 68 %
    expect(w.ofBatch()).toEqual([]);
    await w.repair(2); // 850.00: 85 %
    expect(w.ofBatch().map((e) => [e.type, (e.data as { share: number }).share])).toEqual([['reserve.warning', 0.85]]);
    expect(w.warnings).toContain(`quality reserve of batch ${w.batch.code} is 80 % used`);
    expect(await w.row()).toMatchObject({ state: 'warning', consumedMinor: 850_00, remainingMinor: 150_00 });
    await w.repair(2); // 1020.00: overdrawn
    await w.repair(1); // no new signal
    expect(w.ofBatch().map((e) => e.type)).toEqual(['reserve.warning', 'reserve.exhausted']);
    expect(w.ofBatch()[1]!.data).toMatchObject({ reserve: { amountMinor: 1000_00, currency: 'EUR' }, consumed: { amountMinor: 1020_00, currency: 'EUR' } });
    expect(w.warnings).toContain(`quality reserve of batch ${w.batch.code} is used up (overdrawn)`);
    expect(await w.row()).toMatchObject({ state: 'overdrawn', consumedMinor: 1105_00, remainingMinor: -105_00 });
    // Overdrawn pays no bonus when the warranty ends.
    w.setClock(Date.parse('2027-07-01T00:00:00Z'));
    expect((await w.svc.reserves.releaseEnded()).find((r) => r.productionBatchId === w.batch.id)).toMatchObject({ bonusMinor: 0 });
  });

  it("releases the unused remainder as production's quality bonus when the batch's warranty ends, once", async () => {
    const w = await world(500_00);
    await w.repair(1); // 85.00
    w.setClock(Date.parse('2027-06-30T23:00:00Z')); // last day of warranty: not yet
    expect((await w.svc.reserves.releaseEnded()).filter((r) => r.productionBatchId === w.batch.id)).toEqual([]);
    w.setClock(Date.parse('2027-07-01T00:00:00Z'));
    expect((await w.svc.reserves.releaseEnded()).filter((r) => r.productionBatchId === w.batch.id)).toEqual([{ productionBatchId: w.batch.id, code: w.batch.code, bonusMinor: 415_00, currency: 'EUR' }]);
    expect((await w.svc.reserves.releaseEnded()).filter((r) => r.productionBatchId === w.batch.id)).toEqual([]);
    expect(w.ofBatch().map((e) => [e.type, (e.data as { bonus?: { amountMinor: number } }).bonus?.amountMinor])).toEqual([['reserve.released', 415_00]]);
    expect(await w.row()).toMatchObject({ state: 'released', bonusReleasedMinor: 415_00, warrantyEndsOn: '2027-06-30' });
  });
});
