import { openDb, repositories, type Db, type Repositories } from '@hourmeter/db';
import { CustomerInput } from '@hourmeter/domain';
import { tempDir } from '@hourmeter/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryAssetContext } from './asset-context.js';
import { inMemoryPreventiveWorkOrders } from './in-memory-work-orders.js';
import { createPredictionService, type PredictionDeps } from './prediction-service.js';
import { compressorReadings } from './testing.js';
import type { RulEstimator, StoredReading } from './ports.js';
import { reliabilityRulEstimator } from '../reliability/rul-estimator.js';
import { createReliabilityService } from '../reliability/service.js';
import { recordFailure } from '../reliability/testing.js';

const logger = pino({ level: 'silent' });
const MIN = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

let db: Db;
let repos: Repositories;
let dir: ReturnType<typeof tempDir>;

beforeAll(async () => {
  dir = tempDir();
  db = await openDb({ dataDir: dir.path, logger });
  repos = repositories(db);
});
afterAll(async () => {
  await db?.close();
  dir?.cleanup();
});

let n = 0;
async function newAsset(leadTimeHours = 72) {
  n++;
  const customer = await repos.customers.create(CustomerInput.parse({ name: `C${n}`, currency: 'EUR' }));
  const site = await repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
  const model = await repos.assetModels.create({
    code: `CMP-${n}`,
    name: 'Compressor',
    runningRule: { kind: 'boolean', metric: 'running' },
    maxGapSeconds: 600,
    warrantyMonths: 24,
    leadTimeHours,
  });
  const asset = await repos.assets.create({ serialNumber: `SN-${n}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' });
  return asset.id;
}

function service(extra: Partial<PredictionDeps> = {}) {
  return createPredictionService({
    alerts: repos.alerts,
    rulEstimates: repos.rulEstimates,
    assets: registryAssetContext(repos),
    logger,
    now: () => T0,
    ...extra,
  });
}

const readings = (assetId: string, from: number, to: number, vib: (i: number) => number, seed?: number): StoredReading[] =>
  compressorReadings(T0, assetId, from, to, vib, seed);

/** Feeds readings in batches of 100, as ingest would. */
async function feed(svc: ReturnType<typeof service>, rs: StoredReading[]) {
  for (let i = 0; i < rs.length; i += 100) void svc.onStored(rs.slice(i, i + 100));
  await svc.flush();
}

describe('prediction service', () => {
  it('raises one alert per asset and failure mode, updates it, clears it after clean windows and respects the cool-down', async () => {
    const assetId = await newAsset();
    const svc = service({ config: { clearAfterWindows: 3, cooldownMs: 6 * HOUR } });
    await feed(svc, readings(assetId, 0, 1500, () => 0));
    expect((await svc.listAlerts({ filters: { assetId } })).items).toEqual([]);

    // A 4-scale step for 2 hours: one alert, updated window after window.
    await feed(svc, readings(assetId, 1500, 1620, () => 0.2));
    let alerts = (await svc.listAlerts({ filters: { assetId } })).items;
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(alert).toMatchObject({ failureMode: 'bearing_wear', state: 'open' });
    expect(alert.evidence.signals.map((s) => s.metric)).toEqual(['vibration_rms']);
    expect(alert.evidence.modelVersion).toBe('anomaly-ewmad-cusum-1');
    expect(alert.lastDetectedAt).toBeGreaterThan(alert.raisedAt);
    expect(['medium', 'high']).toContain(alert.severity);

    // Back to normal: resolved by the system after 3 clean windows, not before.
    await feed(svc, readings(assetId, 1620, 1650, () => 0));
    expect((await svc.getAlert(alert.id)).alert.state).toBe('open');
    await feed(svc, readings(assetId, 1650, 1800, () => 0));
    const detail = await svc.getAlert(alert.id);
    expect(detail.alert.state).toBe('resolved');
    expect(detail.history.at(-1)).toMatchObject({ from: 'open', to: 'resolved', actor: 'system' });
    expect(detail.history.at(-1)!.reason).toMatch(/clean windows/);

    // The same step again within the cool-down: no new alert (no flapping).
    await feed(svc, readings(assetId, 1800, 1900, () => 0.2));
    await feed(svc, readings(assetId, 1900, 2000, () => 0));
    alerts = (await svc.listAlerts({ filters: { assetId } })).items;
    expect(alerts).toHaveLength(1);
    // After the cool-down it is raised again, as a new alert.
    await feed(svc, readings(assetId, 2200, 2300, () => 0.2));
    alerts = (await svc.listAlerts({ filters: { assetId } })).items;
    expect(alerts).toHaveLength(2);
    expect(alerts[0]!.id).not.toBe(alert.id);
  });

  it('opens exactly one preventive order per asset and failure mode, and resolves the alert when it completes', async () => {
    const assetId = await newAsset();
    const orders = inMemoryPreventiveWorkOrders();
    const svc = service({ preventive: orders });
    await feed(svc, readings(assetId, 0, 1500, () => 0));
    // A 20-scale step: critical, kept for 5 hours (30 windows).
    await feed(svc, readings(assetId, 1500, 1800, () => 1));
    const [alert] = (await svc.listAlerts({ filters: { assetId } })).items;
    expect(alert).toMatchObject({ severity: 'critical', state: 'open' });
    expect(orders.orders()).toHaveLength(1);
    expect(orders.calls).toBe(1);
    const order = orders.orders()[0]!;
    expect(order).toMatchObject({ assetId, failureMode: 'bearing_wear', alertId: alert!.id, severity: 'critical', suggestedPartNumbers: ['BRG-KIT'] });
    expect(alert!.workOrderId).toBe(order.workOrderId);
    expect(order.reason).toMatch(/vibration_rms/);

    // Work order completed: the alert resolves, and a new detection later is a new alert.
    orders.complete(order.workOrderId);
    const resolved = await svc.resolveByWorkOrder({ workOrderId: order.workOrderId });
    expect(resolved.map((a) => a.state)).toEqual(['resolved']);
    expect((await svc.getAlert(alert!.id)).history.at(-1)!.reason).toContain(order.workOrderId);
  });

  it('never throws on bad data', async () => {
    const assetId = await newAsset();
    const svc = service();
    const bad = [
      null,
      { assetId, ts: Number.NaN, metrics: {} },
      { assetId: 'ast_01JAAAAAAAAAAAAAAAAAAAAAAA', deviceId: 'd', ts: T0, metrics: { v: 1 } },
      { assetId, deviceId: 'd', ts: T0, metrics: { vibration_rms: 'x', load_pct: Infinity } },
      { assetId, deviceId: 'd', ts: T0 + 1, metrics: null },
    ] as unknown as StoredReading[];
    await expect(svc.onStored(bad)).resolves.toBeUndefined();
    await expect(svc.onStored(undefined as unknown as StoredReading[])).resolves.toBeUndefined();
    await svc.flush();
    expect(svc.stats().skipped).toBeGreaterThanOrEqual(3);
  });

  it('end to end: a degrading series raises an alert and one preventive order before the failure point (anomaly path)', async () => {
    const assetId = await newAsset();
    const orders = inMemoryPreventiveWorkOrders();
    const svc = service({ preventive: orders });
    // Exponential vibration growth; the failure point is where the excess reaches 2.
    const tau = 608;
    const failAt = Math.round(tau * Math.log(2 / 0.02));
    const series = readings(assetId, 0, failAt, (i) => 0.02 * Math.exp(i / tau));
    let orderedAt = -1;
    for (let i = 0; i < series.length; i += 100) {
      await feed(svc, series.slice(i, i + 100));
      if (orderedAt < 0 && orders.orders().length > 0) orderedAt = i + 100;
    }
    const alerts = (await svc.listAlerts({ filters: { assetId, failureMode: 'bearing_wear' } })).items;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.raisedAt).toBeLessThan(T0 + failAt * MIN);
    expect(orders.orders()).toHaveLength(1);
    // The order was opened well ahead of the failure (at least 10 % of the life before it).
    expect(orderedAt).toBeGreaterThan(0);
    expect(orderedAt).toBeLessThan(0.9 * failAt);
    // No other failure mode was alerted on the stationary metrics.
    expect((await svc.listAlerts({ filters: { assetId } })).items).toHaveLength(1);
  });

  it('end to end with a RUL estimator: stores every estimate and opens one order when RUL falls within the lead time', async () => {
    const leadTimeHours = 8;
    const assetId = await newAsset(leadTimeHours);
    const orders = inMemoryPreventiveWorkOrders();
    const tau = 608;
    const failAt = Math.round(tau * Math.log(2 / 0.02));
    // A toy estimator: fits ln(excess) over the window and extrapolates to the failure level.
    const rul: RulEstimator = {
      estimate(_assetId, window) {
        const pts = window
          .map((r) => [r.ts / HOUR, Math.log(Math.max((r.metrics.vibration_rms as number) - 1, 1e-3))] as const)
          .filter(([, y]) => y > Math.log(0.1));
        if (pts.length < 50) return undefined;
        const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
        const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
        const slope = pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
        if (!(slope > 0)) return undefined;
        const failH = mx + (Math.log(2) - my) / slope;
        const hours = Math.max(0, failH - window.at(-1)!.ts / HOUR);
        return { hours, lowerHours: hours * 0.8, upperHours: hours * 1.2, modelVersion: 'toy-exp-1', failureMode: 'bearing_wear' };
      },
    };
    const svc = service({ preventive: orders, rul, config: { rulWindowReadings: 240, preventiveOnSeverities: [] } });
    await feed(svc, readings(assetId, 0, failAt, (i) => 0.02 * Math.exp(i / tau)));

    const history = await svc.rulHistory(assetId);
    // Far from the lead time estimates are sparse (rul-schedule.ts), near it every window gets one.
    expect(history.length).toBeGreaterThan(5);
    expect(history.every((e) => e.modelVersion === 'toy-exp-1')).toBe(true);
    expect(orders.orders()).toHaveLength(1);
    const order = orders.orders()[0]!;
    expect(order.rulHours).toBeLessThanOrEqual(leadTimeHours * 1.25);
    expect(order.rulHours).toBeGreaterThan(1);
    const [alert] = (await svc.listAlerts({ filters: { assetId, failureMode: 'bearing_wear' } })).items;
    expect(alert!.workOrderId).toBe(order.workOrderId);
    expect(alert!.evidence.rul).toBeDefined();
    // The order came before the failure point.
    const triggering = history.find((e) => e.hours <= leadTimeHours * 1.25)!;
    expect(triggering.ts).toBeLessThan(T0 + failAt * MIN);
  });

  it('the population model\'s failure probability raises the alert severity and opens the preventive order', async () => {
    // Eight pumps running around the clock since T0; six failed at 900-1080 operating hours (days 38-45).
    const DAY = 24 * HOUR;
    const first = (await repos.assets.find(await newAsset(72)))!;
    const ids = [first.id];
    for (let i = 1; i < 8; i++) ids.push((await repos.assets.create({ serialNumber: `PP-${i}`, assetModelId: first.assetModelId, siteId: first.siteId, commissionedOn: '2026-01-01', status: 'active' })).id);
    const settings = JSON.stringify({ rule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 600 });
    for (const assetId of ids) {
      for (let d = 0; d < 47; d++) {
        const day = new Date(T0 + d * DAY).toISOString().slice(0, 10);
        await repos.operatingHours.record({ assetId, day, operatingMs: DAY, samples: 1440, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null, settings });
      }
    }
    for (const [i, d] of [[0, 37.5], [1, 40], [2, 41], [3, 42], [4, 43], [5, 45]] as const) await recordFailure(repos, ids[i]!, 'bearing_wear', T0 + d * DAY);
    const now = T0 + 47 * DAY;
    const reliability = createReliabilityService({ repos, logger, now: () => now });
    const trained = await reliability.train(first.assetModelId, 'bearing_wear');
    expect(trained.status).toBe('trained');
    // Pump 6 never failed: 47 days = 1128 h old, past every recorded life.
    const [estimate] = await reliability.assetEstimates(ids[6]!);
    expect(estimate!.failureProbability).toBeGreaterThanOrEqual(0.5);

    const orders = inMemoryPreventiveWorkOrders();
    const svc = service({ preventive: orders, rul: reliabilityRulEstimator(reliability), config: { preventiveOnSeverities: [] } });
    await feed(svc, readings(ids[6]!, 47 * 24 * 60, 47 * 24 * 60 + 30, () => 0));
    const history = await svc.rulHistory(ids[6]!);
    expect(history.length).toBeGreaterThan(0);
    expect(history[0]).toMatchObject({ modelVersion: estimate!.modelVersion, failureMode: 'bearing_wear' });
    // The probability is kept with the estimate (migration 0020), for the asset page's trend.
    expect(history[0]!.failureProbability).toBeGreaterThanOrEqual(0.5);
    expect(history[0]!.failureProbability).toBeLessThanOrEqual(1);
    const [alert] = (await svc.listAlerts({ filters: { assetId: ids[6]!, failureMode: 'bearing_wear' } })).items;
    expect(['high', 'critical']).toContain(alert!.severity);
    expect(orders.orders()).toHaveLength(1);
    expect(orders.orders()[0]!.reason).toMatch(/% probability of failing within lead time 72 h/);
    expect(alert!.workOrderId).toBe(orders.orders()[0]!.workOrderId);
    // A young pump (renewed on day 37.5) is not alerted.
    await feed(svc, readings(ids[0]!, 47 * 24 * 60, 47 * 24 * 60 + 30, () => 0));
    expect((await svc.listAlerts({ filters: { assetId: ids[0]!, failureMode: 'bearing_wear' } })).items).toHaveLength(0);
  });
});
