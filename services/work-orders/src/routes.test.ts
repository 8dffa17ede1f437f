import type { Repositories } from '@hourmeter/db';
import { roleKeyIssuer, sqliteTarget, useDbTarget } from '@hourmeter/db/testing';
import type { WorkOrder, WorkOrderCompletion } from '@hourmeter/domain';
import { routeHarness, type RouteHarness } from '@hourmeter/http/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportService } from './report-service.js';
import { workOrderRoutes } from './routes.js';
import { createWorkOrderService, type WorkOrderService } from './service.js';

const target = useDbTarget(sqliteTarget())!;
let repos: Repositories;
let harness: RouteHarness;
let svc: WorkOrderService;
const commands: unknown[] = [];
const completed: [WorkOrder, WorkOrderCompletion][] = [];
let coveredAsset = '';

beforeAll(async () => {
  repos = target.repos;
  svc = createWorkOrderService({
    repos,
    logger: pino({ level: 'silent' }),
    contracts: { coveringContract: (assetId) => (assetId === coveredAsset ? 'ctr_01JZZZZZZZZZZZZZZZZZZZZZZZ' : undefined) },
    commands: { maintenanceCompleted: async (c) => void commands.push(c) },
  });
  svc.onCompleted((wo, c) => void completed.push([wo, c]));
  harness = await routeHarness({
    auth: repos.apiKeys,
    issueKey: roleKeyIssuer(repos),
    register: (api) => workOrderRoutes(api, { workOrders: svc, reports: createReportService(repos), repos }),
  });
});

afterAll(() => harness?.close());

const call: RouteHarness['call'] = (...args) => harness.call(...args);
const expectProblem: RouteHarness['expectProblem'] = (...args) => harness.expectProblem(...args);

describe('work-order routes: roles', () => {
  it('answers 401 without a key and 403 to every role a route does not declare', async () => {
    expect(await harness.expectRoleMatrix()).toBeGreaterThanOrEqual(10);
  });
});

