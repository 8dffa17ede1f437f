import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import { EXCLUSION_CAUSES, type WorkOrderCompletionInput } from '@hourmeter/domain';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createReportService } from './report-service.js';
import { createWorkOrderService } from './service.js';

const logger = pino({ level: 'silent' });
const T0 = Date.parse('2026-03-02T08:00:00Z');
const DAY = 86_400_000;

/** Issue 16 rule 3: first-time fix is derived from repeats, recomputed when the repeat is recorded; the window is per asset model. */
describe.each(dbTargets())('derived first-time fix on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let seq = 0;

  async function world(repeatWindowDays?: number) {
    const repos = store!.repos;
    seq++;
    const customer = await repos.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
    const model = await repos.assetModels.create({ code: `KPI-${target.name}-${seq}`, name: 'Chiller', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72, ...(repeatWindowDays ? { repeatWindowDays } : {}) });
    const asset = await repos.assets.create({ serialNumber: `K-${seq}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' });
    for (const [kind, code] of [['symptom', 'WARM'], ['cause', 'GAS'], ['remedy', 'REFILL']] as const) await repos.workOrders.failureCodes.put(model.id, { kind, code, description: code });
    // Each world in a year of its own, so the reports see only its orders.
    const start = T0 + seq * 365 * DAY;
    let clock = start;
    const svc = createWorkOrderService({ repos, logger, clock: () => clock });
    const fixOnce = async (responsibleDepartment: WorkOrderCompletionInput['responsibleDepartment'] = 'production') => {
      const wo = await svc.create({ kind: 'corrective', assetId: asset.id, failureMode: 'not_cooling' }, 'planner:1');
      await svc.schedule(wo.id, { technician: 'Ana', windowFrom: clock, windowTo: clock + 3_600_000 }, 'planner:1');
      await svc.start(wo.id, 'engineer:1');
      const input = { symptomCode: 'WARM', causeCode: 'GAS', remedyCode: 'REFILL', responsibleDepartment, partsConsumed: [], labourHours: 1, travelHours: 0, downtimeFrom: clock - 3_600_000, downtimeTo: clock, fixedOnFirstVisit: true };
      return (await svc.complete(wo.id, input, 'engineer:1')).workOrder;
    };
    const after = (days: number) => (clock += days * DAY);
    const ftf = async () => (await createReportService(repos, () => clock).run('first-time-fix', { from: start - DAY, to: clock + DAY })).summary;
    return { repos, svc, model, asset, fixOnce, after, ftf };
  }

  it('turns a completed order into a miss when a repeat is recorded within the default 30 days', async () => {
    const w = await world();
    const first = await w.fixOnce();
    expect(await w.repos.workOrders.completion(first.id)).toMatchObject({ fixedOnFirstVisit: true, firstTimeFix: true });
    w.after(20);
    const repeat = await w.svc.create({ kind: 'corrective', assetId: w.asset.id, failureMode: 'not_cooling' }, 'planner:1');
    expect(repeat.repeatOfId).toBe(first.id);
    expect(await w.repos.workOrders.completion(first.id)).toMatchObject({ fixedOnFirstVisit: true, firstTimeFix: false, repeatedById: repeat.id });
    expect(await w.ftf()).toMatchObject({ completed: 1, fixedOnFirstVisit: 0, repeatedAfterFix: 1, rate: 0 });
  });

  it('stores every exclusion cause of the catalogue on a completion (rule 4)', async () => {
    const w = await world();
    for (const cause of EXCLUSION_CAUSES) {
      const wo = await w.fixOnce(cause);
      expect((await w.repos.workOrders.completion(wo.id))?.responsibleDepartment).toBe(cause);
      w.after(40); // past the repeat window: each a first-time fix of its own
    }
  });

  it('uses the asset model window: 10 days there, so a failure 15 days later is no repeat', async () => {
    const w = await world(10);
    expect(w.model.repeatWindowDays).toBe(10);
    const first = await w.fixOnce();
    w.after(15);
    const later = await w.svc.create({ kind: 'corrective', assetId: w.asset.id, failureMode: 'not_cooling' }, 'planner:1');
    expect(later.repeatOfId).toBeUndefined();
    expect(await w.repos.workOrders.completion(first.id)).toMatchObject({ firstTimeFix: true });
    // Widened through the model: the next failure 20 days after the second fix is a repeat.
    await w.repos.assetModels.update(w.model.id, { repeatWindowDays: 45 });
    await w.svc.start((await w.svc.schedule(later.id, { technician: 'Ana', windowFrom: T0, windowTo: T0 + 1 }, 'p')).id, 'e');
    await w.svc.complete(later.id, { symptomCode: 'WARM', causeCode: 'GAS', remedyCode: 'REFILL', responsibleDepartment: 'production', partsConsumed: [], labourHours: 1, travelHours: 0, downtimeFrom: T0, downtimeTo: T0, fixedOnFirstVisit: true }, 'e');
    w.after(20);
    const third = await w.svc.create({ kind: 'corrective', assetId: w.asset.id, failureMode: 'not_cooling' }, 'planner:1');
    expect(third.repeatOfId).toBe(later.id);
    expect(await w.ftf()).toMatchObject({ completed: 2, fixedOnFirstVisit: 1, repeatedAfterFix: 1, rate: 0.5 });
  });
});
