import { repositories } from '@hourmeter/db';
import { ContractInput } from '@hourmeter/domain';
import { dbTargets } from '@hourmeter/db/testing';
import { createLogger, loadConfig } from '@hourmeter/runtime';
import { tempDir } from '@hourmeter/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from './services.js';
import { openTelemetryStore } from './telemetry-store.js';

const logger = createLogger({ level: 'silent' });

/** The services as the embedded process wires them, over one database target and a DuckDB file in a temp dir. */
function useWiredServices(target: ReturnType<typeof dbTargets>[number], ready: (services: Services, repos: ReturnType<typeof repositories>) => void): void {
  const dir = tempDir();
  let cleanup: (() => Promise<void>) | undefined;
  let closeTelemetry: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const opened = await target.open();
    cleanup = opened.cleanup;
    const repos = repositories(opened.db);
    const { store } = await openTelemetryStore(loadConfig({ HM_DATA_DIR: dir.path }), logger);
    closeTelemetry = () => store.close();
    ready(createServices({ repos, logger, telemetry: store, publishCommand: async () => {} }), repos);
  });
  afterAll(async () => {
    await closeTelemetry?.();
    await cleanup?.();
    dir.cleanup();
  });
}

/**
 * Issue 16 rule 2 across services: units a work order gives back (cancelled,
 * or completed with less than it reserved) serve the backorders waiting for
 * that part, as the embedded process wires work orders to parts.
 */
describe.each(dbTargets())('backorders take released units on $name', (target) => {
  if (target.skip) {
    it.skip(`skipped: ${target.skip}`, () => {});
    return;
  }
  let services: Services;
  let repos: ReturnType<typeof repositories>;
  useWiredServices(target, (s, r) => ((services = s), (repos = r)));

  it('re-sources the most urgent backorder when an order is cancelled, and when one completes with less than it reserved', async () => {
    const customer = await repos.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC', location: { lat: 59.9, lon: 10.7 } });
    const model = await repos.assetModels.create({ code: 'MIXER', name: 'Mixer', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = await repos.assets.create({ serialNumber: 'M-1', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' });
    for (const [kind, code] of [['symptom', 'S'], ['cause', 'C'], ['remedy', 'R']] as const) await repos.workOrders.failureCodes.put(model.id, { kind, code, description: code });
    await repos.spareParts.parts.create({ partNumber: 'BLT-7', description: 'Belt', unitCost: { amountMinor: 10_00, currency: 'EUR' }, fitsAssetModelIds: [model.id] });
    const store = await repos.spareParts.warehouses.create({ code: 'OSL', name: 'Oslo store', level: 'central', location: { lat: 59.9, lon: 10.8 } });
    const part = (await repos.spareParts.parts.findByNumber('BLT-7'))!;
    await repos.spareParts.stock.move({ warehouseId: store.id, partId: part.id, kind: 'receipt', quantity: 2, at: 1 });
    const wo = services.workOrders;
    const holder = await wo.create({ kind: 'corrective', assetId: asset.id }, 'planner:1');
    expect((await services.parts.reserveForWorkOrder({ workOrderId: holder.id, partNumber: 'BLT-7', quantity: 2 })).state).toBe('reserved');
    const low = await wo.create({ kind: 'corrective', assetId: asset.id, severity: 'low' }, 'planner:1');
    const critical = await wo.create({ kind: 'corrective', assetId: asset.id, severity: 'critical' }, 'planner:1');
    for (const o of [low, critical]) expect((await services.parts.reserveForWorkOrder({ workOrderId: o.id, partNumber: 'BLT-7', quantity: 1 })).state).toBe('backordered');
    const stateOf = async (id: string) => (await repos.spareParts.requests.forWorkOrder(id))[0]!.state;

    // The holder is started and completed using one of its two belts: the other goes to the critical order.
    await wo.schedule(holder.id, { technician: 'Ana', windowFrom: 1, windowTo: 2 }, 'planner:1');
    await wo.start(holder.id, 'engineer:1');
    await wo.complete(holder.id, { symptomCode: 'S', causeCode: 'C', remedyCode: 'R', responsibleDepartment: 'none', partsConsumed: [{ partNumber: 'BLT-7', quantity: 1 }], labourHours: 1, travelHours: 0, downtimeFrom: 1, downtimeTo: 2, fixedOnFirstVisit: true }, 'engineer:1');
    expect(await stateOf(critical.id)).toBe('reserved');
    expect(await stateOf(low.id)).toBe('backordered');
    // The critical order is cancelled: its belt goes to the low one.
    await wo.cancel(critical.id, 'planner:1', 'customer fixed it');
    expect(await stateOf(low.id)).toBe('reserved');
    expect(await repos.spareParts.stock.level(store.id, part.id)).toMatchObject({ onHand: 1, reserved: 1 });
  });
});

/**
 * Issue 19: the value index takes availability against the guarantee from the
 * contracts service, as the process wires it (not from the contract tables).
 */
describe.each(dbTargets())('the customer value index sees PBH availability on $name', (target) => {
  if (target.skip) {
    it.skip(`skipped: ${target.skip}`, () => {});
    return;
  }
  let services: Services;
  let repos: ReturnType<typeof repositories>;
  useWiredServices(target, (s, r) => ((services = s), (repos = r)));

  it('flags availability below the guarantee in last month with the month named', async () => {
    const d = new Date();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() - 1);
    const lastMonth = d.toISOString().slice(0, 7);
    const start = Date.parse(`${lastMonth}-01T00:00:00Z`);
    const customer = await repos.customers.create({ name: 'Availability Co', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
    const model = await repos.assetModels.create({ code: `AV-${target.name}`, name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = await repos.assets.create({ serialNumber: `AV-${target.name}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2025-01-01', status: 'active' });
    await services.contracts.createContract(ContractInput.parse({
      customerId: customer.id,
      assetIds: [asset.id],
      startsOn: '2025-01-01',
      endsOn: '2030-12-31',
      currency: 'EUR',
      terms: { kind: 'pbh', ratePerHourMinor: 5_000, availabilityGuaranteePercent: 98, creditSchedule: { stepPoints: 0.5, percentPerStep: 2, capPercent: 10 } },
    }));
    // three days down last month on an unplanned failure the manufacturer answers for
    const wo = await repos.workOrders.create({ kind: 'corrective', assetId: asset.id, failureMode: 'seal_leak' }, { actor: 't', now: start, repeatWindowMs: 0 });
    await repos.workOrders.transition(wo.id, { from: 'open', to: 'in_progress', actor: 't', at: start + 1 });
    const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
    await repos.workOrders.complete(
      wo.id,
      {
        failureAt: start + 86_400_000, symptomCode: 'S', causeCode: 'C', remedyCode: 'R', responsibleDepartment: 'production', partsConsumed: [], labourHours: 1, travelHours: 0,
        downtimeFrom: start + 86_400_000, downtimeTo: start + 4 * 86_400_000, fixedOnFirstVisit: true, inWarranty: false, chargedTo: 'contract',
        partsCost: eur(0), labourCost: eur(0), travelCost: eur(0), totalCost: eur(0), consumedByPartId: new Map(), sourcesByPartId: new Map(),
      },
      't',
      start + 4 * 86_400_000,
    );
    const value = await services.leads.customerValue(customer.id);
    expect(value.totals.availability).not.toBeNull();
    expect(value.totals.availability!.guaranteePercent).toBe(98);
    expect(value.churnReasons.map((r) => r.code)).toContain('availability_below_guarantee');
    expect(value.churnReasons.find((r) => r.code === 'availability_below_guarantee')!.message).toContain(lastMonth);
  });
});
