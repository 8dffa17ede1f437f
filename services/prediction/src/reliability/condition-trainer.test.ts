import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import { seededRandom } from '@hourmeter/domain';
import { createDuckDbTelemetryStore, type StoredReading, type TelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir } from '@hourmeter/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainRulModel, type TrainingUnit } from '../core/rul/index.js';
import { createReliabilityService, type ReliabilityService } from './service.js';
import { recordFailure } from './testing.js';

const logger = pino({ level: 'silent' });
const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const DAYS = 300;
const NOW = T0 + DAYS * DAY;
const ASSETS = 14;
const READ_EVERY_H = 3;
const dayOf = (i: number) => new Date(T0 + i * DAY).toISOString().slice(0, 10);

/**
 * A fleet whose hidden wear shows in `vib_mm_s` over the last ~40 % of each
 * life (P-F curve), with a `noise_level` metric that says nothing; lives are
 * Weibull (shape 3, scale 900 h), every asset runs around the clock, a
 * failure is repaired at once (as good as new). Returns the readings and
 * the failure instants, and each asset's true remaining hours at NOW.
 */
function simulateFleet(assetIds: readonly string[]) {
  const random = seededRandom(11);
  const weibull = () => 900 * Math.pow(-Math.log(1 - random()), 1 / 3);
  const readings: StoredReading[] = [];
  const failures: { assetId: string; at: number }[] = [];
  const remainingAtNow = new Map<string, number>();
  for (const assetId of assetIds) {
    let start = T0;
    let life = weibull();
    for (let ts = T0 + HOUR; ts < NOW; ts += READ_EVERY_H * HOUR) {
      let age = (ts - start) / HOUR;
      if (age >= life) {
        start += Math.round(life * HOUR);
        failures.push({ assetId, at: start });
        life = weibull();
        age = (ts - start) / HOUR;
      }
      const wear = Math.max(0, age / life - 0.6) / 0.4;
      const vib = 1.2 + 4 * Math.pow(wear, 2) + 0.1 * (random() - 0.5);
      readings.push({ assetId, deviceId: `d-${assetId}`, ts, metrics: { running: true, vib_mm_s: vib, noise_level: random() } });
    }
    remainingAtNow.set(assetId, life - (NOW - start) / HOUR);
  }
  return { readings, failures, remainingAtNow };
}

