import { dbTargets, roleKeyIssuer, useDbTarget } from '@hourmeter/db/testing';
import type { Role } from '@hourmeter/domain';
import { routeHarness, type RouteHarness } from '@hourmeter/http/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReliabilityService, type ReliabilityService } from '../reliability/service.js';
import { recordFailure } from '../reliability/testing.js';
import { reliabilityRoutes } from './reliability-routes.js';

const logger = pino({ level: 'silent' });
const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const NOW = T0 + 400 * DAY;
const dayOf = (i: number) => new Date(T0 + i * DAY).toISOString().slice(0, 10);

describe.each(dbTargets())('reliability routes and service on $name', (target) => {
  const t = useDbTarget(target);
  if (!t) return;
  let harness: RouteHarness;
  let reliability: ReliabilityService;
  let modelId: string;
  let modelCode: string;
  const assetIds: string[] = [];
  let clock = NOW;

  beforeAll(async () => {
    const r = t.repos;
    // Twelve pumps of one model, commissioned on T0, running 20 h a day for 400 days.
    const first = (await r.assets.find(await t.newAsset()))!;
    modelId = first.assetModelId;
    modelCode = (await r.assetModels.find(modelId))!.code;
    assetIds.push(first.id);
    for (let i = 1; i < 12; i++) {
      const a = await r.assets.create({ serialNumber: `P-${target.name}-${i}`, assetModelId: modelId, siteId: first.siteId, commissionedOn: '2026-01-01', status: 'active' });
      assetIds.push(a.id);
    }
    const settings = JSON.stringify({ rule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900 });
    // The assets' days in parallel (PostgreSQL takes them concurrently; SQLite serialises them).
    await Promise.all(
      assetIds.map(async (assetId) => {
        for (let d = 0; d < 400; d++) {
          await r.operatingHours.record({ assetId, day: dayOf(d), operatingMs: 20 * 3_600_000, samples: 10, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings });
        }
      }),
    );
    reliability = createReliabilityService({ repos: r, logger, now: () => clock, cacheMs: 0 });
    harness = await routeHarness({ auth: r.apiKeys, issueKey: roleKeyIssuer(r), register: (api) => reliabilityRoutes(api, { reliability }) });
  }, 180_000);
  afterAll(async () => {
    await reliability?.idle();
    await harness?.close();
  });

  const call = (method: 'GET' | 'POST', url: string, as: Role, body?: unknown) => harness.call(method, url, { as, body });

  it('answers 401 without a key and 403 to every role a route does not declare', async () => {
    expect(await harness.expectRoleMatrix()).toBeGreaterThanOrEqual(2);
  });

  /** A corrective order for the failure mode, completed with the failure on `day`. */
  async function fail(assetId: string, day: number, failureMode = 'bearing_wear') {
    await recordFailure(t!.repos, assetId, failureMode, T0 + day * DAY);
    return reliability.onWorkOrderCompleted({ assetId, kind: 'corrective', failureMode });
  }

  it('says there is no failure yet instead of giving a number', async () => {
    const modes = await call('GET', `/api/v1/asset-models/${modelId}/reliability/bearing_wear`, 'planner');
    expect(modes.status).toBe(200);
    expect(modes.body).toMatchObject({ status: 'no_failures', failures: 0, censored: 12, survival: [] });
    expect(modes.body.active).toBeUndefined();
    const trained = await call('POST', `/api/v1/asset-models/${modelId}/reliability/bearing_wear/train`, 'engineer', {});
    expect(trained.status).toBe(409);
    expect(trained.body.detail ?? trained.body.title ?? JSON.stringify(trained.body)).toMatch(/no bearing_wear failure recorded/);
    expect((await call('POST', `/api/v1/asset-models/${modelId}/reliability/bearing_wear/train`, 'planner', {})).status).toBe(403);
    expect((await call('GET', `/api/v1/asset-models/NOPE/reliability/bearing_wear`, 'planner')).status).toBe(404);
  });

  it('fits from completed corrective orders, estimates every asset and names the model that produced it', async () => {
    // Failures spread over the period; the first two train the first version automatically.
    const failureDays: number[][] = [[60, 190, 330], [90, 250], [120], [150, 300], [], [210], [45, 170, 280, 390], [], [230], [100, 360], [], [310]];
    const chronological = failureDays.flatMap((ds, i) => ds.map((d) => ({ i, d }))).sort((a, b) => a.d - b.d);
    const trainedAt: number[] = [];
    for (const { i, d } of chronological) {
      clock = T0 + d * DAY + 3_600_000; // the order is completed an hour after the failure
      const res = await fail(assetIds[i]!, d);
      if (res?.status === 'trained') trainedAt.push(d);
    }
    await reliability.idle();
    clock = NOW;
    // First version at the second failure (day 60), then after every third new one.
    expect(trainedAt.slice(0, 3)).toEqual([60, 120, 190]);
    const detail = await call('GET', `/api/v1/asset-models/${modelCode}/reliability/bearing_wear`, 'planner');
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ status: 'fitted', failures: 17, ageAxis: 'operating_hours', restoration: 'as_good_as_new' });
    expect(detail.body.lives.filter((l: { endedBy: string }) => l.endedBy === 'running')).toHaveLength(12);
    const versions = detail.body.versions as { version: number; trigger: string; status: string }[];
    expect(versions.length).toBeGreaterThanOrEqual(1);
    expect(versions.every((v) => v.trigger === 'auto')).toBe(true);
    // The first version (two failures) was replaced by a later one that beat it on its backtest.
    expect(detail.body.active.version).toBeGreaterThan(1);
    const fit = detail.body.active.fit;
    expect(fit.b10.lower).toBeLessThan(fit.b10.estimate);
    expect(fit.mttf.estimate).toBeGreaterThan(fit.b10.estimate);
    expect(detail.body.survival.length).toBeGreaterThan(10);

    const est = await call('GET', `/api/v1/assets/${assetIds[4]}/reliability`, 'planner');
    expect(est.status).toBe(200);
    const e = est.body.items.find((x: { failureMode: string }) => x.failureMode === 'bearing_wear');
    expect(e).toMatchObject({ status: 'estimated', modelVersion: `${modelCode}/bearing_wear@weibull-v${detail.body.active.version}`, leadTimeHours: 72 });
    // Asset 4 never failed: its age is its whole operating time, 400 full days x 20 h.
    expect(e.ageHours).toBeCloseTo(400 * 20, 6);
    expect(e.utilisation).toBeCloseTo(20 / 24, 9);
    expect(e.failureProbability).toBeGreaterThan(0);
    expect(e.failureProbability).toBeLessThan(1);
    expect(e.projectedFailureAt).toBeCloseTo(NOW + (e.rulHours / (20 / 24)) * 3_600_000, -3);
    const fleet = await call('GET', `/api/v1/asset-models/${modelId}/reliability/assets`, 'planner');
    expect(fleet.body.items).toHaveLength(12);
  });

  it('a candidate that does not beat the active version stays inactive until activated by hand', async () => {
    clock = NOW + DAY;
    // Train and activate by hand, then train again on the same records: the same backtest cannot beat it.
    const first = await call('POST', `/api/v1/asset-models/${modelId}/reliability/bearing_wear/train`, 'engineer', { activate: true });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ activated: true, reason: 'activated by hand', model: { status: 'active', trigger: 'manual', failures: 17 } });
    const res = await call('POST', `/api/v1/asset-models/${modelId}/reliability/bearing_wear/train`, 'engineer', {});
    expect(res.status).toBe(201);
    expect(res.body.activated).toBe(false);
    expect(res.body.reason).toMatch(new RegExp(`does not beat v${first.body.model.version}`));
    expect(res.body.model.backtest).toMatchObject({ comparedWith: { version: first.body.model.version }, failuresAfterSplit: 5 });
    expect(res.body.model.backtest.rulRmseHours).toBeGreaterThan(0);
    const v = res.body.model.version;
    const act = await call('POST', `/api/v1/asset-models/${modelId}/reliability/bearing_wear/versions/${v}/activate`, 'engineer');
    expect(act.body).toMatchObject({ version: v, status: 'active' });
    const after = (await call('GET', `/api/v1/assets/${assetIds[0]}/reliability`, 'planner')).body.items[0];
    expect(after.modelVersion).toBe(`${modelCode}/bearing_wear@weibull-v${v}`);
    expect((await call('POST', `/api/v1/asset-models/${modelId}/reliability/bearing_wear/versions/99/activate`, 'engineer')).status).toBe(404);
  });
});
