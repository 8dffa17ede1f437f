import { roleKeyIssuer, sqliteTarget, useDbTarget } from '@hourmeter/db/testing';
import { routeHarness, type RouteHarness } from '@hourmeter/http/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchRoutes } from './dispatch-routes.js';
import { createDispatchService } from './dispatch-service.js';
import { createWorkOrderService } from './service.js';

const target = useDbTarget(sqliteTarget())!;
let harness: RouteHarness;
let stationId = '';
let modelId = '';

beforeAll(async () => {
  const repos = target.repos;
  const logger = pino({ level: 'silent' });
  const workOrders = createWorkOrderService({ repos, logger });
  harness = await routeHarness({
    auth: repos.apiKeys,
    issueKey: roleKeyIssuer(repos),
    register: (api) => dispatchRoutes(api, { dispatch: createDispatchService({ repos, workOrders, logger }), repos }),
  });
  const central = await repos.spareParts.warehouses.create({ code: 'C', name: 'Central', level: 'central', location: { lat: 50, lon: 8 } });
  stationId = (await repos.spareParts.warehouses.create({ code: 'S', name: 'Station', level: 'station', parentId: central.id, location: { lat: 50, lon: 8 } })).id;
  modelId = (await repos.assetModels.create({ code: 'PMP', name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 })).id;
});
afterAll(() => harness?.close());

describe('technician and dispatch routes', () => {
  it('answers 401 without a key and 403 to every role a route does not declare', async () => {
    expect(await harness.expectRoleMatrix()).toBeGreaterThanOrEqual(12);
  });

  it('lets a planner create and an engineer read a technician; validates the body with problem+json', async () => {
    const body = { name: 'Ana', email: 'ana@example.com', home: { lat: 50, lon: 8 }, serviceRegion: 'north', vanParentWarehouseId: stationId, certifications: [{ assetModelId: modelId, certification: 'PMP-L2', validUntil: '2027-01-31' }] };
    const created = await harness.call('POST', '/technicians', { as: 'planner', body });
    expect(created.status).toBe(201);
    const tech = created.body as { id: string; calendar: { weekly: unknown[] } };
    expect(tech.calendar.weekly).toHaveLength(5);
    expect((await harness.call('POST', '/technicians', { as: 'engineer', body })).status).toBe(403);
    const read = await harness.call('GET', `/technicians/${tech.id}`, { as: 'engineer' });
    expect(read.body).toMatchObject({ name: 'Ana', certifications: [{ certification: 'PMP-L2' }] });
    await harness.expectProblem(await harness.call('POST', '/technicians', { as: 'planner', body: { ...body, email: 'not-an-email', calendar: { weekly: [{ weekday: 8, from: '9:00', to: '08:00' }] } } }), 400, 'VALIDATION_FAILED');
    await harness.expectProblem(await harness.call('POST', '/technicians', { as: 'planner', body: { ...body, email: 'b@example.com', certifications: [{ assetModelId: 'mdl_01ARZ3NDEKTSV4RRFFQ69G5FAV', certification: 'x' }] } }), 422, 'REFERENCE_NOT_FOUND');
    await harness.expectProblem(await harness.call('POST', `/technicians/${tech.id}/absences`, { as: 'planner', body: { from: 10, to: 5, reason: 'x' } }), 400, 'VALIDATION_FAILED');
    expect((await harness.call('POST', `/technicians/${tech.id}/absences`, { as: 'planner', body: { from: 10, to: 50, reason: 'leave' } })).status).toBe(201);
    await harness.expectProblem(await harness.call('GET', '/technicians/tec_01ARZ3NDEKTSV4RRFFQ69G5FAV', { as: 'engineer' }), 404, 'NOT_FOUND');
    const plan = await harness.call('GET', `/technicians/${tech.id}/day-plan?date=2026-03-02`, { as: 'engineer' });
    expect(plan.body).toMatchObject({ technicianName: 'Ana', jobs: [], availableHours: 8.5 });
  });
});