describe.each(dbTargets())('condition-based RUL from work orders and stored telemetry on $name', (target) => {
  const t = useDbTarget(target);
  if (!t) return;
  let reliability: ReliabilityService;
  let store: TelemetryStore;
  let dir: ReturnType<typeof tempDir>;
  let modelId: string;
  const assetIds: string[] = [];
  let fleet: ReturnType<typeof simulateFleet>;
  /** What each training got (the backtest's first, then the stored version's). */
  const trainings: TrainingUnit[][] = [];

  beforeAll(async () => {
    const r = t.repos;
    dir = tempDir();
    store = await createDuckDbTelemetryStore({ dataDir: dir.path });
    const first = (await r.assets.find(await t.newAsset()))!;
    modelId = first.assetModelId;
    assetIds.push(first.id);
    for (let i = 1; i < ASSETS; i++) {
      const a = await r.assets.create({ serialNumber: `C-${target.name}-${i}`, assetModelId: modelId, siteId: first.siteId, commissionedOn: dayOf(0), status: 'active' });
      assetIds.push(a.id);
    }
    fleet = simulateFleet(assetIds);
    for (let i = 0; i < fleet.readings.length; i += 5000) await store.writeBatch(fleet.readings.slice(i, i + 5000));
    const settings = JSON.stringify({ rule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900 });
    await Promise.all(
      assetIds.map(async (assetId) => {
        for (let d = 0; d < DAYS; d++) {
          await r.operatingHours.record({ assetId, day: dayOf(d), operatingMs: 24 * HOUR, samples: 8, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings });
        }
      }),
    );
    for (const f of fleet.failures) await recordFailure(r, f.assetId, 'bearing_wear', f.at);
    reliability = createReliabilityService({
      repos: r,
      logger,
      now: () => NOW,
      cacheMs: 0,
      telemetry: store,
      trainRul: async (units, options) => {
        trainings.push([...units]);
        return trainRulModel(units, { ...options, ensemble: 1 });
      },
    });
  }, 240_000);
  afterAll(async () => {
    await reliability?.idle();
    await store?.close();
    dir?.cleanup();
  });

  it('says there is no failure to learn from for a mode never recorded', async () => {
    const res = await reliability.train(modelId, 'seal_leak', { kind: 'condition' });
    expect(res).toMatchObject({ status: 'no_failures' });
  });

  it('registers a condition version that beats the Weibull baseline on the time split and names itself in every estimate', async () => {
    const weibull = await reliability.train(modelId, 'bearing_wear', {});
    expect(weibull).toMatchObject({ status: 'trained', activated: true });
    const res = await reliability.train(modelId, 'bearing_wear', { kind: 'condition', condition: { metrics: ['vib_mm_s'] } });
    if (res.status !== 'trained') throw new Error(res.message);
    expect(res.model).toMatchObject({ kind: 'condition', version: 2, status: 'active' });
    const bt = res.model.backtest as { rulRmseHours: number; splitAt: number; comparedWith: { rulRmseHours: number; version: number } };
    expect(bt.comparedWith.version).toBe(1);
    expect(bt.rulRmseHours).toBeLessThan(bt.comparedWith.rulRmseHours);

    // Nothing after T reached the backtest's training: its failed units are exactly the failures before T,
    // and no unit is longer than the hours run before T.
    const backtestUnits = trainings[0]!;
    const failuresBefore = fleet.failures.filter((f) => f.at <= bt.splitAt).length;
    expect(backtestUnits.filter((u) => !u.censored)).toHaveLength(failuresBefore);
    const hoursPerCycle = (res.model.fit as { condition: { hoursPerCycle: number } }).condition.hoursPerCycle;
    for (const u of backtestUnits) expect(u.rows.length * hoursPerCycle).toBeLessThanOrEqual((bt.splitAt - T0) / HOUR);
    // Lives still running are censored, never failures: the stored version saw every failure and one running life per asset.
    const final = trainings.at(-1)!;
    expect(final.filter((u) => !u.censored)).toHaveLength(fleet.failures.length);
    expect(final.filter((u) => u.censored).length).toBeLessThanOrEqual(ASSETS);

    const estimates = await reliability.fleetEstimates(modelId);
    const bearing = estimates.filter((e) => e.failureMode === 'bearing_wear');
    expect(bearing).toHaveLength(ASSETS);
    // Worn assets (the last stretch of their life) are told apart from fresh ones by their condition.
    const errors = bearing.filter((e) => e.modelVersion?.endsWith('@condition-v2')).map((e) => ({ e, truth: fleet.remainingAtNow.get(e.assetId)! }));
    const worn = errors.filter(({ truth }) => truth < 150);
    expect(worn.length).toBeGreaterThan(0);
    for (const { e, truth } of worn) expect(Math.abs(e.rulHours! - truth)).toBeLessThan(150);
  }, 240_000);

  it('keeps the active version when a candidate reading only noise does not beat it', async () => {
    const res = await reliability.train(modelId, 'bearing_wear', { kind: 'condition', condition: { metrics: ['noise_level'] } });
    if (res.status !== 'trained') throw new Error(res.message);
    expect(res.model).toMatchObject({ kind: 'condition', version: 3, status: 'inactive' });
    expect(res.reason).toMatch(/does not beat v2/);
    const active = (await t.repos.reliability.models.active(modelId, 'bearing_wear'))!;
    expect(active.version).toBe(2);
  }, 240_000);
});
