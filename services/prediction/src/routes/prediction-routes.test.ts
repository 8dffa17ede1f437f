import type { Repositories } from '@hourmeter/db';
import { roleKeyIssuer, sqliteTarget, useDbTarget } from '@hourmeter/db/testing';
import { CustomerInput, type Role } from '@hourmeter/domain';
import { routeHarness, type RouteHarness } from '@hourmeter/http/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryAssetContext } from '../scoring/asset-context.js';
import { createPredictionService, type PredictionService } from '../scoring/prediction-service.js';
import { predictionRoutes } from './prediction-routes.js';

const logger = pino({ level: 'silent' });
const target = useDbTarget(sqliteTarget())!;
let repos: Repositories;
let harness: RouteHarness;
let prediction: PredictionService;
let assetId: string;
let modelId: string;

beforeAll(async () => {
  repos = target.repos;
  const customer = await repos.customers.create(CustomerInput.parse({ name: 'C', currency: 'EUR' }));
  const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
  const model = await repos.assetModels.create({ code: 'CMP-R', name: 'Compressor', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 600, warrantyMonths: 24, leadTimeHours: 72 });
  modelId = model.id;
  assetId = (await repos.assets.create({ serialNumber: 'SN-R', assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' })).id;
  prediction = createPredictionService({ alerts: repos.alerts, rulEstimates: repos.rulEstimates, assets: registryAssetContext(repos), logger });
  harness = await routeHarness({ auth: repos.apiKeys, issueKey: roleKeyIssuer(repos), register: (api) => predictionRoutes(api, { prediction }) });
});
afterAll(() => harness?.close());

const call = (method: 'GET' | 'POST', url: string, as: Role, body?: unknown) => harness.call(method, url, { as, body });

describe('prediction routes: roles', () => {
  it('answers 401 without a key and 403 to every role a route does not declare', async () => {
    expect(await harness.expectRoleMatrix()).toBeGreaterThanOrEqual(3);
  });
});

const raise = (failureMode: string, severity: 'low' | 'high' = 'low', modelVersion = 'anomaly-test') =>
  repos.alerts.raise({ assetId, failureMode, severity, evidence: { signals: [{ metric: 'vibration_rms', score: 7, trendPerHour: 0.1 }], windowFrom: 1, windowTo: 2 }, modelVersion, at: Date.now(), reason: 'test' });

describe('prediction routes', () => {
  it('lists alerts with filters and cursor pages, and shows one with evidence and history', async () => {
    const a = await raise('list_a', 'high');
    const b = await raise('list_b');
    const page1 = await call('GET', `/api/v1/alerts?assetModelId=${modelId}&limit=1`, 'planner');
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((i: { id: string }) => i.id)).toEqual([b.id]);
    const page2 = await call('GET', `/api/v1/alerts?assetModelId=${modelId}&limit=1&cursor=${page1.body.nextCursor}`, 'planner');
    expect(page2.body.items.map((i: { id: string }) => i.id)).toEqual([a.id]);
    expect((await call('GET', `/api/v1/alerts?severity=high&assetId=${assetId}`, 'planner')).body.items.map((i: { id: string }) => i.id)).toEqual([a.id]);
    expect((await call('GET', '/api/v1/alerts?severity=urgent', 'planner')).status).toBe(400);
    const detail = await call('GET', `/api/v1/alerts/${a.id}`, 'planner');
    expect(detail.status).toBe(200);
    expect(detail.body.alert.evidence.signals[0]).toEqual({ metric: 'vibration_rms', score: 7, trendPerHour: 0.1 });
    expect(detail.body.history).toHaveLength(1);
    expect((await call('GET', '/api/v1/alerts/alr_01JAAAAAAAAAAAAAAAAAAAAAAA', 'planner')).status).toBe(404);
  });

  it('lets engineers acknowledge, confirm and dismiss with a reason; planners get 403; illegal moves 409', async () => {
    const a = await raise('life_a', 'low', 'v-life');
    const b = await raise('life_b', 'low', 'v-life');
    const c = await raise('life_c', 'low', 'v-life');
    const forbidden = await call('POST', `/api/v1/alerts/${a.id}/acknowledge`, 'planner', { reason: 'x' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('FORBIDDEN');
    expect((await call('POST', `/api/v1/alerts/${a.id}/acknowledge`, 'engineer', {})).status).toBe(400);
    const early = await call('POST', `/api/v1/alerts/${a.id}/confirm`, 'engineer', { reason: 'too early' });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('ILLEGAL_TRANSITION');

    const ack = await call('POST', `/api/v1/alerts/${a.id}/acknowledge`, 'engineer', { reason: 'looking into it' });
    expect(ack.status).toBe(200);
    expect(ack.body.alert.state).toBe('acknowledged');
    const confirmed = await call('POST', `/api/v1/alerts/${a.id}/confirm`, 'engineer', { reason: 'bearing noise on site' });
    expect(confirmed.body.alert.state).toBe('confirmed');
    const last = confirmed.body.history.at(-1);
    expect(last).toMatchObject({ from: 'acknowledged', to: 'confirmed', reason: 'bearing noise on site' });
    // History names who did it (the key's name here), with the id for audits.
    expect(last.actor).toMatch(/^engineer \[key_[0-9A-Z]+\]$/);
    expect((await call('POST', `/api/v1/alerts/${a.id}/dismiss`, 'engineer', { reason: 'changed mind' })).status).toBe(409);

    // Admin is always allowed.
    await call('POST', `/api/v1/alerts/${b.id}/acknowledge`, 'admin', { reason: 'r' });
    expect((await call('POST', `/api/v1/alerts/${b.id}/dismiss`, 'admin', { reason: 'no fault found' })).body.alert.state).toBe('dismissed');
    await call('POST', `/api/v1/alerts/${c.id}/acknowledge`, 'engineer', { reason: 'r' });
    await call('POST', `/api/v1/alerts/${c.id}/confirm`, 'engineer', { reason: 'r' });

    const precision = await call('GET', '/api/v1/alerts/precision', 'planner');
    expect(precision.status).toBe(200);
    expect(precision.body.items.find((p: { modelVersion: string }) => p.modelVersion === 'v-life')).toEqual({ modelVersion: 'v-life', confirmed: 2, dismissed: 1, precision: 2 / 3 });

    // Resolution by work order.
    await repos.alerts.linkWorkOrder(a.id, 'wo_01JAAAAAAAAAAAAAAAAAAAAAAA', Date.now());
    const resolved = await prediction.resolveByWorkOrder({ workOrderId: 'wo_01JAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(resolved.map((r) => [r.id, r.state])).toEqual([[a.id, 'resolved']]);
    expect((await call('POST', `/api/v1/alerts/${a.id}/acknowledge`, 'engineer', { reason: 'r' })).status).toBe(409);
  });

  it('bulk-acknowledges open alerts one by one, reporting the ones the state machine refuses', async () => {
    const a = await raise('bulk_a');
    const b = await raise('bulk_b');
    await call('POST', `/api/v1/alerts/${b.id}/acknowledge`, 'engineer', { reason: 'seen' });
    const missing = 'alr_01JAAAAAAAAAAAAAAAAAAAAAAA';
    expect((await call('POST', '/api/v1/alerts/acknowledge', 'planner', { ids: [a.id], reason: 'r' })).status).toBe(403);
    expect((await call('POST', '/api/v1/alerts/acknowledge', 'engineer', { ids: [], reason: 'r' })).status).toBe(400);
    const res = await call('POST', '/api/v1/alerts/acknowledge', 'engineer', { ids: [a.id, b.id, missing], reason: 'triaged' });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { id: string; ok: boolean; code?: string }) => [r.id, r.ok, r.code])).toEqual([
      [a.id, true, undefined],
      [b.id, false, 'ILLEGAL_TRANSITION'],
      [missing, false, 'NOT_FOUND'],
    ]);
    expect((await repos.alerts.get(a.id)).state).toBe('acknowledged');
    expect((await repos.alerts.history(a.id)).at(-1)!.reason).toBe('triaged');
  });

  it('assigns and snoozes active alerts only; a snoozed alert leaves the triage list until its time', async () => {
    const a = await raise('triage_a');
    const user = await repos.users.create({ name: 'Eve Engineer', email: 'eve.triage@example.com', role: 'engineer', passwordHash: 'x' });
    expect((await call('POST', `/api/v1/alerts/${a.id}/assign`, 'planner', { userId: user.id })).status).toBe(403);
    const assigned = await call('POST', `/api/v1/alerts/${a.id}/assign`, 'engineer', { userId: user.id });
    expect(assigned.status).toBe(200);
    expect(assigned.body.assigneeId).toBe(user.id);
    expect((await call('POST', `/api/v1/alerts/${a.id}/assign`, 'engineer', { userId: 'usr_01JAAAAAAAAAAAAAAAAAAAAAAA' })).status).toBe(404);
    expect((await call('POST', `/api/v1/alerts/${a.id}/assign`, 'engineer', { userId: 'nobody' })).status).toBe(400);

    const listed = async () =>
      (await call('GET', `/api/v1/alerts?assetId=${assetId}&failureMode=triage_a&snoozed=hide`, 'planner')).body.items.map((i: { id: string }) => i.id);
    expect(await listed()).toEqual([a.id]);
    expect((await call('POST', `/api/v1/alerts/${a.id}/snooze`, 'engineer', { until: Date.now() + 3_600_000 })).body.snoozedUntil).toBeGreaterThan(Date.now());
    expect(await listed()).toEqual([]);
    expect((await call('GET', `/api/v1/alerts?assetId=${assetId}&failureMode=triage_a`, 'planner')).body.items).toHaveLength(1);
    // A snooze that has run out shows the alert again.
    await call('POST', `/api/v1/alerts/${a.id}/snooze`, 'engineer', { until: Date.now() - 1 });
    expect(await listed()).toEqual([a.id]);
    expect((await call('POST', `/api/v1/alerts/${a.id}/snooze`, 'engineer', { until: 'tomorrow' })).status).toBe(400);

    await call('POST', `/api/v1/alerts/${a.id}/acknowledge`, 'engineer', { reason: 'r' });
    await call('POST', `/api/v1/alerts/${a.id}/dismiss`, 'engineer', { reason: 'no fault found' });
    expect((await call('POST', `/api/v1/alerts/${a.id}/snooze`, 'engineer', { until: null })).status).toBe(409);
    expect((await call('POST', `/api/v1/alerts/${a.id}/assign`, 'engineer', { userId: null })).status).toBe(409);
  });

  it('returns the RUL history of an asset', async () => {
    for (const [ts, h] of [[1000, 50], [2000, 40]] as const) {
      await repos.rulEstimates.record({ assetId, ts, modelVersion: 'rul-1', hours: h, lowerHours: h - 5, upperHours: h + 5, failureMode: 'bearing_wear' });
    }
    const res = await call('GET', `/api/v1/assets/${assetId}/rul?from=1500`, 'planner');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([{ assetId, ts: 2000, modelVersion: 'rul-1', hours: 40, lowerHours: 35, upperHours: 45, failureMode: 'bearing_wear' }]);
    expect((await call('GET', '/api/v1/assets/ast_01JAAAAAAAAAAAAAAAAAAAAAAA/rul', 'planner')).status).toBe(404);
  });
});
