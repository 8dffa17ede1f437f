import type { Repositories } from '@hourmeter/db';
import { dbTargets, roleKeyIssuer, useDbTarget } from '@hourmeter/db/testing';
import { routeHarness, type RouteHarness } from '@hourmeter/http/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticWorkOrderFacts } from '../adapters/static.js';
import { createContractsService } from '../service.js';
import type { AssetConditionEstimate, ReliabilityPort } from './ports.js';
import { serviceProductRoutes } from './routes.js';
import { createServiceProducts } from './service.js';

const DAY = 86_400_000;
const H = 3_600_000;
/** 12 months of the term in hours (365.25 x 24 / 12 x 12): the utilisation below makes it 1000 operating hours. */
const TERM_HOURS_12M = 365.25 * 24;

/**
 * The reliability service's answers for the asset model, as services/prediction
 * gives them through the port (the wiring fills it from its Weibull fits):
 * bearing, shape 2, scale 1000 h, minimal repair; each asset's estimates.
 */
function reliabilityOf(estimates: Map<string, AssetConditionEstimate[]>): ReliabilityPort {
  return {
    fits: async () => [{ failureMode: 'bearing', restoration: 'minimal_repair', ageAxis: 'operating_hours', shape: 2, scale: 1000, modelVersion: 'PUMP/bearing@weibull-v1' }],
    assetEstimates: async (assetId) => estimates.get(assetId) ?? [],
  };
}

