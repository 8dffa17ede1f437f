import type { Repositories } from '@hourmeter/db';
import { dbTargets, expectAppError, useDbTarget } from '@hourmeter/db/testing';
import { ContractInput, type CustomerValueInputs } from '@hourmeter/domain';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createRequestService } from './request-service.js';
import { createWorkOrderService } from './service.js';

const logger = pino({ level: 'silent' });
const H = 3_600_000;
const DAY = 24 * H;
const T0 = Date.parse('2026-03-02T08:00:00Z');

/** Value inputs that score 100 (class A) and about 19 (class C) on the default index. */
const CLASS_A: CustomerValueInputs = { annualRevenueMinor: 10_000_000_00, onTimePaymentRate: 1, customerSince: '2010-01-01', annualCostToServeMinor: 0, size: 'key-account', influence: 1 };
const CLASS_C: CustomerValueInputs = { annualRevenueMinor: 0, onTimePaymentRate: 0, annualCostToServeMinor: 0, size: 'small', influence: 0 };

/** Issue 18 items 3 and 4 through the work-order and request services, on each engine. */
describe.each(dbTargets())('SLA entitlements and service requests on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let seq = 0;

  /** A world of its own: the entitlement tables are shared, so each world uses its own contract and class rows only where it asserts them. */
  async function world() {
    const repos: Repositories = store!.repos;
    seq++;
    let clock = T0 + seq * 400 * DAY;
    const day = (t: number) => new Date(t).toISOString().slice(0, 10);
    const contracts = { coveringContract: async (assetId: string, at: number) => (await repos.contracts.covering(assetId, day(at)))[0]?.contractId };
    const svc = createWorkOrderService({ repos, logger, clock: () => clock, contracts });
    const requests = createRequestService({ repos, workOrders: svc, logger, clock: () => clock, contracts });
    const customer = async (value: CustomerValueInputs, serviceRegion?: string) => {
      const c = await repos.customers.create({ name: `Customer ${seq}`, currency: 'EUR', value });
      const site = await repos.sites.create({ customerId: c.id, name: 'Plant', timezone: 'UTC', ...(serviceRegion ? { serviceRegion } : {}) });
      return { customer: c, site };
    };
    const model = await repos.assetModels.create({ code: `SLA-${target.name}-${seq}`, name: 'Chiller', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    let serial = 0;
    const asset = async (siteId: string, warrantyEndsOn = '2000-01-01') =>
      (await repos.assets.create({ serialNumber: `SLA-${seq}-${++serial}`, assetModelId: model.id, siteId, commissionedOn: '1999-01-01', warrantyEndsOn, status: 'active' })).id;
    const contract = async (customerId: string, assetIds: string[]) =>
      (await repos.contracts.create(ContractInput.parse({ customerId, assetIds, startsOn: day(clock - 30 * DAY), endsOn: day(clock + 300 * DAY), currency: 'EUR', terms: { kind: 'warranty', coversParts: true, coversLabour: true } }), clock)).id;
    return { repos, svc, requests, customer, asset, contract, now: () => clock, after: (ms: number) => (clock += ms) };
  }

  it('derives due times from the contract, else the customer class; refuses an SLA that cannot be met', async () => {
    const w = await world();
    const a = await w.customer(CLASS_A);
    const covered = await w.asset(a.site.id);
    const classOnly = await w.asset(a.site.id);
    const ctr = await w.contract(a.customer.id, [covered]);
    await w.svc.sla.entitlements.put({ customerClass: 'A', priority: 'P2', responseMinutes: 240, fixMinutes: 24 * 60 });
    await w.svc.sla.entitlements.put({ contractId: ctr, priority: 'P2', responseMinutes: 120, fixMinutes: 8 * 60 });

    const byContract = await w.svc.create({ kind: 'corrective', assetId: covered, severity: 'high' }, 'planner:1');
    expect(byContract.slaDueAt).toBe(w.now() + 8 * H);
    const sla = await w.svc.sla.ofOrder(byContract.id);
    expect(sla.sla).toMatchObject({ basis: 'contract', contractId: ctr, priority: 'P2', customerClass: 'A', responseMs: 2 * H, fixMs: 8 * H });
    expect(sla.view).toMatchObject({ responseDueAt: w.now() + 2 * H, fixDueAt: w.now() + 8 * H, status: 'on_track' });

    const byClass = await w.svc.create({ kind: 'corrective', assetId: classOnly, severity: 'high' }, 'planner:1');
    expect(byClass.slaDueAt).toBe(w.now() + 24 * H);
    expect((await w.svc.sla.ofOrder(byClass.id)).sla).toMatchObject({ basis: 'customer_class', customerClass: 'A' });

    // Nothing promised for P4 (low severity): no SLA, no due time.
    const none = await w.svc.create({ kind: 'corrective', assetId: classOnly, severity: 'low' }, 'planner:1');
    expect(none.slaDueAt).toBeUndefined();
    expect((await w.svc.sla.ofOrder(none.id)).sla).toBeNull();

    const err = await expectAppError(w.svc.sla.entitlements.put({ customerClass: 'B', priority: 'P1', responseMinutes: 240, fixMinutes: 120 }), 'VALIDATION_FAILED');
    expect(err.message).toMatch(/shorter than responseMinutes/);
    await expectAppError(w.svc.sla.entitlements.put({ customerClass: 'B', priority: 'P1', responseMinutes: 0, fixMinutes: 120 }), 'VALIDATION_FAILED');
    await expectAppError(w.svc.sla.entitlements.put({ contractId: 'ctr_01JZZZZZZZZZZZZZZZZZZZZZZZ', priority: 'P1', responseMinutes: 60, fixMinutes: 120 }), 'REFERENCE_NOT_FOUND');
    // The database refuses it too, whoever writes.
    await expect(
      w.repos.fieldSla.entitlements.put({ customerClass: 'B', priority: 'P1', responseMinutes: 240, fixMinutes: 120 }, w.now()),
    ).rejects.toThrow();
    expect((await w.svc.sla.entitlements.list({ customerClass: 'B' })).filter((e) => e.priority === 'P1')).toHaveLength(0);
  });

  it('pauses the clock while waiting on the customer, not while waiting on parts; a hand-set due time is an override in the history', async () => {
    const w = await world();
    const c = await w.customer(CLASS_C);
    const assetId = await w.asset(c.site.id);
    await w.svc.sla.entitlements.put({ customerClass: 'C', priority: 'P3', responseMinutes: 8 * 60, fixMinutes: 48 * 60 });
    const wo = await w.svc.create({ kind: 'corrective', assetId, severity: 'medium' }, 'planner:1');
    const created = w.now();
    expect(wo.slaDueAt).toBe(created + 48 * H);

    w.after(H);
    await w.svc.sla.hold(wo.id, { reason: 'waiting_on_customer', note: 'site closed' }, 'planner:1');
    await expectAppError(w.svc.sla.hold(wo.id, { reason: 'other' }, 'planner:1'), 'CONFLICT');
    w.after(3 * H);
    // While the hold is open the view already counts the pause up to now.
    expect((await w.svc.sla.ofOrder(wo.id)).view).toMatchObject({ fixDueAt: created + 51 * H, onHold: 'waiting_on_customer', pausedMs: 3 * H });
    const resumed = await w.svc.sla.resume(wo.id, 'planner:1');
    expect(resumed.workOrder.slaDueAt).toBe(created + 51 * H);
    await expectAppError(w.svc.sla.resume(wo.id, 'planner:1'), 'ILLEGAL_TRANSITION');

    await w.svc.sla.hold(wo.id, { reason: 'waiting_on_parts' }, 'engineer:1');
    w.after(5 * H);
    expect((await w.svc.sla.resume(wo.id, 'engineer:1')).workOrder.slaDueAt).toBe(created + 51 * H);

    const overridden = await w.svc.sla.override(wo.id, created + 72 * H, 'planner:2');
    expect(overridden.slaDueAt).toBe(created + 72 * H);
    expect((await w.svc.sla.ofOrder(wo.id)).sla).toMatchObject({ basis: 'override', overriddenBy: 'planner:2' });
    await expectAppError(w.svc.sla.override(wo.id, w.now() - 1, 'planner:2'), 'VALIDATION_FAILED');
    const notes = (await w.repos.workOrders.events(wo.id)).map((e) => e.note ?? '');
    expect(notes).toEqual(
      expect.arrayContaining([
        'on hold: waiting on customer (site closed)',
        `resumed after waiting on customer; SLA fix due now ${new Date(created + 51 * H).toISOString()}`,
        'resumed after waiting on parts',
        `SLA fix due set by hand to ${new Date(created + 72 * H).toISOString()} (override)`,
      ]),
    );

    // Typed at creation: an override from the start, recorded as such; a due time already past is refused.
    const typed = await w.svc.create({ kind: 'corrective', assetId, severity: 'medium', slaDueAt: w.now() + 10 * H }, 'planner:1');
    expect((await w.svc.sla.ofOrder(typed.id)).sla).toMatchObject({ basis: 'override', fixMs: 10 * H, responseMs: 8 * H });
    expect((await w.repos.workOrders.events(typed.id))[0]!.note).toBe(`SLA fix due set by hand to ${new Date(w.now() + 10 * H).toISOString()}`);
    await expectAppError(w.svc.create({ kind: 'corrective', assetId, severity: 'medium', slaDueAt: w.now() - H }, 'planner:1'), 'VALIDATION_FAILED');
  });

  it('reports breached and at-risk orders', async () => {
    const w = await world();
    const c = await w.customer(CLASS_C);
    const assetId = await w.asset(c.site.id);
    await w.svc.sla.entitlements.put({ customerClass: 'C', priority: 'P1', responseMinutes: 60, fixMinutes: 4 * 60 });
    const late = await w.svc.create({ kind: 'corrective', assetId, severity: 'critical' }, 'planner:1');
    w.after(2 * H);
    const fresh = await w.svc.create({ kind: 'corrective', assetId, severity: 'critical' }, 'planner:1');
    w.after(50 * 60_000);
    const byId = new Map((await w.svc.sla.activeOrders()).map((v) => [v.workOrderId, v]));
    // `late` is past its response due (not started after 2h50m); `fresh` has 10 minutes of a one-hour response left.
    expect(byId.get(late.id)).toMatchObject({ responseState: 'breached', status: 'breached' });
    expect(byId.get(fresh.id)).toMatchObject({ responseState: 'at_risk', status: 'at_risk', msLeft: 10 * 60_000 });

    await w.svc.schedule(late.id, { technician: 'Ana', windowFrom: w.now(), windowTo: w.now() + H }, 'planner:1');
    await w.svc.start(late.id, 'engineer:1');
    w.after(2 * H);
    await w.svc.cancel(fresh.id, 'planner:1');
    const from = w.now() - DAY;
    const to = w.now() + DAY;
    const report = await w.svc.sla.report(from, to);
    expect(report.active.map((v) => v.workOrderId)).toContain(late.id);
    expect(report.active.find((v) => v.workOrderId === late.id)).toMatchObject({ fixState: 'breached' });
  });

  it('takes requests only for the customer’s own assets and triages each once', async () => {
    const w = await world();
    const a = await w.customer(CLASS_C, 'north');
    const b = await w.customer(CLASS_C, 'south');
    const mine = await w.asset(a.site.id);
    const theirs = await w.asset(b.site.id);
    await w.svc.sla.entitlements.put({ customerClass: 'C', priority: 'P2', responseMinutes: 4 * 60, fixMinutes: 24 * 60 });

    const refused = await expectAppError(
      w.requests.create({ type: 'service', assetId: theirs, customerId: a.customer.id, symptom: 'noise', contact: 'Ann', channel: 'portal' }, 'planner:1'),
      'VALIDATION_FAILED',
    );
    expect(refused.message).toMatch(/not owned by customer/);
    expect((await w.repos.serviceRequests.list({ filters: { customerId: a.customer.id } })).items).toHaveLength(0);

    const req = await w.requests.create({ type: 'service', assetId: mine, customerId: a.customer.id, symptom: 'loud noise', contact: 'Ann +49 1', channel: 'phone' }, 'planner:1');
    expect(req).toMatchObject({ state: 'new', customerId: a.customer.id, channel: 'phone' });
    const { request, workOrder } = await w.requests.triage(req.id, { action: 'work_order', kind: 'corrective', severity: 'high' }, 'planner:1');
    expect(request).toMatchObject({ state: 'work_order', workOrderId: workOrder!.id, triagedBy: 'planner:1' });
    // The order carries the customer's entitled SLA, like any other.
    expect(workOrder!.slaDueAt).toBe(w.now() + 24 * H);
    await expectAppError(w.requests.triage(req.id, { action: 'reject', reason: 'duplicate' }, 'planner:1'), 'ILLEGAL_TRANSITION');

    // A complaint names its cause, and the cause must be this customer's.
    const complaint = await w.requests.create(
      { type: 'complaint', assetId: mine, symptom: 'technician came late', contact: 'Ann', channel: 'e-mail', cause: { kind: 'work_order', workOrderId: workOrder!.id } },
      'account-manager:1',
    );
    expect(complaint.cause).toEqual({ kind: 'work_order', workOrderId: workOrder!.id });
    await expectAppError(
      w.requests.create({ type: 'complaint', assetId: theirs, symptom: 'x', contact: 'Bob', channel: 'phone', cause: { kind: 'work_order', workOrderId: workOrder!.id } }, 'planner:1'),
      'VALIDATION_FAILED',
    );
    const rejected = await w.requests.triage(complaint.id, { action: 'reject', reason: 'not our fault' }, 'planner:1');
    expect(rejected.request).toMatchObject({ state: 'rejected', outcome: 'not our fault' });

    const remote = await w.requests.create({ type: 'service', assetId: theirs, symptom: 'alarm', contact: 'Bob', channel: 'technician' }, 'planner:1');
    const resolved = await w.requests.triage(remote.id, { action: 'resolve_remotely', outcome: 'reset the controller over the telemetry link' }, 'planner:1');
    expect(resolved.request).toMatchObject({ state: 'resolved_remotely', customerId: b.customer.id });

    // Remote share: south resolved one remotely; north's order is not resolved until it is completed.
    const share = await w.requests.remoteResolutionShare(w.now() - DAY, w.now() + DAY);
    expect(share.rows).toEqual([{ month: new Date(w.now()).toISOString().slice(0, 7), region: 'south', resolved: 1, resolvedRemotely: 1, share: 1 }]);
  });

  it('counts complaints per 1,000 assets under service by class and month', async () => {
    const w = await world();
    const a = await w.customer(CLASS_A);
    const c = await w.customer(CLASS_C);
    // Class A: one asset by contract, one in warranty, one neither (not under service). Class C: one in warranty.
    const inContract = await w.asset(a.site.id);
    const inWarranty = await w.asset(a.site.id, '2099-12-31');
    await w.asset(a.site.id);
    const cAsset = await w.asset(c.site.id, '2099-12-31');
    await w.contract(a.customer.id, [inContract]);
    const cause = { kind: 'other' as const, note: 'rude on the phone' };
    await w.requests.create({ type: 'complaint', assetId: inWarranty, symptom: 'x', contact: 'A', channel: 'phone', cause }, 'planner:1');
    await w.requests.create({ type: 'complaint', assetId: inContract, symptom: 'y', contact: 'A', channel: 'phone', cause }, 'planner:1');
    await w.requests.create({ type: 'service', assetId: cAsset, symptom: 'z', contact: 'C', channel: 'phone' }, 'planner:1');
    const month = new Date(w.now()).toISOString().slice(0, 7);
    const from = Date.parse(`${month}-01T00:00:00Z`);
    const rows = (await w.requests.complaintRate(from, w.now() + 1)).rows.filter((r) => r.month === month);
    // The asset tables hold other worlds' assets too: compare this world's shares through the class rows' differences.
    const rowA = rows.find((r) => r.customerClass === 'A')!;
    expect(rowA.complaints).toBe(2);
    expect(rowA.perThousandAssets).toBe(Math.round((2 * 1000 * 100) / rowA.assetsUnderService) / 100);
    const before = rowA.assetsUnderService;
    // A third class-A asset put under contract raises the denominator by one.
    const third = await w.asset(a.site.id);
    await w.contract(a.customer.id, [third]);
    const again = (await w.requests.complaintRate(from, w.now() + 1)).rows.find((r) => r.month === month && r.customerClass === 'A')!;
    expect(again.assetsUnderService).toBe(before + 1);
  });
});