let seq = 0;
async function registry(opts: { warrantyEndsOn?: string } = {}) {
  seq++;
  const customer = await repos.customers.create({ name: `C${seq}`, currency: 'EUR', value: { annualRevenueMinor: 5_000_000_00, onTimePaymentRate: 0.95, annualCostToServeMinor: 0, size: 'large', influence: 0.3 } });
  const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
  const model = await repos.assetModels.create({ code: `CMP-${seq}`, name: 'Compressor', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
  const batch = await repos.productionBatches.create({ assetModelId: model.id, code: `B${seq}`, producedOn: '2024-01-01', unitCount: 10, qualityReserve: { amountMinor: 1000_00, currency: 'EUR' } });
  const asset = await repos.assets.create({ serialNumber: `SN-${seq}`, assetModelId: model.id, productionBatchId: batch.id, siteId: site.id, commissionedOn: '2024-02-01', warrantyEndsOn: opts.warrantyEndsOn ?? '2030-01-31', status: 'active' });
  const part = await repos.spareParts.parts.create({ partNumber: `VLV-${seq}00`, description: 'Valve', unitCost: { amountMinor: 40_00, currency: 'EUR' }, fitsAssetModelIds: [model.id] });
  // Parts used on a completion leave stock: the only location holds 10.
  const store = await repos.spareParts.warehouses.create({ code: `STORE-${seq}`, name: `Store ${seq}`, level: 'central', location: { lat: 50, lon: 8 } });
  await repos.spareParts.stock.move({ warehouseId: store.id, partId: part.id, kind: 'receipt', quantity: 10, at: T0 });
  for (const [kind, code] of [['symptom', 'NOISE'], ['cause', 'VALVE-WEAR'], ['remedy', 'REPLACE']] as const) {
    const res = await call('PUT', `/asset-models/${model.id}/failure-codes`, { as: 'engineer', body: { kind, code, description: code } });
    expect(res.status).toBe(200);
  }
  return { customer, site, model, batch, asset, part, store };
}

const T0 = Date.parse('2026-06-01T08:00:00Z');
const completion = (partNumber: string, over: object = {}) => ({
  failureAt: T0,
  symptomCode: 'NOISE',
  causeCode: 'VALVE-WEAR',
  remedyCode: 'REPLACE',
  responsibleDepartment: 'production',
  partsConsumed: [{ partNumber, quantity: 2 }],
  labourHours: 2,
  travelHours: 1,
  downtimeFrom: T0,
  downtimeTo: T0 + 5 * 3_600_000,
  fixedOnFirstVisit: true,
  ...over,
});

async function inProgress(assetId: string, failureMode = 'valve') {
  const wo = (await call('POST', '/work-orders', { as: 'planner', body: { kind: 'corrective', assetId, failureMode, severity: 'high' } })).body;
  expect((await call('POST', `/work-orders/${wo.id}/schedule`, { as: 'planner', body: { technician: 'Ana', windowFrom: T0, windowTo: T0 + 3_600_000 } })).status).toBe(200);
  expect((await call('POST', `/work-orders/${wo.id}/start`, { as: 'engineer' })).status).toBe(200);
  return wo as WorkOrder;
}

describe('work orders over HTTP', () => {
  it('runs the lifecycle with an audit trail, roles enforced', async () => {
    const { asset } = await registry();
    expectProblem(await call('POST', '/work-orders', { as: 'engineer', body: { kind: 'corrective', assetId: asset.id } }), 403, 'FORBIDDEN');
    const wo = await inProgress(asset.id);
    const events = (await call('GET', `/work-orders/${wo.id}/events`, { as: 'engineer' })).body.items;
    // The actor is the key's name (each test key is named after its role) with the key id.
    expect(events.map((e: { toState: string; actor: string }) => [e.toState, e.actor.replace(/ \[key_[0-9A-Z]+\]$/, '')])).toEqual([
      ['open', 'planner'],
      ['scheduled', 'planner'],
      ['in_progress', 'engineer'],
    ]);
    const got = (await call('GET', `/work-orders/${wo.id}`, { as: 'engineer' })).body;
    expect(got).toMatchObject({ state: 'in_progress', technician: 'Ana', windowFrom: T0 });
    const edited = await harness.app.inject({ method: 'PATCH', url: `/api/v1/work-orders/${wo.id}`, headers: { authorization: `Bearer ${harness.keys.planner}` }, payload: { slaDueAt: T0 + 1000 } });
    expect(edited.json()).toMatchObject({ slaDueAt: T0 + 1000, severity: 'high' });
  });

  it('rejects a transition out of order and changes nothing', async () => {
    const { asset } = await registry();
    const wo = (await call('POST', '/work-orders', { as: 'planner', body: { kind: 'inspection', assetId: asset.id } })).body;
    expectProblem(await call('POST', `/work-orders/${wo.id}/start`, { as: 'planner' }), 409, 'ILLEGAL_TRANSITION');
    expectProblem(await call('POST', `/work-orders/${wo.id}/complete`, { as: 'planner', body: completion('VLV-100') }), 409, 'ILLEGAL_TRANSITION');
    expect((await call('GET', `/work-orders/${wo.id}`)).body.state).toBe('open');
    expect((await call('GET', `/work-orders/${wo.id}/events`)).body.items).toHaveLength(1);
  });

  it('refuses a failure code outside the catalogue and an unknown part, writing nothing', async () => {
    const { asset, part } = await registry();
    const wo = await inProgress(asset.id);
    const bad = await call('POST', `/work-orders/${wo.id}/complete`, { as: 'engineer', body: completion(part.partNumber, { causeCode: 'GREMLINS' }) });
    expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.detail).toContain('causeCode: GREMLINS is not a cause code');
    expect(bad.body.detail).toContain('VALVE-WEAR');
    expectProblem(await call('POST', `/work-orders/${wo.id}/complete`, { as: 'engineer', body: completion('VLV-999') }), 422, 'REFERENCE_NOT_FOUND');
    expect((await call('GET', `/work-orders/${wo.id}`)).body.state).toBe('in_progress');
    expectProblem(await call('GET', `/work-orders/${wo.id}/completion`), 404, 'NOT_FOUND');
  });

  it('completes with warranty allocation to the batch reserve, notifies listeners and the device, then refuses a second completion', async () => {
    const { asset, part, batch } = await registry();
    const wo = await inProgress(asset.id);
    const res = await call('POST', `/work-orders/${wo.id}/complete`, { as: 'engineer', body: completion(part.partNumber) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // parts 2 x 40.00 = 80.00; labour 2 h x 85.00 = 170.00; travel 1 h x 60.00 = 60.00; total 310.00
    expect(res.body.completion).toMatchObject({
      inWarranty: true,
      chargedTo: 'quality_reserve',
      productionBatchId: batch.id,
      partsCost: { amountMinor: 80_00, currency: 'EUR' },
      labourCost: { amountMinor: 170_00 },
      travelCost: { amountMinor: 60_00 },
      totalCost: { amountMinor: 310_00 },
    });
    expect(completed.at(-1)![0].id).toBe(wo.id);
    expect(commands.at(-1)).toMatchObject({ assetId: asset.id, workOrderId: wo.id, remedyCode: 'REPLACE' });
    expectProblem(await call('POST', `/work-orders/${wo.id}/complete`, { as: 'engineer', body: completion(part.partNumber) }), 409, 'ILLEGAL_TRANSITION');

    const report = (await call('GET', '/reports/warranty-batches', { as: 'account-manager' })).body;
    expect(report.rows.find((r: { productionBatchId: string }) => r.productionBatchId === batch.id)).toMatchObject({ reserveMinor: 1000_00, consumedMinor: 310_00, remainingMinor: 690_00 });

    // A corrective order on the same problem within 30 days is a repeat failure.
    const again = (await call('POST', '/work-orders', { as: 'planner', body: { kind: 'corrective', assetId: asset.id, failureMode: 'valve' } })).body;
    expect(again.repeatOfId).toBe(wo.id);
  });

  it('refuses parts used beyond stock with 409 problem+json saying where stock exists, and issues what it completes', async () => {
    const { asset, part, store } = await registry();
    const wo = await inProgress(asset.id);
    const res = await call('POST', `/work-orders/${wo.id}/complete`, { as: 'engineer', body: completion(part.partNumber, { partsConsumed: [{ partNumber: part.partNumber, quantity: 11 }] }) });
    expectProblem(res, 409, 'CONFLICT');
    expect(res.body.detail).toContain(`stock exists at ${store.code} (${store.name}): 10 available`);
    expect((await call('GET', `/work-orders/${wo.id}`)).body.state).toBe('in_progress');
    expect((await call('POST', `/work-orders/${wo.id}/complete`, { as: 'engineer', body: completion(part.partNumber) })).status).toBe(200);
    expect((await repos.spareParts.stock.level(store.id, part.id)).onHand).toBe(8);
  });

  it('records every exclusion cause a contract can name on a completion (external damage, force majeure)', async () => {
    for (const cause of ['external_damage', 'force_majeure'] as const) {
      const { asset, part } = await registry();
      const wo = await inProgress(asset.id);
      const res = await call('POST', `/work-orders/${wo.id}/complete`, { as: 'engineer', body: completion(part.partNumber, { responsibleDepartment: cause }) });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      // Not a quality defect: in warranty it goes to sales, never to the batch's reserve.
      expect(res.body.completion).toMatchObject({ responsibleDepartment: cause, chargedTo: 'sales' });
    }
  });

  it('charges out-of-warranty repairs to a covering contract, else to the customer', async () => {
    const a = await registry({ warrantyEndsOn: '2026-01-31' });
    const wo1 = await inProgress(a.asset.id);
    expect((await call('POST', `/work-orders/${wo1.id}/complete`, { as: 'planner', body: completion(a.part.partNumber) })).body.completion).toMatchObject({ inWarranty: false, chargedTo: 'customer' });
    const b = await registry({ warrantyEndsOn: '2026-01-31' });
    coveredAsset = b.asset.id;
    const wo2 = await inProgress(b.asset.id);
    expect((await call('POST', `/work-orders/${wo2.id}/complete`, { as: 'planner', body: completion(b.part.partNumber) })).body.completion).toMatchObject({ chargedTo: 'contract', contractId: 'ctr_01JZZZZZZZZZZZZZZZZZZZZZZZ' });
  });

  it('refuses to complete a cancelled order', async () => {
    const { asset, part } = await registry();
    const wo = await inProgress(asset.id);
    expect((await call('POST', `/work-orders/${wo.id}/cancel`, { as: 'planner', body: { reason: 'customer withdrew' } })).body.state).toBe('cancelled');
    expectProblem(await call('POST', `/work-orders/${wo.id}/complete`, { as: 'engineer', body: completion(part.partNumber) }), 409, 'ILLEGAL_TRANSITION');
    expect((await call('GET', `/work-orders/${wo.id}`)).body.state).toBe('cancelled');
  });

  it('opens one preventive order per asset and failure mode; a second request updates it', async () => {
    const { asset } = await registry();
    const body = { assetId: asset.id, failureMode: 'bearing', reason: 'vibration trend', rulHours: 200, severity: 'medium' };
    const first = await call('POST', '/work-orders/preventive', { as: 'engineer', body });
    expect(first.status).toBe(201);
    const second = await call('POST', '/work-orders/preventive', { as: 'engineer', body: { ...body, rulHours: 120, severity: 'high' } });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ created: false, workOrder: { id: first.body.workOrder.id, rulHours: 120, severity: 'high' } });
    const port = await svc.preventivePort.openPreventive({ assetId: asset.id, failureMode: 'bearing', reason: 'third alert' });
    expect(port).toEqual({ workOrderId: first.body.workOrder.id, created: false });
    expect((await call('GET', `/work-orders?assetId=${asset.id}&kind=preventive`)).body.items).toHaveLength(1);
  });

  it('ranks the queue by urgency and customer value', async () => {
    const { asset } = await registry();
    const urgent = (await call('POST', '/work-orders', { as: 'planner', body: { kind: 'corrective', assetId: asset.id, failureMode: 'q1', severity: 'critical', slaDueAt: Date.now() - 1 } })).body;
    const calm = (await call('POST', '/work-orders', { as: 'planner', body: { kind: 'inspection', assetId: asset.id, severity: 'low' } })).body;
    const q = (await call('GET', '/work-orders/queue', { as: 'engineer' })).body.items as { workOrder: WorkOrder; priority: number; customerValue: number }[];
    const ids = q.map((e) => e.workOrder.id);
    expect(ids.indexOf(urgent.id)).toBeLessThan(ids.indexOf(calm.id));
    expect(q[0]!.customerValue).toBeGreaterThan(0);
  });

  it('opens preventive orders from calendar and operating-hour schedules', async () => {
    const { asset } = await registry();
    const created = await call('POST', '/maintenance-schedules', { as: 'planner', body: { assetId: asset.id, failureMode: 'filter', intervalHours: 10, lastDoneHours: 0, lastDoneAt: Date.now() } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await call('POST', '/maintenance-schedules/run', { as: 'planner' })).body.items.filter((i: { scheduleId: string }) => i.scheduleId === created.body.id)).toEqual([]);
    await repos.operatingHours.record({ assetId: asset.id, day: '2026-05-01', operatingMs: 11 * 3_600_000, samples: 10, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings: '{}' });
    const run = (await call('POST', '/maintenance-schedules/run', { as: 'planner' })).body.items.filter((i: { scheduleId: string }) => i.scheduleId === created.body.id);
    expect(run).toMatchObject([{ created: true, by: ['hours'] }]);
    expect((await call('GET', `/work-orders/${run[0].workOrderId}`)).body).toMatchObject({ kind: 'preventive', source: 'schedule', failureMode: 'filter' });
    expectProblem(await call('POST', '/maintenance-schedules', { as: 'planner', body: { assetId: asset.id, failureMode: 'x' } }), 400, 'VALIDATION_FAILED');
  });

  it('serves reports as JSON and CSV', async () => {
    const json = await call('GET', '/reports/first-time-fix?from=2026-01-01', { as: 'account-manager' });
    expect(json.status).toBe(200);
    expect(json.body.rows[0]).toHaveProperty('rate');
    const csv = await call('GET', '/reports/hazard?from=2026-01-01&format=csv', { as: 'engineer' });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toMatch(/^period,department,causeCode,orders,costMinor,currency\r\n\d{4}-\d{2},production,VALVE-WEAR,4,124000,EUR\r\n/);
    const rec = await call('GET', '/reports/parts-reconciliation?from=2026-01-01&format=csv', { as: 'account-manager' });
    expect(rec.body).toMatch(/^workOrderId,partNumber,consumed,issued,issuedFrom,returnedUnused,returnedDefective,stockDifference,notReturned,status\r\n/);
    expect(rec.body).toContain(',2,2,STORE-');
    const accept = await call('GET', '/reports/backlog', { as: 'planner', headers: { accept: 'text/csv' } });
    expect(accept.headers['content-type']).toContain('text/csv');
    expectProblem(await call('GET', '/reports/nonsense'), 400, 'VALIDATION_FAILED');
    expectProblem(await call('GET', '/reports/backlog?from=2026-02-01&to=2026-01-01'), 400, 'VALIDATION_FAILED');
  });

  it('keeps failure-code catalogues to engineers', async () => {
    const { model } = await registry();
    expectProblem(await call('PUT', `/asset-models/${model.id}/failure-codes`, { as: 'planner', body: { kind: 'cause', code: 'X', description: 'x' } }), 403, 'FORBIDDEN');
    expect((await call('GET', `/asset-models/${model.id}/failure-codes`, { as: 'planner' })).body.items).toHaveLength(3);
    expect((await call('DELETE', `/asset-models/${model.id}/failure-codes/cause/VALVE-WEAR`, { as: 'engineer' })).status).toBe(204);
    expectProblem(await call('DELETE', `/asset-models/${model.id}/failure-codes/cause/VALVE-WEAR`, { as: 'engineer' }), 404, 'NOT_FOUND');
  });
});