describe.each(dbTargets())('service products on $name', (t) => {
  const target = useDbTarget(t);
  if (!target) return;
  let repos: Repositories;
  let harness: RouteHarness;
  let clock = Date.UTC(2026, 2, 1);
  let healthy: string;
  let worn: string;
  let modelId: string;

  beforeAll(async () => {
    repos = target.repos;
    const logger = pino({ level: 'silent' });
    const facts = staticWorkOrderFacts();
    const contracts = createContractsService({ repos, downtime: facts, work: facts, costs: facts, logger, now: () => clock });
    const customerId = (await repos.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'small', influence: 0 } })).id;
    const site = await repos.sites.create({ customerId, name: 'Plant', timezone: 'UTC' });
    const model = await repos.assetModels.create({ code: `PUMP-${t.name}`, name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 12, leadTimeHours: 72 });
    modelId = model.id;
    healthy = (await repos.assets.create({ serialNumber: 'P-1', assetModelId: model.id, siteId: site.id, commissionedOn: '2025-06-01', status: 'active' })).id;
    worn = (await repos.assets.create({ serialNumber: 'P-2', assetModelId: model.id, siteId: site.id, commissionedOn: '2025-06-01', status: 'active' })).id;
    for (let d = 1; d <= 28; d++) {
      await repos.operatingHours.record({ assetId: healthy, day: `2026-02-${String(d).padStart(2, '0')}`, operatingMs: 3 * H, samples: 1, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings: '{}' });
    }
    // Corrective bearing repairs on the model: 1,500.00 each in EUR (parts + labour + travel); a USD one and a preventive one do not count.
    const k = target.db.kysely;
    const order = (id: string, kind: string) => ({
      id, kind, state: 'completed', asset_id: worn, failure_mode: 'bearing', alert_id: null, description: null, reason: null, source: null, severity: null, rul_hours: null,
      suggested_part_numbers: null, schedule_id: null, technician: null, window_from: null, window_to: null, sla_due_at: null, repeat_of_id: null, completed_at: clock - 10 * DAY, cancelled_at: null,
      created_at: clock - 20 * DAY, updated_at: clock - 10 * DAY,
    });
    const completion = (id: string, parts: number, labour: number, travel: number, currency: string) => ({
      work_order_id: id, failure_at: clock - 20 * DAY, symptom_code: 'VIB', cause_code: 'WEAR', remedy_code: 'REPL', responsible_department: 'service', labour_hours: 2, travel_hours: 1,
      downtime_from: clock - 20 * DAY, downtime_to: clock - 19 * DAY, fixed_on_first_visit: 1, in_warranty: 0, charged_to: 'customer', contract_id: null, production_batch_id: null,
      parts_cost_minor: parts, labour_cost_minor: labour, travel_cost_minor: travel, total_cost_minor: parts + labour + travel, currency, completed_by: 'tech', completed_at: clock - 10 * DAY,
    });
    await k.insertInto('work_orders').values([order(`wo_a_${t.name}`, 'corrective'), order(`wo_b_${t.name}`, 'corrective'), order(`wo_c_${t.name}`, 'corrective'), order(`wo_d_${t.name}`, 'preventive')]).execute();
    await k.insertInto('work_order_completions').values([
      completion(`wo_a_${t.name}`, 100_000, 40_000, 10_000, 'EUR'),
      completion(`wo_b_${t.name}`, 120_000, 20_000, 10_000, 'EUR'),
      completion(`wo_c_${t.name}`, 900_000, 0, 0, 'USD'),
      completion(`wo_d_${t.name}`, 900_000, 0, 0, 'EUR'),
    ]).execute();

    const estimates = new Map<string, AssetConditionEstimate[]>([
      [healthy, [{ failureMode: 'bearing', status: 'estimated', ageHours: 500, utilisation: 1000 / TERM_HOURS_12M, failureProbability: 0.05 }]],
      [worn, [{ failureMode: 'bearing', status: 'estimated', ageHours: 900, rulHours: 40, utilisation: 0.2, failureProbability: 0.6 }]],
    ]);
    const products = createServiceProducts({ repos, contracts, reliability: reliabilityOf(estimates), logger, now: () => clock });
    harness = await routeHarness({ auth: repos.apiKeys, issueKey: roleKeyIssuer(repos), register: (api) => serviceProductRoutes(api, { products }) });
  });

  afterAll(() => harness?.close());

  const warranty = () => ({ assetModelId: modelId, kind: 'extended_warranty', name: 'Extended warranty 12 months', currency: 'EUR', termMonths: 12, marginPercent: 25, defaultFailureCostMinor: 50_000, eligibility: { maxAgeMonths: 60, maxFailureProbability: 0.2 }, reminderDays: 30 });

  it('answers 401 without a key and 403 to every role a route does not declare', async () => {
    expect(await harness.expectRoleMatrix()).toBe(12);
    expect((await harness.call('GET', '/service-products', { as: 'engineer' })).status).toBe(200);
    harness.expectProblem(await harness.call('POST', '/service-products', { as: 'engineer', body: warranty() }), 403, 'FORBIDDEN');
    harness.expectProblem(await harness.call('GET', '/service-products', { as: 'planner' }), 403, 'FORBIDDEN');
  });

  it('quotes an extended warranty from the Weibull fit with its working, refuses an unhealthy asset, accepts into a warranty contract', async () => {
    harness.expectProblem(await harness.call('POST', '/service-products', { body: { ...warranty(), kind: 'training' } }), 400, 'VALIDATION_FAILED');
    harness.expectProblem(await harness.call('POST', '/service-products', { body: { ...warranty(), assetModelId: 'mdl_01J00000000000000000000000' } }), 422, 'REFERENCE_NOT_FOUND');
    const product = await harness.call('POST', '/service-products', { as: 'account-manager', body: warranty() });
    expect(product.status).toBe(201);

    const q = await harness.call('POST', `/service-products/${product.body.id}/quotes`, { body: { assetIds: [healthy] } });
    expect(q.status, JSON.stringify(q.body)).toBe(201);
    // Hand computation: 12 months at utilisation 1000/8766 -> 1000 operating hours over the term;
    // minimal repair at age 500 h: (1500/1000)^2 - (500/1000)^2 = 2.0 failures;
    // average bearing repair (two EUR corrective orders, 150,000 each) = 150,000 -> 300,000; margin 25 % = 75,000 -> 375,000.
    expect([q.body.totalMinor, q.body.currency, q.body.status]).toEqual([375_000, 'EUR', 'quoted']);
    const line = q.body.working.assets[0];
    const mode = line.pricing.modes[0];
    expect([mode.failureMode, mode.shape, mode.scale, mode.ageHours, mode.averageCostMinor, mode.costBasis, mode.subtotalMinor]).toEqual(['bearing', 2, 1000, 500, 150_000, { source: 'work_orders', orders: 2 }, 300_000]);
    expect(mode.expectedFailures).toBeCloseTo(2, 9);
    expect(mode.hoursOverTerm).toBeCloseTo(1000, 9);
    expect([line.pricing.marginMinor, line.condition.operatingHours]).toEqual([75_000, 84]);
    // The manufacturer's warranty (12 months from 2025-06-01) runs first: the extension follows it.
    const asset = await repos.assets.find(healthy);
    expect(q.body.startsOn > asset!.warrantyEndsOn).toBe(true);

    const refused = await harness.call('POST', `/service-products/${product.body.id}/quotes`, { body: { assetIds: [healthy, worn] } });
    harness.expectProblem(refused, 422, 'NOT_ELIGIBLE');
    expect(refused.body.detail).toMatch(/P-2: FAILURE_PROBABILITY_TOO_HIGH \(failure probability 60\.0 %/);
    expect(refused.body.detail).not.toMatch(/P-1/);

    harness.expectProblem(await harness.call('POST', `/service-quotes/${q.body.id}/renewal`), 409, 'NOT_AN_AGREEMENT');
    const accepted = await harness.call('POST', `/service-quotes/${q.body.id}/accept`, { as: 'account-manager' });
    expect([accepted.status, accepted.body.status]).toEqual([200, 'accepted']);
    const contract = await repos.contracts.get(accepted.body.contractId);
    expect([contract?.kind, contract?.startsOn, contract?.endsOn, contract?.versions[0]?.assetIds]).toEqual(['warranty', q.body.startsOn, q.body.endsOn, [healthy]]);
    harness.expectProblem(await harness.call('POST', `/service-quotes/${q.body.id}/accept`), 409, 'QUOTE_NOT_OPEN');
    harness.expectProblem(await harness.call('POST', `/service-quotes/${q.body.id}/decline`), 409, 'QUOTE_NOT_OPEN');
  });

  it('sells fixed-price plans as priced subscriptions; an expired quote cannot be accepted', async () => {
    const plan = await harness.call('POST', '/service-products', { body: { ...warranty(), kind: 'inspection_plan', name: 'Inspection plan', priceMinor: 240_000, eligibility: {} } });
    expect(plan.status).toBe(201);
    const stale = await harness.call('POST', `/service-products/${plan.body.id}/quotes`, { body: { assetIds: [worn], startsOn: '2026-04-01' } });
    expect([stale.body.totalMinor, stale.body.working.assets[0].pricing, stale.body.endsOn]).toEqual([240_000, undefined, '2027-03-31']);
    clock += 31 * DAY;
    try {
      expect((await harness.call('GET', `/service-quotes/${stale.body.id}`)).body.status).toBe('expired');
      harness.expectProblem(await harness.call('POST', `/service-quotes/${stale.body.id}/accept`), 409, 'QUOTE_EXPIRED');
      const fresh = await harness.call('POST', `/service-products/${plan.body.id}/quotes`, { body: { assetIds: [worn], startsOn: '2026-04-01' } });
      const sub = await harness.call('POST', `/service-quotes/${fresh.body.id}/accept`);
      expect([sub.body.status, sub.body.contractId, sub.body.totalMinor]).toEqual(['accepted', null, 240_000]);
    } finally {
      clock -= 31 * DAY;
    }
  });

  it('announces renewals once, some days before the end, and renews from the condition now', async () => {
    const [agreement] = (await harness.call('GET', '/service-quotes?status=accepted')).body.items.filter((q: { contractId: string | null }) => q.contractId);
    expect((await harness.call('GET', '/service-renewals/due')).body.items).toEqual([]);
    // 20 days before the warranty extension ends: inside its 30 reminder days.
    clock = Date.parse(`${agreement.endsOn}T00:00:00Z`) - 20 * DAY;
    const due = await harness.call('GET', '/service-renewals/due', { as: 'engineer' });
    expect(due.body.items.map((q: { id: string; productName: string }) => [q.id, q.productName])).toContainEqual([agreement.id, 'Extended warranty 12 months']);
    const first = await harness.call('POST', '/service-renewals/reminders');
    expect(first.body.announced.map((a: { quoteId: string }) => a.quoteId)).toContain(agreement.id);
    expect((await harness.call('POST', '/service-renewals/reminders')).body.announced).toEqual([]);
    const events = await repos.outbox.ofType('service-product.renewal_due');
    expect(events.filter((e) => (e.data as { quoteId: string }).quoteId === agreement.id)).toHaveLength(1);

    const renewal = await harness.call('POST', `/service-quotes/${agreement.id}/renewal`);
    expect(renewal.status).toBe(201);
    const nextDay = new Date(Date.parse(`${agreement.endsOn}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
    expect([renewal.body.renewalOfId, renewal.body.startsOn, renewal.body.totalMinor]).toEqual([agreement.id, nextDay, 375_000]);
    expect((await harness.call('POST', `/service-quotes/${renewal.body.id}/accept`)).body.status).toBe('accepted');
    expect((await harness.call('GET', `/service-quotes/${agreement.id}`)).body.status).toBe('renewed');
  });

  it('edits a plan: new quotes use the new margin, quotes already made keep their price', async () => {
    const plan = (await harness.call('GET', `/service-products?assetModelId=${modelId}`)).body.items.find((p: { kind: string }) => p.kind === 'extended_warranty');
    const before = (await harness.call('GET', '/service-quotes?status=accepted')).body.items.map((q: { id: string; totalMinor: number }) => [q.id, q.totalMinor]);
    const edited = await harness.call('PUT', `/service-products/${plan.id}`, { body: { ...warranty(), marginPercent: 50 } });
    expect([edited.status, edited.body.marginPercent]).toEqual([200, 50]);
    const q = await harness.call('POST', `/service-products/${plan.id}/quotes`, { body: { assetIds: [healthy], startsOn: '2030-01-01' } });
    // 300,000 expected cost + 50 % = 450,000.
    expect(q.body.totalMinor).toBe(450_000);
    expect((await harness.call('GET', '/service-quotes?status=accepted')).body.items.map((x: { id: string; totalMinor: number }) => [x.id, x.totalMinor])).toEqual(before);
    harness.expectProblem(await harness.call('GET', '/service-quotes/svq_nope'), 404, 'NOT_FOUND');
    harness.expectProblem(await harness.call('PUT', '/service-products/svp_nope', { body: warranty() }), 404, 'NOT_FOUND');
  });
});
