import { roleKeyIssuer, sqliteTarget, useDbTarget } from '@hourmeter/db/testing';
import { routeHarness, type RouteHarness } from '@hourmeter/http/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportService } from './report-service.js';
import { workOrderRoutes } from './routes.js';
import { createWorkOrderService } from './service.js';

const target = useDbTarget(sqliteTarget())!;
let harness: RouteHarness;
const T0 = Date.parse('2026-06-01T08:00:00Z');

beforeAll(async () => {
  const repos = target.repos;
  const svc = createWorkOrderService({ repos, logger: pino({ level: 'silent' }), clock: () => T0 });
  harness = await routeHarness({
    auth: repos.apiKeys,
    issueKey: roleKeyIssuer(repos),
    register: (api) => workOrderRoutes(api, { workOrders: svc, reports: createReportService(repos, () => T0), repos, clock: () => T0 }),
  });
});
afterAll(() => harness?.close());

describe('returns, installation and hazard routes', () => {
  it('declare their roles: 401 without a key, 403 for the others', async () => {
    expect(await harness.expectRoleMatrix()).toBeGreaterThanOrEqual(20);
  });

  it('keep a checklist template, open an installation order with it and tick items; hazards verify only when complete', async () => {
    const repos = target.repos;
    const customer = await repos.customers.create({ name: 'R', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'small', influence: 0 } });
    const site = await repos.sites.create({ customerId: customer.id, name: 'S', timezone: 'UTC' });
    const model = await repos.assetModels.create({ code: 'RT-1', name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 1 });
    const asset = await repos.assets.create({ serialNumber: 'RT-1', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-02', warrantyEndsOn: '2027-12-31', status: 'active' });

    harness.expectProblem(await harness.call('PUT', `/asset-models/${model.id}/installation-checklist`, { as: 'engineer', body: { items: [{ code: 'a', label: 'A' }, { code: 'a', label: 'B' }] } }), 400, 'VALIDATION_FAILED');
    // Without a template an installation order is refused, as an error of the field `kind` (a form shows it there).
    const noTemplate = await harness.call('POST', '/work-orders', { as: 'planner', body: { kind: 'installation', assetId: asset.id } });
    harness.expectProblem(noTemplate, 400, 'VALIDATION_FAILED');
    expect(noTemplate.body.errors).toEqual([{ path: 'kind', message: expect.stringContaining(`model of asset ${asset.id} has no installation checklist`) as unknown }]);
    const put = await harness.call('PUT', `/asset-models/${model.id}/installation-checklist`, { as: 'engineer', body: { items: [{ code: 'power', label: 'Power connected' }, { code: 'photo', label: 'Photo', mandatory: false }] } });
    expect(put.status).toBe(200);
    expect((await harness.call('GET', `/asset-models/${model.id}/installation-checklist`, { as: 'planner' })).body.items).toEqual([
      { code: 'power', label: 'Power connected', mandatory: true },
      { code: 'photo', label: 'Photo', mandatory: false },
    ]);
    const wo = (await harness.call('POST', '/work-orders', { as: 'planner', body: { kind: 'installation', assetId: asset.id } })).body as { id: string };
    const ticked = await harness.call('POST', `/work-orders/${wo.id}/checklist/power`, { as: 'engineer', body: { done: true } });
    expect(ticked.status).toBe(200);
    expect((ticked.body.items as { code: string; doneBy: string | null }[]).map((i) => [i.code, i.doneBy !== null])).toEqual([['power', true], ['photo', false]]);
    harness.expectProblem(await harness.call('POST', `/work-orders/${wo.id}/checklist/nope`, { as: 'engineer', body: { done: true } }), 404, 'NOT_FOUND');

    const created = await harness.call('POST', '/hazards', { as: 'engineer', body: { title: 'Seal leaks', responsibleDepartment: 'design', causeCode: 'C', failureMode: 'seal', assetModelIds: [model.id], owner: 'Design lead', dueOn: '2026-09-01' } });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    harness.expectProblem(await harness.call('POST', `/hazards/${id}/verify`, { as: 'engineer' }), 400, 'VALIDATION_FAILED');
    harness.expectProblem(await harness.call('POST', '/hazards', { as: 'engineer', body: { title: 'x', responsibleDepartment: 'design', causeCode: 'C', failureMode: 'seal', assetModelIds: ['mdl_01JZZZZZZZZZZZZZZZZZZZZZZZ'], owner: 'o', dueOn: '2026-09-01' } }), 422, 'REFERENCE_NOT_FOUND');
    await harness.call('PATCH', `/hazards/${id}`, { as: 'engineer', body: { rootCause: 'Groove too shallow', correctiveAction: 'Deeper groove', correctiveActionAt: T0, preventiveAction: 'Tolerance check in design review' } });
    const verified = await harness.call('POST', `/hazards/${id}/verify`, { as: 'engineer' });
    expect(verified.body).toMatchObject({ status: 'verified', recurrence: null });
    harness.expectProblem(await harness.call('PATCH', `/hazards/${id}`, { as: 'engineer', body: { owner: 'someone else' } }), 409, 'ILLEGAL_TRANSITION');
    const report = await harness.call('GET', '/reports/qualified-hazards', { as: 'account-manager' });
    expect(report.body.rows).toEqual([{ department: 'design', hazards: 1, open: 0, verified: 1, recurred: 0, qualified: 1 }]);
    harness.expectProblem(await harness.call('POST', '/part-returns/ret_01JZZZZZZZZZZZZZZZZZZZZZZZ/analysis', { as: 'engineer', body: { disposition: 'scrap', failureAnalysis: 'wear' } }), 404, 'NOT_FOUND');
  });
});
