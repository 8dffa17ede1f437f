import type { Repositories } from '@hourmeter/db';
import { roleKeyIssuer, sqliteTarget, useDbTarget } from '@hourmeter/db/testing';
import { routeHarness, type RouteHarness } from '@hourmeter/http/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldServiceRoutes } from './field-service-routes.js';
import { createReportService } from './report-service.js';
import { createRequestService } from './request-service.js';
import { workOrderRoutes } from './routes.js';
import { createWorkOrderService } from './service.js';

const target = useDbTarget(sqliteTarget())!;
let repos: Repositories;
let harness: RouteHarness;
const H = 3_600_000;
let clock = Date.parse('2026-09-01T08:00:00Z');

beforeAll(async () => {
  repos = target.repos;
  const logger = pino({ level: 'silent' });
  const workOrders = createWorkOrderService({ repos, logger, clock: () => clock });
  const requests = createRequestService({ repos, workOrders, logger, clock: () => clock });
  harness = await routeHarness({
    auth: repos.apiKeys,
    issueKey: roleKeyIssuer(repos),
    register: (api) => {
      workOrderRoutes(api, { workOrders, reports: createReportService(repos), repos, clock: () => clock });
      fieldServiceRoutes(api, { sla: workOrders.sla, requests, clock: () => clock });
    },
  });
});

afterAll(() => harness?.close());

const call: RouteHarness['call'] = (...args) => harness.call(...args);

let made: Promise<{ a: Awaited<ReturnType<typeof makeTwo>>['a']; b: Awaited<ReturnType<typeof makeTwo>>['b'] }> | undefined;
/** Two customers (class C, region west), one asset each in warranty: made once, shared by the tests. */
const twoCustomers = () => (made ??= makeTwo());

