import type { Repositories } from '@hourmeter/db';
import { roleKeyIssuer, sqliteTarget, useDbTarget } from '@hourmeter/db/testing';
import { honourIdempotencyKeys } from '@hourmeter/http';
import { routeHarness, type RouteHarness } from '@hourmeter/http/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadRoutes } from './lead-routes.js';
import { createLeadService } from './leads-service.js';

const store = useDbTarget(sqliteTarget())!;
let repos: Repositories;
let harness: RouteHarness;
/** Customers whose PBH availability the stand-in for contracts reports below the guarantee. */
const belowGuarantee = new Set<string>();

beforeAll(async () => {
  repos = store.repos;
  const leads = createLeadService({
    repos,
    logger: pino({ level: 'silent' }),
    payoutPercent: 2.5,
    ports: { availability: async (customerId) => (belowGuarantee.has(customerId) ? { measuredPercent: 95, guaranteePercent: 98 } : null) },
  });
  harness = await routeHarness({ auth: repos.apiKeys, issueKey: roleKeyIssuer(repos), register: (api) => {
      honourIdempotencyKeys(api, repos.idempotencyKeys);
      leadRoutes(api, { leads });
    }, as: 'account-manager' });
});

afterAll(() => harness?.close());

const call: RouteHarness['call'] = (...args) => harness.call(...args);
const LEAD = { need: 'a second line next year', product: 'Line 2 pump set', estimated: { amountMinor: 40_000_00, currency: 'EUR' }, contact: { name: 'Ana Ruiz', phone: '+49 40 1234567' } };
const UNKNOWN_WO = 'wo_00000000000000000000000000';

