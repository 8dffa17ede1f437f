import { dbTargets, expectAppError, useDbTarget } from '@hourmeter/db/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLeadService, type LeadService } from './leads-service.js';

const NOW = Date.parse('2026-06-15T12:00:00Z');
const LEAD = { need: 'an ageing unit to replace', product: 'Compressor C-9', estimated: { amountMinor: 12_000_00, currency: 'EUR' }, contact: { name: 'Lea Berg', email: 'lea@example.com' } };

describe.each(dbTargets())('lead service on $name', (target) => {
  const t = useDbTarget(target);
  if (!t) return;
  let svc: LeadService;
  const service = () =>
    (svc ??= createLeadService({
      repos: t.repos,
      logger: pino({ level: 'silent' }),
      payoutPercent: 3,
      clock: () => NOW,
      ports: { availability: async () => null },
    }));

  async function order(technician: string) {
    const assetId = await t!.newAsset();
    const wo = await t!.repos.workOrders.create({ kind: 'corrective', assetId }, { actor: 't', now: NOW - 86_400_000, repeatWindowMs: 0 });
    await t!.db.kysely.updateTable('work_orders').set({ technician }).where('id', '=', wo.id).execute();
    const customerId = (await t!.repos.sites.find((await t!.repos.assets.find(assetId))!.siteId))!.customerId;
    return { id: wo.id, customerId };
  }

  it('freezes 3% of the won value as the payout and refuses decisions out of order', async () => {
    const wo = await order('Sam Field');
    const lead = await service().record(wo.id, LEAD, 'am');
    await expectAppError(service().decide(lead.id, { action: 'lose', reason: 'x' }, 'am'), 'ILLEGAL_TRANSITION');
    await service().decide(lead.id, { action: 'qualify' }, 'am');
    const won = await service().decide(lead.id, { action: 'win', wonMinor: 11_111_11 }, 'am');
    // 3% of 11,111.11 = 333.3333, rounded down to 333.33
    expect(won).toMatchObject({ state: 'won', wonMinor: 11_111_11, payoutMinor: 333_33, closedAt: NOW });
    await expectAppError(service().decide(lead.id, { action: 'qualify' }, 'am'), 'ILLEGAL_TRANSITION');
    const [row] = await service().report({ technician: 'Sam Field' });
    expect(row).toMatchObject({ leads: 1, won: 1, conversionRate: 1, wonMinor: 11_111_11, payoutMinor: 333_33, month: '2026-06' });
  });

  it('ranks customers by the index from their NPS answers and flags detractors with the reason', async () => {
    const happy = await order('A');
    const unhappy = await order('B');
    const unhappy2 = await t.repos.workOrders.create({ kind: 'inspection', assetId: (await t.repos.workOrders.get(unhappy.id)).assetId }, { actor: 't', now: NOW, repeatWindowMs: 0 });
    await service().recordNps(happy.id, { score: 10 }, 'am');
    await service().recordNps(unhappy.id, { score: 1 }, 'am');
    await service().recordNps(unhappy2.id, { score: 6 }, 'am');
    const ranked = await service().rankedCustomers();
    const of = (id: string) => ranked.find((c) => c.customerId === id)!;
    expect(of(happy.customerId).index).toBeGreaterThan(of(unhappy.customerId).index);
    expect(of(happy.customerId).rank).toBeLessThan(of(unhappy.customerId).rank);
    expect(of(unhappy.customerId).churnReasons).toEqual([{ code: 'nps_detractors', message: '2 of 2 NPS answers are detractors (0-6)' }]);
    expect(of(unhappy.customerId).trend.map((p) => p.month)).toEqual(['2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']);
    await expectAppError(service().customerValue('cus_00000000000000000000000000'), 'NOT_FOUND');
  });

  it("counts the customer's complaints of the last 12 months from the service requests, and no one else's", async () => {
    const mine = await order('C');
    const other = await order('D');
    const assetOf = async (id: string) => (await t.repos.workOrders.get(id)).assetId;
    const complaint = async (o: { id: string; customerId: string }, receivedAt: number) =>
      t.repos.serviceRequests.create(
        { type: 'complaint', assetId: await assetOf(o.id), customerId: o.customerId, symptom: 'late again', contact: 'Ola', channel: 'phone', cause: { kind: 'other', note: 'delay' }, receivedAt, createdBy: 't' },
        receivedAt,
      );
    await complaint(mine, NOW - 10 * 86_400_000);
    await complaint(mine, NOW - 40 * 86_400_000);
    // Older than the trailing 12 months, and another customer's: neither counts.
    await complaint(mine, NOW - 400 * 86_400_000);
    await complaint(other, NOW - 10 * 86_400_000);
    const value = await service().customerValue(mine.customerId);
    expect(value.totals.complaints).toEqual({ available: true, count: 2 });
    // Ten complaints a year score 0: two score 0.8.
    expect(value.components.complaints).toBe(0.8);
  });
});

