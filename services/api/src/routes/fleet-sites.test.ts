import { beforeAll, describe, expect, it } from 'vitest';
import { useEmbeddedApi } from '../testing/embedded-api.js';

const api = useEmbeddedApi();
let key: string;
const evidence = { signals: [{ metric: 'vibration_rms', score: 4 }], windowFrom: 1, windowTo: 2 };

beforeAll(async () => {
  key = (await api.repos.apiKeys.create({ name: 'eng', role: 'engineer' })).key;
});

const get = async (url: string) => {
  const res = await api.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: { authorization: `Bearer ${key}` } });
  return { status: res.statusCode, body: res.json() };
};

describe('GET /fleet/sites', () => {
  it("counts each site's assets by device and alert state and colours the site by the worst", async () => {
    const r = api.repos;
    const customer = await r.customers.create({ name: 'Fjord Dairy', currency: 'NOK', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const other = await r.customers.create({ name: 'Other', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'small', influence: 0 } });
    const bergen = await r.sites.create({ customerId: customer.id, name: 'Bergen', timezone: 'Europe/Oslo', location: { lat: 60.39, lon: 5.32 } });
    const oslo = await r.sites.create({ customerId: customer.id, name: 'Oslo', timezone: 'Europe/Oslo', location: { lat: 59.91, lon: 10.75 } });
    const empty = await r.sites.create({ customerId: customer.id, name: 'Tromsø (planned)', timezone: 'Europe/Oslo' });
    await r.sites.create({ customerId: other.id, name: 'Elsewhere', timezone: 'UTC' });
    const model = await r.assetModels.create({ code: 'MAP-1', name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const asset = (sn: string, siteId: string) => r.assets.create({ serialNumber: sn, assetModelId: model.id, siteId, commissionedOn: '2026-01-01', status: 'active' });
    const b1 = await asset('MAP-B1', bergen.id);
    const b2 = await asset('MAP-B2', bergen.id);
    const o1 = await asset('MAP-O1', oslo.id);
    await r.alerts.raise({ assetId: b1.id, failureMode: 'bearing_wear', severity: 'medium', evidence, modelVersion: 'v1', at: 1, reason: 'r' });
    await r.alerts.raise({ assetId: b1.id, failureMode: 'seal_leak', severity: 'high', evidence, modelVersion: 'v1', at: 1, reason: 'r' });
    await r.devices.create({ assetId: b2.id, name: 'gw-b2' });
    await r.devices.create({ assetId: o1.id, name: 'gw-o1' });

    const res = await get(`/fleet/sites?customerId=${customer.id}`);
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.items.map((s: { name: string }) => [s.name, s]));
    expect(Object.keys(byName)).toEqual(['Bergen', 'Oslo', 'Tromsø (planned)']);
    expect(byName.Bergen).toMatchObject({
      id: bergen.id,
      location: { lat: 60.39, lon: 5.32 },
      customer: { name: 'Fjord Dairy' },
      status: 'alert',
      assets: 2,
      online: 0,
      offline: 1,
      withoutDevice: 1,
      withActiveAlerts: 1,
      activeAlerts: 2,
      worstSeverity: 'high',
    });
    // A device that never connected is offline, which is what the map must show for Oslo.
    expect(byName.Oslo).toMatchObject({ status: 'offline', assets: 1, offline: 1, activeAlerts: 0, worstSeverity: null });
    expect(byName['Tromsø (planned)']).toMatchObject({ id: empty.id, status: 'empty', assets: 0, location: null });
  });

  it('refuses an ill-formed customer id with the field named', async () => {
    const res = await get('/fleet/sites?customerId=nope');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('customerId');
  });
});
