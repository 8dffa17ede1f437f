import type { Repositories } from '@hourmeter/db';
import { dbTargets, roleKeyIssuer, useDbTarget } from '@hourmeter/db/testing';
import type { CustomerRole } from '@hourmeter/domain';
import { routeHarness, type RouteHarness } from '@hourmeter/http/testing';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { fieldServiceRoutes } from './field-service-routes.js';
import { portalRequestRoutes } from './portal-request-routes.js';
import { createRequestService } from './request-service.js';
import { createWorkOrderService } from './service.js';

/** Issue #19: customer users raise service requests and complaints from the portal, on their own assets only. */
describe.each(dbTargets())('portal service requests on $name', (target) => {
  const store = useDbTarget(target);
  if (!store) return;
  let repos: Repositories;
  let harness: RouteHarness;
  let a: Awaited<ReturnType<typeof customer>>;
  let b: Awaited<ReturnType<typeof customer>>;

  async function customer(name: string, serial: string) {
    const customer = await repos.customers.create({ name, currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'small', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: `${name} plant`, timezone: 'UTC' });
    const model = await repos.assetModels.create({ code: `PSR-${serial}`, name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = await repos.assets.create({ serialNumber: serial, assetModelId: model.id, siteId: site.id, commissionedOn: '2025-01-01', status: 'active' });
    const key = async (role: CustomerRole) => (await repos.apiKeys.create({ name: `${name} ${role}`, role, customerId: customer.id })).key;
    return { customer, asset, admin: { authorization: `Bearer ${await key('customer-admin')}` }, viewer: { authorization: `Bearer ${await key('customer-viewer')}` } };
  }

  beforeAll(async () => {
    repos = store.repos;
    const logger = pino({ level: 'silent' });
    const workOrders = createWorkOrderService({ repos, logger });
    const requests = createRequestService({ repos, workOrders, logger });
    harness = await routeHarness({
      auth: repos.apiKeys,
      issueKey: roleKeyIssuer(repos),
      register: (api) => {
        fieldServiceRoutes(api, { sla: workOrders.sla, requests });
        portalRequestRoutes(api, { requests });
      },
    });
    a = await customer('Alpha', 'PSR-A');
    b = await customer('Beta', 'PSR-B');
    return () => harness.close();
  });

  const asCustomer = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: unknown) => harness.call(method, url, { as: null, headers, body });
  const allRequests = async () => (await harness.call('GET', '/service-requests?limit=500', { as: 'planner' })).body.items as { id: string; customerId: string }[];

  it('answers 401 without a key and 403 to every role a route does not declare', async () => {
    expect(await harness.expectRoleMatrix()).toBeGreaterThanOrEqual(8);
  });

  it('records a request from either customer role on their own asset, channel portal, for their customer', async () => {
    const raised = await asCustomer('POST', '/portal/service-requests', a.admin, { assetId: a.asset.id, symptom: 'Oil on the floor under the pump', contact: 'Ada, +44 20 7946 0000' });
    expect(raised.status, JSON.stringify(raised.body)).toBe(201);
    expect(raised.body).toMatchObject({ type: 'service', state: 'new', channel: 'portal', assetId: a.asset.id, serialNumber: 'PSR-A', outcome: null, workOrderId: null });
    const byViewer = await asCustomer('POST', '/portal/service-requests', a.viewer, { assetId: a.asset.id, symptom: 'Loud knocking at start-up', contact: 'Viv' });
    expect(byViewer.status).toBe(201);
    // Staff see both as the customer's, arrived through the portal.
    const staff = await harness.call('GET', `/service-requests?customerId=${a.customer.id}&channel=portal`, { as: 'planner' });
    expect(staff.body.items.map((r: { id: string }) => r.id).sort()).toEqual([raised.body.id, byViewer.body.id].sort());
    expect(staff.body.items.every((r: { customerId: string }) => r.customerId === a.customer.id)).toBe(true);
  });

  it("answers 404 for another customer's asset or work order, or one that does not exist, and stores nothing", async () => {
    const before = await allRequests();
    const orderOfB = (await harness.call('POST', '/service-requests', { as: 'planner', body: { assetId: b.asset.id, symptom: 'x', contact: 'y', channel: 'phone' } })).body;
    const triaged = await harness.call('POST', `/service-requests/${orderOfB.id}/triage`, { as: 'planner', body: { action: 'work_order' } });
    const workOrderOfB = triaged.body.workOrder.id as string;
    const probes = [
      { assetId: b.asset.id, symptom: 'Peeking', contact: 'Mallory' },
      { assetId: 'ast_01JZZZZZZZZZZZZZZZZZZZZZZZ', symptom: 'Peeking', contact: 'Mallory' },
      { type: 'complaint', assetId: a.asset.id, symptom: 'Bad visit', contact: 'Mallory', cause: { kind: 'work_order', workOrderId: workOrderOfB } },
    ];
    for (const body of probes) {
      const res = await asCustomer('POST', '/portal/service-requests', a.admin, body);
      harness.expectProblem(res, 404, 'NOT_FOUND');
      expect(JSON.stringify(res.body)).not.toContain('PSR-B');
    }
    expect((await allRequests()).length).toBe(before.length + 1);
  });

  it('takes the customer and channel only from the principal: a body naming them is refused', async () => {
    for (const extra of [{ customerId: b.customer.id }, { channel: 'phone' }, { receivedAt: 0 }]) {
      harness.expectProblem(await asCustomer('POST', '/portal/service-requests', a.admin, { assetId: a.asset.id, symptom: 's', contact: 'c', ...extra }), 400, 'VALIDATION_FAILED');
    }
    // A complaint names its cause, as at staff intake.
    harness.expectProblem(await asCustomer('POST', '/portal/service-requests', a.admin, { type: 'complaint', assetId: a.asset.id, symptom: 's', contact: 'c' }), 400, 'VALIDATION_FAILED');
  });

  it('lists only the customer\'s own requests with state and outcome, without who triaged them', async () => {
    const ownOrder = (await harness.call('POST', '/service-requests', { as: 'planner', body: { assetId: a.asset.id, symptom: 'Overheats', contact: 'Ada', channel: 'phone' } })).body;
    const done = await harness.call('POST', `/service-requests/${ownOrder.id}/triage`, { as: 'planner', body: { action: 'work_order' } });
    const complaint = await asCustomer('POST', '/portal/service-requests', a.viewer, { type: 'complaint', assetId: a.asset.id, symptom: 'The technician left the guard off', contact: 'Viv', cause: { kind: 'work_order', workOrderId: done.body.workOrder.id } });
    expect(complaint.status, JSON.stringify(complaint.body)).toBe(201);
    await harness.call('POST', `/service-requests/${complaint.body.id}/triage`, { as: 'planner', body: { action: 'resolve_remotely', outcome: 'Guard refitted by your shift lead on the phone with us' } });

    const listA = await asCustomer('GET', `/portal/service-requests?customerId=${b.customer.id}`, a.viewer);
    expect(listA.status).toBe(200);
    const ids = listA.body.items.map((r: { id: string }) => r.id);
    expect(ids).toContain(complaint.body.id);
    expect(ids).toContain(ownOrder.id);
    expect(listA.body.items.find((r: { id: string }) => r.id === complaint.body.id)).toMatchObject({ state: 'resolved_remotely', outcome: 'Guard refitted by your shift lead on the phone with us', cause: { kind: 'work_order' } });
    expect(listA.body.items.find((r: { id: string }) => r.id === ownOrder.id)).toMatchObject({ state: 'work_order', workOrderId: done.body.workOrder.id });
    for (const r of listA.body.items) {
      expect(r.serialNumber).toBe('PSR-A');
      expect(r).not.toHaveProperty('triagedBy');
      expect(r).not.toHaveProperty('createdBy');
    }
    // B sees only B's, whatever customer or asset it names.
    const listB = await asCustomer('GET', `/portal/service-requests?customerId=${a.customer.id}&assetId=${a.asset.id}`, b.admin);
    expect(listB.status).toBe(200);
    expect(JSON.stringify(listB.body)).not.toContain(a.asset.id);
    expect(listB.body.items.every((r: { serialNumber: string }) => r.serialNumber === 'PSR-B')).toBe(true);
    // Staff preview a customer's portal by naming it.
    const preview = await harness.call('GET', `/portal/service-requests?customerId=${a.customer.id}`, { as: 'account-manager' });
    expect(preview.body.items.map((r: { id: string }) => r.id)).toEqual(ids);
  });
});
