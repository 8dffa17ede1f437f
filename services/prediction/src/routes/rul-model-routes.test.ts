import { cmapssTestData } from '@hourmeter/cmapss/testing';
import type { Repositories } from '@hourmeter/db';
import { roleKeyIssuer, sqliteTarget, useDbTarget } from '@hourmeter/db/testing';
import type { Role } from '@hourmeter/domain';
import { routeHarness, type RouteHarness } from '@hourmeter/http/testing';
import { waitFor } from '@hourmeter/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRulModelRegistry, type RulModelRegistry } from '../registry/registry.js';
import { rulModelRoutes } from './rul-model-routes.js';

const cmapss = cmapssTestData('train_FD001.txt');
const dataDir = cmapss.dir;

const logger = pino({ level: 'silent' });
const target = useDbTarget(sqliteTarget())!;
let repos: Repositories;
let harness: RouteHarness;
let registry: RulModelRegistry;
let modelId: string;

beforeAll(async () => {
  repos = target.repos;
  const model = await repos.assetModels.create({ code: 'TF-API', name: 'Turbofan', runningRule: { kind: 'counter', metric: 'operating_hours', unit: 'hours' }, maxGapSeconds: 86_400, warrantyMonths: 24, leadTimeHours: 72 });
  modelId = model.id;
  registry = createRulModelRegistry({ repos, logger, cmapssDir: dataDir });
  harness = await routeHarness({ auth: repos.apiKeys, issueKey: roleKeyIssuer(repos), register: (api) => rulModelRoutes(api, { registry }) });
});
afterAll(async () => {
  await registry?.idle();
  await harness?.close();
});

const call = (method: 'GET' | 'POST', url: string, as: Role, body?: unknown) => harness.call(method, url, { as, body });

describe('RUL model routes: roles', () => {
  it('answers 401 without a key and 403 to every role a route does not declare', async () => {
    expect(await harness.expectRoleMatrix()).toBeGreaterThanOrEqual(3);
  });
});

const trainBody = { source: 'cmapss', set: 'FD001', units: Array.from({ length: 20 }, (_, i) => i + 1), hoursPerCycle: 1, ensemble: 1, seed: 3 };

describe('RUL model routes', () => {
  it('validates bodies, answers 403 to planners and 404 for unknown asset models, jobs and versions', async () => {
    expect((await call('POST', `/api/v1/asset-models/${modelId}/rul-models/train`, 'planner', trainBody)).status).toBe(403);
    expect((await call('POST', `/api/v1/asset-models/${modelId}/rul-models/1/activate`, 'planner')).status).toBe(403);
    expect((await call('GET', `/api/v1/asset-models/${modelId}/rul-models/train-jobs/job_x`, 'planner')).status).toBe(403);
    const bad = await call('POST', `/api/v1/asset-models/${modelId}/rul-models/train`, 'engineer', { ...trainBody, set: 'FD009' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect((await call('POST', `/api/v1/asset-models/${modelId}/rul-models/train`, 'engineer', { ...trainBody, units: [1, 2] })).status).toBe(400);
    expect((await call('POST', `/api/v1/asset-models/${modelId}/rul-models/train`, 'engineer', { source: 'telemetry', runs: [] })).status).toBe(400);
    // Valid shape, but this server has no telemetry store wired.
    const runs = Array.from({ length: 5 }, (_, i) => ({ assetId: `ast_${i}`, failedAt: 1000 }));
    const noStore = await call('POST', `/api/v1/asset-models/${modelId}/rul-models/train`, 'engineer', { source: 'telemetry', runs });
    expect(noStore.status).toBe(400);
    expect(noStore.body.detail).toMatch(/telemetry/);
    expect((await call('POST', '/api/v1/asset-models/mdl_nope/rul-models/train', 'engineer', trainBody)).status).toBe(404);
    expect((await call('GET', '/api/v1/asset-models/mdl_nope/rul-models', 'planner')).status).toBe(404);
    expect((await call('GET', `/api/v1/asset-models/${modelId}/rul-models/train-jobs/job_nope`, 'engineer')).status).toBe(404);
    expect((await call('POST', `/api/v1/asset-models/${modelId}/rul-models/9/activate`, 'engineer')).status).toBe(404);
    expect((await call('POST', `/api/v1/asset-models/${modelId}/rul-models/zero/activate`, 'engineer')).status).toBe(400);
    expect((await call('GET', `/api/v1/asset-models/${modelId}/rul-models`, 'planner')).body).toEqual({ items: [] });
  });

  it.skipIf(!cmapss.available)('runs a training job to a stored version, lists it and activates versions', async () => {
    const started = await call('POST', `/api/v1/asset-models/TF-API/rul-models/train`, 'engineer', { ...trainBody, activate: true });
    expect(started.status).toBe(202);
    expect(started.body.state).toMatch(/queued|running/);
    expect(started.headers.location).toBe(started.body.statusUrl);
    const jobUrl = `/api/v1/asset-models/${modelId}/rul-models/train-jobs/${started.body.id}`;
    // The API answers while the worker trains.
    const during = await call('GET', jobUrl, 'engineer');
    expect(during.status).toBe(200);
    expect(['queued', 'running', 'succeeded']).toContain(during.body.state);
    let job = during.body;
    await waitFor(
      'the training job to finish',
      async () => {
        job = (await call('GET', jobUrl, 'engineer')).body;
        return job.state === 'succeeded' || job.state === 'failed';
      },
      { timeoutMs: 90_000, intervalMs: 50 },
    );
    expect(job.error).toBeUndefined();
    expect(job).toMatchObject({ state: 'succeeded', progress: 1, result: { version: 1, status: 'active', source: 'cmapss:FD001', trainingUnits: 20 } });

    const second = await call('POST', `/api/v1/asset-models/${modelId}/rul-models/train`, 'admin', trainBody);
    await registry.idle();
    const done = (await call('GET', `/api/v1/asset-models/${modelId}/rul-models/train-jobs/${second.body.id}`, 'engineer')).body;
    expect(done.result).toMatchObject({ version: 2, status: 'inactive' });

    const list = await call('GET', `/api/v1/asset-models/${modelId}/rul-models`, 'planner');
    expect(list.body.items.map((r: { version: number; status: string }) => [r.version, r.status])).toEqual([
      [2, 'inactive'],
      [1, 'active'],
    ]);
    expect(list.body.items[0].metrics.rmse).toBeGreaterThan(0);
    const act = await call('POST', `/api/v1/asset-models/${modelId}/rul-models/2/activate`, 'engineer');
    expect(act.status).toBe(200);
    expect(act.body).toMatchObject({ version: 2, status: 'active' });
    const restored = await call('POST', `/api/v1/asset-models/TF-API/rul-models/1/activate`, 'engineer');
    expect(restored.body).toMatchObject({ version: 1, status: 'active' });
    expect((await call('GET', `/api/v1/asset-models/${modelId}/rul-models`, 'planner')).body.items.map((r: { status: string }) => r.status)).toEqual(['inactive', 'active']);
  }, 180_000);
});
