import { describe, expect, it } from 'vitest';
import { dbTargets, expectAppError, useDbTarget } from '../testing.js';

const T0 = Date.parse('2026-05-04T09:00:00Z');
const H = 3_600_000;

/** Issue 18 storage rules that must hold under concurrency, on each engine. */
describe.each(dbTargets())('SLA holds and service-request triage on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  const opts = (now: number) => ({ actor: 'planner:1', now, repeatWindowMs: 30 * 24 * H });

  it('keeps one open hold per order, even when two are started at once, and ends it with the due time the clock gives', async () => {
    const { repos } = store;
    const assetId = await store.newAsset();
    const wo = await repos.workOrders.create({ kind: 'corrective', assetId }, { ...opts(T0), sla: { priority: 'P2', basis: 'customer_class', customerClass: 'B', responseMs: H, fixMs: 8 * H } });
    expect(wo.slaDueAt).toBe(T0 + 8 * H);
    const both = await Promise.allSettled([
      repos.fieldSla.startHold(wo.id, { reason: 'waiting_on_customer' }, 'planner:1', T0 + H),
      repos.fieldSla.startHold(wo.id, { reason: 'other' }, 'engineer:1', T0 + H),
    ]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' });
    const ended = await repos.fieldSla.endHold(wo.id, 'planner:1', T0 + 3 * H, (sla, holds) => {
      expect(sla).toMatchObject({ workOrderId: wo.id, startedAt: T0, fixMs: 8 * H });
      expect(holds).toHaveLength(1);
      return T0 + 10 * H;
    });
    expect(ended.hold.endedAt).toBe(T0 + 3 * H);
    expect(ended.workOrder.slaDueAt).toBe(T0 + 10 * H);
    expect((await repos.fieldSla.ofOrder(wo.id)).holds).toHaveLength(1);
    // A completed or cancelled order takes no hold.
    await repos.workOrders.transition(wo.id, { from: 'open', to: 'cancelled', actor: 'planner:1', at: T0 + 4 * H });
    await expectAppError(repos.fieldSla.startHold(wo.id, { reason: 'other' }, 'planner:1', T0 + 5 * H), 'ILLEGAL_TRANSITION');
  });

  it('triages a request once: two planners at the same time, one order', async () => {
    const { repos } = store;
    const assetId = await store.newAsset();
    const asset = await repos.assets.get(assetId);
    const customerId = (await repos.sites.get(asset.siteId)).customerId;
    const req = await repos.serviceRequests.create({ type: 'service', assetId, customerId, symptom: 'hum', contact: 'Ann', channel: 'phone', receivedAt: T0, createdBy: 'planner:1' }, T0);
    const input = { kind: 'corrective' as const, assetId, severity: 'high' as const };
    const both = await Promise.allSettled([
      repos.serviceRequests.toWorkOrder(req.id, input, opts(T0 + H)),
      repos.serviceRequests.toWorkOrder(req.id, input, opts(T0 + H)),
      repos.serviceRequests.reject(req.id, 'duplicate', 'planner:2', T0 + H),
    ]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const after = await repos.serviceRequests.get(req.id);
    const orders = (await repos.workOrders.list({ filters: { assetId } })).items;
    // Exactly the winner's effect: a linked order, or a rejection and no order.
    if (after.state === 'work_order') expect(orders.map((o) => o.id)).toEqual([after.workOrderId]);
    else expect([after.state, orders.length]).toEqual(['rejected', 0]);
  });

  it('refuses an entitlement that cannot be met, whoever writes it', async () => {
    await expect(store.repos.fieldSla.entitlements.put({ customerClass: 'A', priority: 'P4', responseMinutes: 120, fixMinutes: 60 }, T0)).rejects.toThrow();
    await expect(store.repos.fieldSla.entitlements.put({ customerClass: 'A', priority: 'P4', responseMinutes: 0, fixMinutes: 60 }, T0)).rejects.toThrow();
    expect(await store.repos.fieldSla.entitlements.list({ customerClass: 'A' })).toEqual([]);
  });
});