let seq = 0;
async function visit(name: string, technician: string, region: string) {
  seq++;
  const customer = await repos.customers.create({ name, currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
  const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC', serviceRegion: region });
  const model = await repos.assetModels.create({ code: `LEAD-${seq}`, name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
  const asset = await repos.assets.create({ serialNumber: `L-${seq}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' });
  const wo = await repos.workOrders.create({ kind: 'corrective', assetId: asset.id }, { actor: 't', now: Date.now(), repeatWindowMs: 0 });
  // Technicians are free text on the order in main; the dispatch branch makes them records.
  await store.db.kysely.updateTable('work_orders').set({ technician }).where('id', '=', wo.id).execute();
  return { customerId: customer.id, workOrderId: wo.id, asset };
}

describe('lead, NPS and customer value routes: roles', () => {
  it('answers 401 without a key and 403 to every role a route does not declare', async () => {
    expect(await harness.expectRoleMatrix()).toBe(10);
  });
});

describe('sales leads over HTTP', () => {
  it('a technician records a lead; the account manager qualifies and wins it, and the payout is 2.5% of the won value', async () => {
    const v = await visit('Fresh Foods', 'Jo Smith', 'north');
    const rec = await call('POST', `/work-orders/${v.workOrderId}/leads`, { as: 'engineer', body: LEAD });
    expect(rec.status, JSON.stringify(rec.body)).toBe(201);
    expect(rec.body).toMatchObject({ technician: 'Jo Smith', region: 'north', state: 'open', customerId: v.customerId, payoutMinor: null });
    const id = rec.body.id as string;
    // won before qualified: refused with a stable code, nothing changes
    harness.expectProblem(await call('POST', `/leads/${id}/decisions`, { body: { action: 'win', wonMinor: 1 } }), 409, 'ILLEGAL_TRANSITION');
    expect((await call('POST', `/leads/${id}/decisions`, { body: { action: 'qualify' } })).body.state).toBe('qualified');
    const won = await call('POST', `/leads/${id}/decisions`, { body: { action: 'win', wonMinor: 36_000_00 } });
    expect(won.body).toMatchObject({ state: 'won', wonMinor: 36_000_00, payoutMinor: 900_00 });
    harness.expectProblem(await call('POST', `/leads/${id}/decisions`, { body: { action: 'lose', reason: 'changed mind' } }), 409, 'ILLEGAL_TRANSITION');
    expect((await call('GET', `/leads/${id}`)).body.state).toBe('won');
  });

  it('records a retried lead once when it carries the same Idempotency-Key', async () => {
    const v = await visit('Retry Foods', 'Ola Nord', 'north');
    const send = () => call('POST', `/work-orders/${v.workOrderId}/leads`, { as: 'engineer', body: LEAD, headers: { 'idempotency-key': `lead-${v.workOrderId}` } });
    const [first, again] = [await send(), await send()];
    expect(first.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect((await call('GET', `/work-orders/${v.workOrderId}/leads`)).body.items).toHaveLength(1);
  });

  it('refuses bad input with 400 and unknown ids with 404', async () => {
    const v = await visit('Cold Chain', 'Kim Lee', 'south');
    harness.expectProblem(await call('POST', `/work-orders/${v.workOrderId}/leads`, { as: 'engineer', body: { ...LEAD, contact: { name: 'No Way To Reach' } } }), 400, 'VALIDATION_FAILED');
    harness.expectProblem(await call('POST', `/work-orders/${v.workOrderId}/leads`, { as: 'engineer', body: { ...LEAD, estimated: { amountMinor: -5, currency: 'EUR' } } }), 400, 'VALIDATION_FAILED');
    harness.expectProblem(await call('POST', `/work-orders/${UNKNOWN_WO}/leads`, { as: 'engineer', body: LEAD }), 404, 'NOT_FOUND');
    harness.expectProblem(await call('GET', '/leads/led_00000000000000000000000000'), 404, 'NOT_FOUND');
    harness.expectProblem(await call('POST', '/leads/led_00000000000000000000000000/decisions', { body: { action: 'qualify' } }), 404, 'NOT_FOUND');
    harness.expectProblem(await call('POST', `/work-orders/${v.workOrderId}/nps`, { body: { score: 11 } }), 400, 'VALIDATION_FAILED');
    harness.expectProblem(await call('POST', `/work-orders/${UNKNOWN_WO}/nps`, { body: { score: 9 } }), 404, 'NOT_FOUND');
    harness.expectProblem(await call('GET', '/customers/cus_00000000000000000000000000/value-index'), 404, 'NOT_FOUND');
  });

  it('reports leads, conversion and won value by technician, region and month', async () => {
    const a = await visit('Report Co', 'Report Tech', 'east');
    const b = await visit('Report Co 2', 'Report Tech', 'east');
    const first = (await call('POST', `/work-orders/${a.workOrderId}/leads`, { as: 'planner', body: LEAD })).body.id as string;
    const second = (await call('POST', `/work-orders/${b.workOrderId}/leads`, { as: 'engineer', body: LEAD })).body.id as string;
    await call('POST', `/leads/${first}/decisions`, { body: { action: 'qualify' } });
    await call('POST', `/leads/${first}/decisions`, { body: { action: 'win', wonMinor: 10_000_00 } });
    expect((await call('POST', `/leads/${second}/decisions`, { body: { action: 'disqualify', reason: 'already a customer of the line' } })).body.reason).toBe('already a customer of the line');
    const report = await call('GET', '/leads/report?technician=Report%20Tech');
    expect(report.status).toBe(200);
    expect(report.body.items).toEqual([
      expect.objectContaining({ technician: 'Report Tech', region: 'east', month: new Date().toISOString().slice(0, 7), currency: 'EUR', leads: 2, won: 1, disqualified: 1, conversionRate: 0.5, wonMinor: 10_000_00, payoutMinor: 250_00 }),
    ]);
    expect((await call('GET', '/leads?state=disqualified&technician=Report%20Tech')).body.items.map((l: { id: string }) => l.id)).toEqual([second]);
  });
});

describe('NPS and the customer value index over HTTP', () => {
  it('keeps one NPS answer per visit and ranks a customer of detractors and missed availability below one of promoters, with the churn reasons', async () => {
    const happy = [await visit('Happy Dairy', 'T1', 'west'), await visit('Happy Dairy 2', 'T1', 'west')];
    const unhappy = await visit('Grumpy Mills', 'T2', 'west');
    const unhappy2 = await repos.workOrders.create({ kind: 'corrective', assetId: unhappy.asset.id }, { actor: 't', now: Date.now(), repeatWindowMs: 0 });
    belowGuarantee.add(unhappy.customerId);
    for (const h of happy) expect((await call('POST', `/work-orders/${h.workOrderId}/nps`, { as: 'engineer', body: { score: 10, comment: 'quick' } })).status).toBe(201);
    expect((await call('POST', `/work-orders/${unhappy.workOrderId}/nps`, { body: { score: 2, comment: 'came twice' } })).status).toBe(201);
    expect((await call('POST', `/work-orders/${unhappy2.id}/nps`, { body: { score: 5 } })).status).toBe(201);
    harness.expectProblem(await call('POST', `/work-orders/${unhappy.workOrderId}/nps`, { body: { score: 9 } }), 409, 'CONFLICT');
    expect((await call('GET', `/work-orders/${unhappy.workOrderId}/nps`)).body.response).toMatchObject({ score: 2, comment: 'came twice' });

    const detail = await call('GET', `/customers/${unhappy.customerId}/value-index`);
    expect(detail.status, JSON.stringify(detail.body)).toBe(200);
    expect(detail.body.churnRisk).toBe(true);
    expect(detail.body.churnReasons.map((r: { code: string }) => r.code)).toEqual(['nps_detractors', 'availability_below_guarantee']);
    expect(detail.body.components.satisfaction).toBe(0);
    // No complaint raised: counted from the service requests, so the component scores full.
    expect(detail.body.totals.complaints).toEqual({ available: true, count: 0 });
    expect(detail.body.components.complaints).toBe(1);
    expect(detail.body.trend).toHaveLength(12);

    const ranked = (await call('GET', '/customers/value-index')).body.items as { customerId: string; rank: number; index: number; class: string }[];
    const rankOf = (id: string) => ranked.find((c) => c.customerId === id)!;
    expect(rankOf(happy[0]!.customerId).rank).toBeLessThan(rankOf(unhappy.customerId).rank);
    expect(ranked.map((c) => c.rank)).toEqual(ranked.map((_, i) => i + 1));
    expect(ranked.every((c, i) => i === 0 || ranked[i - 1]!.index >= c.index)).toBe(true);
  });
});
