import { beforeAll, describe, expect, it } from 'vitest';
import { useEmbeddedApi } from '../testing/embedded-api.js';

const api = useEmbeddedApi();
let key: string;
const evidence = { signals: [{ metric: 'vibration_rms', score: 4 }], windowFrom: 1, windowTo: 2 };

beforeAll(async () => {
  // The account manager reads the fleet too: the summary is for every role.
  key = (await api.repos.apiKeys.create({ name: 'am', role: 'account-manager' })).key;
});

const get = async (url: string) => {
  const res = await api.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: { authorization: `Bearer ${key}` } });
  return { status: res.statusCode, body: res.json() };
};

describe('GET /fleet/summary', () => {
  it('sorts the whole fleet on the server, pages it, and totals every selected asset', async () => {
    const r = api.repos;
    const customer = await r.customers.create({ name: 'Dairy', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
    const site = await r.sites.create({ customerId: customer.id, name: 'Bergen', timezone: 'UTC' });
    const model = await r.assetModels.create({ code: 'FS-1', name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
    const ids: string[] = [];
    for (const sn of ['FS-003', 'FS-001', 'FS-002'])
      ids.push((await r.assets.create({ serialNumber: sn, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' })).id);
    await r.alerts.raise({ assetId: ids[2]!, failureMode: 'bearing_wear', severity: 'low', evidence, modelVersion: 'v1', at: 1, reason: 'r' });
    await r.alerts.raise({ assetId: ids[0]!, failureMode: 'bearing_wear', severity: 'critical', evidence, modelVersion: 'v1', at: 1, reason: 'r' });
    await r.devices.create({ assetId: ids[1]!, name: 'gw' });

    const first = await get(`/fleet/summary?customerId=${customer.id}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((i: { serialNumber: string }) => i.serialNumber)).toEqual(['FS-003', 'FS-002']);
    expect(first.body.items[0]).toMatchObject({ worstSeverity: 'critical', online: null, customer: { name: 'Dairy' }, site: { name: 'Bergen' }, assetModel: { code: 'FS-1' } });
    expect(first.body.nextOffset).toBe(2);
    expect(first.body.totals).toEqual({ assets: 3, online: 0, offline: 1, withoutDevice: 2, withActiveAlerts: 2, activeAlerts: 2, operatingHours: 0 });

    const rest = await get(`/fleet/summary?customerId=${customer.id}&limit=2&offset=2`);
    expect(rest.body.items.map((i: { serialNumber: string; online: boolean | null }) => [i.serialNumber, i.online])).toEqual([['FS-001', false]]);
    expect(rest.body.nextOffset).toBeNull();

    const bySerial = await get(`/fleet/summary?customerId=${customer.id}&sort=serial&order=asc`);
    expect(bySerial.body.items.map((i: { serialNumber: string }) => i.serialNumber)).toEqual(['FS-001', 'FS-002', 'FS-003']);
  });

  it('refuses a sort it does not know and a page too large, with the field named', async () => {
    for (const q of ['sort=price', 'limit=501', 'customerId=nope']) {
      const res = await get(`/fleet/summary?${q}`);
      expect(res.status, q).toBe(400);
      expect(JSON.stringify(res.body.errors), q).toContain(q.split('=')[0]);
    }
  });
});
