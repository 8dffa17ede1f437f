import { narrowWindow, operatingTime, sampleWindow, type MeterSettings } from '@hourmeter/metering';
import type { StoredReading } from '@hourmeter/telemetry-store';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEmbeddedApi } from '../testing/embedded-api.js';

const H = 3_600_000;
const DAY_MS = 86_400_000;

const api = useEmbeddedApi();
let engineer: string;

beforeAll(async () => {
  engineer = (await api.repos.apiKeys.create({ name: 'engineer', role: 'engineer' })).key;
});

async function call(method: 'GET' | 'POST' | 'PATCH', url: string, body?: object) {
  const res = await api.app.inject({ method, url, headers: { authorization: `Bearer ${engineer}` }, ...(body ? { payload: body } : {}) });
  return { status: res.statusCode, body: res.json() };
}

let seq = 0;
async function assetOf(runningRule: object): Promise<{ assetId: string; modelId: string }> {
  seq++;
  const customer = await api.repos.customers.create({ name: 'C', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
  const site = await api.repos.sites.create({ customerId: customer.id, name: 'S', timezone: 'UTC' });
  const model = await call('POST', '/api/v1/asset-models', { code: `OH-${seq}`, name: 'Generator', runningRule, maxGapSeconds: 900 });
  expect(model.status, JSON.stringify(model.body)).toBe(201);
  const asset = await api.repos.assets.create({ serialNumber: `SN-${seq}`, assetModelId: model.body.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' });
  return { assetId: asset.id, modelId: model.body.id };
}

async function deliver(readings: StoredReading[]): Promise<void> {
  await api.store.writeBatch(readings);
  await api.hourMeter.onStored(readings);
  await api.hourMeter.flush();
}

describe('counter resolution on the asset model', () => {
  it('is accepted, validated and documented', async () => {
    const rule = { kind: 'counter', metric: 'engine_hours', unit: 'hours', resolution: 0.05 };
    const { modelId } = await assetOf(rule);
    expect((await call('GET', `/api/v1/asset-models/${modelId}`)).body.runningRule).toEqual(rule);

    for (const resolution of [0, -1, 25]) {
      const bad = await call('POST', '/api/v1/asset-models', { code: `BAD-${resolution}`, name: 'X', runningRule: { ...rule, resolution } });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body.errors)).toContain('resolution');
    }
    const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(JSON.stringify(doc.paths['/api/v1/asset-models'].post.requestBody)).toContain('"resolution"');
  });
});

describe('operating-hours routes', () => {
  it('audits a counter day with the readings after it whose credit reaches into it', async () => {
    const { assetId } = await assetOf({ kind: 'counter', metric: 'engine_hours', unit: 'hours' });
    const A = Date.UTC(2026, 6, 10);
    const at = (ts: number, value: number): StoredReading => ({ assetId, deviceId: 'dev_x', ts, metrics: { engine_hours: value } });
    await deliver([at(A + 9 * H, 500), at(A + 10 * H, 500)]);
    // Offline until the 13th at midnight: 40 h ran, 16 of them on the 11th.
    await deliver([at(A + 3 * DAY_MS, 540)]);
    const audit = await call('GET', `/api/v1/assets/${assetId}/operating-hours/2026-07-11`);
    expect(audit.status).toBe(200);
    expect(audit.body.versions.at(-1).hours).toBe(16);
    expect(audit.body.readings.points).toEqual([
      [A + 9 * H, 500],
      [A + 10 * H, 500],
      [A + 3 * DAY_MS, 540],
    ]);
  });

  it("audits a day with exactly the readings the meter computed it from: around the day, not the counter's whole reach", async () => {
    const rule = { kind: 'counter', metric: 'engine_hours', unit: 'hours', resolution: 0.05 } as const;
    const { assetId } = await assetOf(rule);
    const T = Date.UTC(2026, 8, 1);
    // Read every minute for 3 days, running 06:00-22:00.
    const readings: StoredReading[] = [];
    let ran = 100 * H;
    for (let ts = T; ts < T + 3 * DAY_MS; ts += 60_000) {
      if ((ts - T) % DAY_MS >= 6 * H && (ts - T) % DAY_MS < 22 * H) ran += 60_000;
      readings.push({ assetId, deviceId: 'dev_x', ts, metrics: { engine_hours: Math.floor(ran / (3 * 60_000)) * 0.05 } });
    }
    await deliver(readings);
    const audit = await call('GET', `/api/v1/assets/${assetId}/operating-hours/2026-09-02`);
    expect(audit.status).toBe(200);
    const day = T + DAY_MS;
    const settings = audit.body.settings as MeterSettings;
    const inWindow = (w: { from: number; to: number }) => readings.filter((r) => r.ts >= w.from && r.ts < w.to).map((r) => [r.ts, r.metrics.engine_hours]);
    expect(audit.body.readings.points).toEqual(inWindow(narrowWindow(settings, day, day + DAY_MS)));
    expect(audit.body.readings.points.length).toBeLessThan(inWindow(sampleWindow(settings, day, day + DAY_MS)).length);
    // They give the recorded total.
    const points = (audit.body.readings.points as [number, number][]).map(([ts, value]) => ({ ts, value }));
    expect(operatingTime(points, settings, day, day + DAY_MS).operatingMs).toBe(audit.body.versions.at(-1).operatingMs);
    expect(audit.body.versions.at(-1).hours).toBe(16);
  });

  it('recompute applies a model edit at once, and the periodic pass keeps it', async () => {
    const { assetId, modelId } = await assetOf({ kind: 'boolean', metric: 'running' });
    const T = Date.UTC(2026, 7, 3);
    const reading = (ts: number): StoredReading => ({ assetId, deviceId: 'dev_x', ts, metrics: { running: ts < T + 2 * H, rpm: ts < T + H ? 1500 : 50 } });
    // Running 00:00-02:00, but above 100 rpm only until 01:00.
    await deliver(Array.from({ length: 25 }, (_, i) => reading(T + i * 10 * 60_000)));
    const hours = async () => (await call('GET', `/api/v1/assets/${assetId}/operating-hours?from=2026-08-03&to=2026-08-03`)).body.days[0].hours;
    expect(await hours()).toBe(2);

    expect((await call('PATCH', `/api/v1/asset-models/${modelId}`, { runningRule: { kind: 'threshold', metric: 'rpm', above: 100 } })).status).toBe(200);
    const recomputed = await call('POST', `/api/v1/assets/${assetId}/operating-hours/recompute`, { from: '2026-08-03', to: '2026-08-03' });
    expect(recomputed.body.days[0].hours).toBe(1);
    const audit = await call('GET', `/api/v1/assets/${assetId}/operating-hours/2026-08-03`);
    expect(audit.body.settings.rule).toEqual({ kind: 'threshold', metric: 'rpm', above: 100 });

    // A later reading makes the periodic pass recompute the day: with the new rule, not a cached old one.
    await deliver([reading(T + 5 * H)]);
    expect(await hours()).toBe(1);
  });
});

describe('operating hours on another clock (issue #16, rule 12)', () => {
  it('cuts the same stored readings at Berlin midnights, and refuses a zone that is not IANA', async () => {
    const { assetId } = await assetOf({ kind: 'boolean', metric: 'running' });
    // Running 20:00 UTC on 28 March to 04:00 UTC on 29 March 2026, read every 5 minutes.
    const from = Date.UTC(2026, 2, 28, 18);
    const readings: StoredReading[] = [];
    for (let ts = from; ts <= Date.UTC(2026, 2, 29, 6); ts += 300_000) {
      readings.push({ assetId, deviceId: 'dev_tz', ts, metrics: { running: ts >= Date.UTC(2026, 2, 28, 20) && ts < Date.UTC(2026, 2, 29, 4) ? 1 : 0 } });
    }
    await deliver(readings);
    const utc = await call('GET', `/api/v1/assets/${assetId}/operating-hours?from=2026-03-28&to=2026-03-29`);
    expect(utc.body.days.map((d: { day: string; hours: number }) => [d.day, d.hours])).toEqual([
      ['2026-03-28', 4],
      ['2026-03-29', 4],
    ]);
    expect(utc.body.localDays).toBeUndefined();
    const berlin = await call('GET', `/api/v1/assets/${assetId}/operating-hours?from=2026-03-28&to=2026-03-29&timeZone=Europe/Berlin`);
    expect(berlin.status).toBe(200);
    // 21:00-24:00 CET on the 28th; 00:00-06:00 on the 29th, a 23 h day (CEST from 03:00) = 23:00-04:00 UTC.
    expect(berlin.body.localDays.map((d: { day: string; hours: number }) => [d.day, d.hours])).toEqual([
      ['2026-03-28', 3],
      ['2026-03-29', 5],
    ]);
    expect(berlin.body.periodHours).toBe(8);
    expect(berlin.body.timeZone).toBe('Europe/Berlin');
    const bad = await call('GET', `/api/v1/assets/${assetId}/operating-hours?from=2026-03-28&to=2026-03-29&timeZone=Mars/Olympus`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('IANA time zone');
  });
});
