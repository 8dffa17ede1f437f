import type { Repositories } from '@hourmeter/db';

const DAY = 86_400_000;
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

/**
 * Records a failure the way a service organisation does: a corrective work
 * order for the failure mode, started and completed with the failure time on
 * its completion (for reliability tests and fixtures).
 */
export async function recordFailure(repos: Pick<Repositories, 'workOrders'>, assetId: string, failureMode: string, failureAt: number): Promise<string> {
  const opts = { actor: 'test', now: failureAt, repeatWindowMs: 30 * DAY };
  const wo = await repos.workOrders.create({ kind: 'corrective', assetId, failureMode }, opts);
  await repos.workOrders.transition(wo.id, { from: 'open', to: 'in_progress', actor: 'test', at: failureAt + 1 });
  await repos.workOrders.complete(
    wo.id,
    {
      failureAt, symptomCode: 'S', causeCode: 'C', remedyCode: 'R', responsibleDepartment: 'customer_use', partsConsumed: [], labourHours: 1, travelHours: 0,
      downtimeFrom: failureAt, downtimeTo: failureAt + 3_600_000, fixedOnFirstVisit: true, inWarranty: false, chargedTo: 'customer',
      partsCost: eur(0), labourCost: eur(0), travelCost: eur(0), totalCost: eur(0), consumedByPartId: new Map(), sourcesByPartId: new Map(),
    },
    'test',
    failureAt + 2,
  );
  return wo.id;
}
