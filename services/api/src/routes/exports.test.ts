import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEmbeddedApi } from '../testing/embedded-api.js';
import { EXPORT_WINDOW_MS } from './exports.js';

const api = useEmbeddedApi();
const T0 = Date.UTC(2026, 2, 1);
const MIN = 60_000;
let key: string;
let base: string;
const ids = { model: '', other: '', a: '', b: '', c: '' };
const serials = { a: 'EXP-A', b: 'EXP-B' };

beforeAll(async () => {
  key = (await api.repos.apiKeys.create({ name: 'engineer', role: 'engineer' })).key;
  const customer = await api.repos.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
  const site = await api.repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
  const model = (code: string) => api.repos.assetModels.create({ code, name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
  ids.model = (await model('EXP-1')).id;
  ids.other = (await model('EXP-2')).id;
  const asset = async (serialNumber: string, assetModelId: string) => (await api.repos.assets.create({ serialNumber, assetModelId, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' })).id;
  ids.a = await asset(serials.a, ids.model);
  ids.b = await asset(serials.b, ids.model);
  ids.c = await asset('EXP-C', ids.other);
  // A: two days, one reading a minute (two metrics), including readings exactly on window boundaries. B: temp only. C: another model.
  const a = Array.from({ length: 2 * 24 * 60 }, (_, i) => ({ assetId: ids.a, deviceId: 'dev_a', ts: T0 + i * MIN, metrics: { temp: i, running: i % 2 } }));
  for (let i = 0; i < a.length; i += 1000) await api.store.writeBatch(a.slice(i, i + 1000));
  await api.store.writeBatch([0, 1, 2].map((i) => ({ assetId: ids.b, deviceId: 'dev_b', ts: T0 + i * EXPORT_WINDOW_MS, metrics: { temp: -i - 0.5 } })));
  await api.store.writeBatch([{ assetId: ids.c, deviceId: 'dev_c', ts: T0, metrics: { temp: 99 } }]);
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}/api/v1`;
});

const get = (path: string, headers: Record<string, string> = { authorization: `Bearer ${key}` }) => fetch(`${base}${path}`, { headers });
const parse = (csv: string) =>
  csv
    .trimEnd()
    .split('\r\n')
    .map((l) => l.split(','));

describe('GET /exports/telemetry.csv', () => {
  it('streams every reading of a model\'s assets in the range, once, across window boundaries', async () => {
    const res = await get(`/exports/telemetry.csv?assetModelId=${ids.model}&from=${T0}&to=${T0 + 2 * 86_400_000}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-length')).toBeNull(); // streamed (chunked), not buffered
    const [header, ...rows] = parse(await res.text());
    expect(header).toEqual(['asset_serial_number', 'asset_id', 'time', 'ts', 'running', 'temp']);
    const ofA = rows.filter((r) => r[0] === serials.a);
    expect(ofA).toHaveLength(2 * 24 * 60);
    expect(ofA.map((r) => Number(r[3]))).toEqual(Array.from({ length: 2 * 24 * 60 }, (_, i) => T0 + i * MIN));
    expect(ofA[361]).toEqual([serials.a, ids.a, new Date(T0 + 361 * MIN).toISOString(), String(T0 + 361 * MIN), '1', '361']);
    // B has no `running`: an empty cell; negative numbers stay numbers.
    expect(rows.filter((r) => r[0] === serials.b)).toEqual([0, 1, 2].map((i) => [serials.b, ids.b, new Date(T0 + i * EXPORT_WINDOW_MS).toISOString(), String(T0 + i * EXPORT_WINDOW_MS), '', String(-i - 0.5)]));
    expect(rows.some((r) => r[1] === ids.c)).toBe(false);
  });

  it('exports one asset and the metrics asked for, within [from, to)', async () => {
    const res = await get(`/exports/telemetry.csv?assetId=${ids.a}&metrics=temp&from=${new Date(T0 + 10 * MIN).toISOString()}&to=${T0 + 20 * MIN}`);
    const [header, ...rows] = parse(await res.text());
    expect(header).toEqual(['asset_serial_number', 'asset_id', 'time', 'ts', 'temp']);
    expect(rows.map((r) => r[4])).toEqual(Array.from({ length: 10 }, (_, i) => String(10 + i)));
  });

  it('needs an API key and refuses unclear or too large requests before streaming', async () => {
    expect((await get(`/exports/telemetry.csv?assetId=${ids.a}&from=${T0}&to=${T0 + 1}`, {})).status).toBe(401);
    const bad = [`assetId=${ids.a}&assetModelId=${ids.model}&from=${T0}&to=${T0 + 1}`, `from=${T0}&to=${T0 + 1}`, `assetId=${ids.a}&from=${T0}&to=${T0 + 401 * 86_400_000}`, `assetId=${ids.a}&from=${T0 + 1}&to=${T0}`];
    for (const q of bad) {
      const res = await get(`/exports/telemetry.csv?${q}`);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
    }
    expect((await get(`/exports/telemetry.csv?assetId=ast_01JAAAAAAAAAAAAAAAAAAAAAAA&from=${T0}&to=${T0 + 1}`)).status).toBe(404);
  });
});

describe('every list as CSV', () => {
  it('answers a list with Accept: text/csv or ?format=csv as CSV, the cursor in x-next-cursor', async () => {
    const res = await get(`/assets?assetModelId=${ids.model}&limit=1`, { authorization: `Bearer ${key}`, accept: 'text/csv' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header = [], ...rows] = parse(await res.text());
    expect(header).toContain('serialNumber');
    expect(rows).toHaveLength(1);
    expect(rows[0]![header.indexOf('serialNumber')]).toBe(serials.a);
    const next = res.headers.get('x-next-cursor');
    expect(next).toBeTruthy();
    const text2 = await (await get(`/assets?assetModelId=${ids.model}&limit=1&cursor=${next}&format=csv`)).text();
    const page2 = parse(text2);
    expect(page2, text2).toHaveLength(2);
    expect(page2[1]![header.indexOf('serialNumber')]).toBe(serials.b);
    // JSON stays the default, and errors stay problem+json.
    expect(((await (await get(`/assets?assetModelId=${ids.model}`)).json()) as { items: unknown[] }).items).toHaveLength(2);
    expect((await get('/assets/ast_01JAAAAAAAAAAAAAAAAAAAAAAA', { authorization: `Bearer ${key}`, accept: 'text/csv' })).headers.get('content-type')).toMatch(/problem\+json/);
  });
});