async function makeTwo() {
  const value = { annualRevenueMinor: 0, onTimePaymentRate: 0, annualCostToServeMinor: 0, size: 'small' as const, influence: 0 };
  const model = await repos.assetModels.create({ code: 'RT-1', name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
  const make = async (name: string, serial: string) => {
    const customer = await repos.customers.create({ name, currency: 'EUR', value });
    const site = await repos.sites.create({ customerId: customer.id, name: `${name} plant`, timezone: 'UTC', serviceRegion: 'west' });
    const asset = await repos.assets.create({ serialNumber: serial, assetModelId: model.id, siteId: site.id, commissionedOn: '2025-01-01', warrantyEndsOn: '2030-01-01', status: 'active' });
    return { customer, asset };
  };
  return { a: await make('Alpha', 'RT-A'), b: await make('Beta', 'RT-B') };
}

describe('SLA and service-request routes', () => {
  it('answers 401 without a key and 403 to every role a route does not declare', async () => {
    expect(await harness.expectRoleMatrix()).toBeGreaterThanOrEqual(20);
  });

  it('refuses an unachievable SLA, pauses an order waiting on the customer, lists it with time left', async () => {
    const bad = await call('PUT', '/sla-entitlements', { as: 'planner', body: { customerClass: 'C', priority: 'P2', responseMinutes: 480, fixMinutes: 60 } });
    harness.expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.detail).toMatch(/shorter than responseMinutes/);
    harness.expectProblem(await call('PUT', '/sla-entitlements', { as: 'account-manager', body: { customerClass: 'C', priority: 'P2', responseMinutes: 60, fixMinutes: 480 } }), 403, 'FORBIDDEN');
    const ok = await call('PUT', '/sla-entitlements', { as: 'planner', body: { customerClass: 'C', priority: 'P2', responseMinutes: 60, fixMinutes: 480 } });
    expect(ok.status).toBe(200);

    const { a } = await twoCustomers();
    const created = clock;
    const wo = (await call('POST', '/work-orders', { as: 'planner', body: { kind: 'corrective', assetId: a.asset.id, severity: 'high' } })).body;
    expect(wo.slaDueAt).toBe(clock + 8 * H);
    expect((await call('POST', `/work-orders/${wo.id}/hold`, { as: 'engineer', body: { reason: 'waiting_on_customer' } })).status).toBe(201);
    clock += 2 * H;
    const resumed = await call('POST', `/work-orders/${wo.id}/resume`, { as: 'engineer' });
    expect(resumed.body.workOrder.slaDueAt).toBe(wo.slaDueAt + 2 * H);
    const list = await call('GET', '/sla/orders', { as: 'account-manager' });
    // The one-hour response is paused too: due at 3h, one hour left.
    expect(list.body.items.find((v: { workOrderId: string }) => v.workOrderId === wo.id)).toMatchObject({ responseDueAt: created + 3 * H, responseState: 'on_track', msLeft: H, pausedMs: 2 * H });
    clock += 2 * H;
    const late = await call('GET', '/sla/orders?status=breached', { as: 'planner' });
    expect(late.body.items.map((v: { workOrderId: string }) => v.workOrderId)).toEqual([wo.id]);
    // PATCH with a due time on an order with an SLA is the same override.
    const patched = await call('PATCH', `/work-orders/${wo.id}`, { as: 'planner', body: { slaDueAt: clock + 20 * H } });
    expect(patched.status).toBe(200);
    expect((await call('GET', `/work-orders/${wo.id}/sla`, { as: 'planner' })).body.sla).toMatchObject({ basis: 'override' });
    harness.expectProblem(await call('PATCH', `/work-orders/${wo.id}`, { as: 'planner', body: { slaDueAt: clock - H } }), 400, 'VALIDATION_FAILED');
  });

  it('takes, filters and triages requests; refuses another customer’s asset', async () => {
    const { a, b } = await twoCustomers();
    const refused = await call('POST', '/service-requests', { as: 'planner', body: { assetId: b.asset.id, customerId: a.customer.id, symptom: 'leak', contact: 'Ann', channel: 'portal' } });
    harness.expectProblem(refused, 400, 'VALIDATION_FAILED');
    harness.expectProblem(await call('POST', '/service-requests', { as: 'planner', body: { type: 'complaint', assetId: a.asset.id, symptom: 'late', contact: 'Ann', channel: 'phone' } }), 400, 'VALIDATION_FAILED');

    const created = await call('POST', '/service-requests', { as: 'account-manager', body: { assetId: a.asset.id, customerId: a.customer.id, symptom: 'leak', contact: 'Ann', channel: 'portal' } });
    expect(created.status).toBe(201);
    const complaint = await call('POST', '/service-requests', {
      as: 'planner',
      body: { type: 'complaint', assetId: b.asset.id, symptom: 'invoice twice', contact: 'Bob', channel: 'e-mail', cause: { kind: 'other', note: 'billed twice for March' } },
    });
    expect(complaint.status).toBe(201);

    const ofA = await call('GET', `/service-requests?customerId=${a.customer.id}`, { as: 'engineer' });
    expect(ofA.body.items.map((r: { id: string }) => r.id)).toEqual([created.body.id]);
    const complaints = await call('GET', '/service-requests?type=complaint', { as: 'planner' });
    expect(complaints.body.items.map((r: { id: string }) => r.id)).toEqual([complaint.body.id]);

    harness.expectProblem(await call('POST', `/service-requests/${created.body.id}/triage`, { as: 'planner', body: { action: 'reject', reason: '  ' } }), 400, 'VALIDATION_FAILED');
    const triaged = await call('POST', `/service-requests/${created.body.id}/triage`, { as: 'planner', body: { action: 'work_order', severity: 'high' } });
    expect(triaged.status).toBe(200);
    expect(triaged.body.request.workOrderId).toBe(triaged.body.workOrder.id);
    harness.expectProblem(await call('POST', `/service-requests/${created.body.id}/triage`, { as: 'planner', body: { action: 'resolve_remotely', outcome: 'reset' } }), 409, 'ILLEGAL_TRANSITION');

    const remote = await call('POST', `/service-requests/${complaint.body.id}/triage`, { as: 'planner', body: { action: 'resolve_remotely', outcome: 'credit note sent' } });
    expect(remote.body.request.state).toBe('resolved_remotely');
    const share = await call('GET', '/service-requests/remote-resolution?from=2026-09-01&to=2026-10-01', { as: 'account-manager' });
    expect(share.body.rows).toEqual([{ month: '2026-09', region: 'west', resolved: 1, resolvedRemotely: 1, share: 1 }]);
    const rate = await call('GET', '/service-requests/complaint-rate?from=2026-09-01&to=2026-10-01', { as: 'engineer' });
    // Both assets are in warranty and both customers are class C: one complaint over two assets.
    expect(rate.body.rows).toEqual([{ month: '2026-09', customerClass: 'C', complaints: 1, assetsUnderService: 2, perThousandAssets: 500 }]);
    harness.expectProblem(await call('GET', '/service-requests/complaint-rate?from=2026-10-01&to=2026-09-01', { as: 'planner' }), 400, 'VALIDATION_FAILED');
  });
});
