import type { Repositories } from '@hourmeter/db';
import { roleKeyIssuer, sqliteTarget, useDbTarget } from '@hourmeter/db/testing';
import { routeHarness, type RouteHarness } from '@hourmeter/http/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partsRoutes } from './routes.js';
import { createPartsService } from './service.js';

const store = useDbTarget(sqliteTarget())!;
let repos: Repositories;
let harness: RouteHarness;

beforeAll(async () => {
  repos = store.repos;
  const parts = createPartsService({ repos, logger: pino({ level: 'silent' }) });
  harness = await routeHarness({ auth: repos.apiKeys, issueKey: roleKeyIssuer(repos), register: (api) => partsRoutes(api, { parts, repos }), as: 'planner' });
});

afterAll(() => harness?.close());

const call: RouteHarness['call'] = (...args) => harness.call(...args);
const expectProblem: RouteHarness['expectProblem'] = (...args) => harness.expectProblem(...args);

describe('parts routes: roles', () => {
  it('answers 401 without a key and 403 to every role a route does not declare', async () => {
    expect(await harness.expectRoleMatrix()).toBeGreaterThanOrEqual(10);
  });
});

let seq = 0;
/** Central (Kassel) -> regional North (Hamburg) and South (Munich) -> a station under each; a fridge at a site near Hamburg. */
async function world() {
  seq++;
  const customer = await repos.customers.create({ name: 'Fresh Foods', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
  const site = await repos.sites.create({ customerId: customer.id, name: 'Store', timezone: 'UTC', location: { lat: 53.6, lon: 9.95 + 20 * seq } });
  const fridge = await repos.assetModels.create({ code: `FRIDGE-${seq}`, name: 'Fridge', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
  const oven = await repos.assetModels.create({ code: `OVEN-${seq}`, name: 'Oven', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
  const asset = await repos.assets.create({ serialNumber: `F-${seq}`, assetModelId: fridge.id, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' });
  const mk = async (body: object) => {
    const res = await call('POST', '/parts', { body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };
  const cost = { amountMinor: 80_00, currency: 'EUR' };
  const compressor = await mk({ partNumber: `CMP-${seq}10`, description: 'Compressor', unitCost: cost, fitsAssetModelIds: [fridge.id] });
  const thermostat = await mk({ partNumber: `TST-${seq}10`, description: 'Thermostat', unitCost: cost, fitsAssetModelIds: [fridge.id] });
  const element = await mk({ partNumber: `CMP-${seq}11`, description: 'Heating element', unitCost: cost, fitsAssetModelIds: [oven.id] });
  const wh = async (code: string, level: string, lat: number, lon0: number, parentId?: string) => {
    // Each world sits 20 degrees east of the previous one, so worlds do not share stations.
    const lon = lon0 + 20 * seq;
    const res = await call('POST', '/warehouses', { body: { code: `${code}-${seq}`, name: code, level, location: { lat, lon }, ...(parentId ? { parentId } : {}) } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const central = await wh('KASSEL', 'central', 51.31, 9.48);
  const north = await wh('HAMBURG-R', 'regional', 53.55, 10.0, central);
  const south = await wh('MUNICH-R', 'regional', 48.14, 11.58, central);
  const stationNorth = await wh('ALTONA', 'station', 53.55, 9.93, north);
  const stationSouth = await wh('SCHWABING', 'station', 48.16, 11.58, south);
  const wo = await repos.workOrders.create({ kind: 'corrective', assetId: asset.id, failureMode: 'not_cooling' }, { actor: 't', now: Date.now(), repeatWindowMs: 0 });
  const receive = async (warehouseId: string, partId: string, quantity: number) =>
    expect((await call('POST', '/stock/movements', { body: { warehouseId, partId, kind: 'receipt', quantity } })).status).toBe(201);
  return { asset, fridge, oven, compressor, thermostat, element, central, north, south, stationNorth, stationSouth, wo, receive };
}

describe('spare parts over HTTP', () => {
  it('rejects a part number with a wrong letter, suggesting the closest numbers that fit', async () => {
    const w = await world();
    const wrong = w.compressor.partNumber.replace('CMP', 'CPM');
    const res = await call('POST', `/work-orders/${w.wo.id}/parts`, { body: { partNumber: wrong, quantity: 1 } });
    expectProblem(res, 422, 'REFERENCE_NOT_FOUND');
    expect(res.body.detail).toContain(`closest first: ${w.compressor.partNumber}`);
    // The oven part is one letter away too, but does not fit the fridge: not suggested.
    expect(res.body.detail).not.toContain(w.element.partNumber);
    expect((await call('GET', `/work-orders/${w.wo.id}/parts`)).body.items).toEqual([]);
  });

  it('rejects a part for the wrong model at request time, with fitting suggestions', async () => {
    const w = await world();
    const res = await call('POST', `/work-orders/${w.wo.id}/parts`, { body: { partNumber: w.element.partNumber } });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.detail).toContain(`does not fit asset model ${w.fridge.id}`);
    expect(res.body.detail).toContain(w.compressor.partNumber);
    const check = (await call('GET', `/parts/fit-check?assetId=${w.asset.id}&partNumber=${w.element.partNumber.toLowerCase()}`, { as: 'engineer' })).body;
    expect(check).toMatchObject({ fits: false, suggestions: [w.compressor.partNumber] });
  });

  it('reserves from the nearest station with stock, else transfers from the level above', async () => {
    const w = await world();
    await w.receive(w.stationSouth, w.compressor.id, 1);
    await w.receive(w.north, w.thermostat.id, 5);
    await w.receive(w.stationNorth, w.compressor.id, 1);
    const direct = await call('POST', `/work-orders/${w.wo.id}/parts`, { body: { partNumber: w.compressor.partNumber } });
    expect(direct.status, JSON.stringify(direct.body)).toBe(201);
    expect(direct.body).toMatchObject({ state: 'reserved', sourcing: 'direct', warehouseId: w.stationNorth, servedFromStock: true });
    // Next compressor: the northern station is empty, the southern one has it.
    expect((await call('POST', `/work-orders/${w.wo.id}/parts`, { body: { partNumber: w.compressor.partNumber } })).body).toMatchObject({ sourcing: 'direct', warehouseId: w.stationSouth });
    // Thermostats only at the northern regional centre: transfer to the nearest station.
    const transfer = (await call('POST', `/work-orders/${w.wo.id}/parts`, { body: { partNumber: w.thermostat.partNumber, quantity: 2 } })).body;
    expect(transfer).toMatchObject({ state: 'in_transfer', sourcing: 'transfer', warehouseId: w.stationNorth });
    const t = (await call('GET', `/transfers?toWarehouseId=${w.stationNorth}`)).body.items[0];
    expect(t).toMatchObject({ fromWarehouseId: w.north, state: 'requested', quantity: 2 });
    expect((await call('POST', `/transfers/${t.id}/ship`)).body.state).toBe('shipped');
    expect((await call('POST', `/transfers/${t.id}/receive`)).body.state).toBe('received');
    expect((await call('GET', `/stock?warehouseId=${w.stationNorth}&partId=${w.thermostat.id}`)).body.items[0]).toMatchObject({ onHand: 2, reserved: 2 });
    // Nothing anywhere: backordered (a stock-out).
    const none = (await call('POST', `/work-orders/${w.wo.id}/parts`, { body: { partNumber: w.compressor.partNumber } })).body;
    expect(none).toMatchObject({ state: 'backordered', sourcing: 'backorder' });
  });

  it('refuses to reserve more than stock with 409 and leaves stock unchanged', async () => {
    const w = await world();
    await w.receive(w.central, w.compressor.id, 3);
    const res = await call('POST', '/stock/movements', { body: { warehouseId: w.central, partId: w.compressor.id, kind: 'reservation', quantity: 4 } });
    expectProblem(res, 409, 'CONFLICT');
    expect(res.body.detail).toContain('3 available');
    expect((await call('GET', `/stock?warehouseId=${w.central}&partId=${w.compressor.id}`)).body.items[0]).toMatchObject({ onHand: 3, reserved: 0 });
    expectProblem(await call('POST', '/stock/movements', { as: 'engineer', body: { warehouseId: w.central, partId: w.compressor.id, kind: 'receipt', quantity: 1 } }), 403, 'FORBIDDEN');
  });

  it('serves 20 concurrent reservation requests for 10 units: exactly 10 succeed', async () => {
    const w = await world();
    await w.receive(w.stationNorth, w.compressor.id, 10);
    const results = await Promise.all(Array.from({ length: 20 }, () => call('POST', `/work-orders/${w.wo.id}/parts`, { body: { partNumber: w.compressor.partNumber } })));
    const direct = results.filter((r) => r.body.sourcing === 'direct');
    expect(direct).toHaveLength(10);
    expect(results.filter((r) => r.status === 201)).toHaveLength(20); // the other 10 are backordered, never negative stock
    expect((await call('GET', `/stock?warehouseId=${w.stationNorth}&partId=${w.compressor.id}`)).body.items[0]).toMatchObject({ onHand: 10, reserved: 10, available: 0 });
  });

  it('raises replenishment suggestions at the reorder point', async () => {
    const w = await world();
    await w.receive(w.stationNorth, w.thermostat.id, 2);
    expect((await call('PUT', '/stock/reorder-points', { body: { warehouseId: w.stationNorth, partId: w.thermostat.id, reorderPoint: 2, reorderQuantity: 5 } })).status).toBe(200);
    const s = (await call('GET', '/stock/replenishment', { as: 'account-manager' })).body.items.filter((i: { warehouseId: string }) => i.warehouseId === w.stationNorth);
    expect(s).toEqual([{ warehouseId: w.stationNorth, partId: w.thermostat.id, available: 2, reorderPoint: 2, suggestedQuantity: 5, sourceWarehouseId: w.north }]);
  });

  it('validates the warehouse hierarchy and part catalogue', async () => {
    const w = await world();
    expectProblem(await call('POST', '/warehouses', { body: { code: `BAD-${seq}`, name: 'x', level: 'station', location: { lat: 1, lon: 1 } } }), 400, 'VALIDATION_FAILED');
    expectProblem(await call('POST', '/parts', { body: { partNumber: w.compressor.partNumber, description: 'dup', unitCost: { amountMinor: 1, currency: 'EUR' } } }), 409, 'CONFLICT');
    expectProblem(await call('POST', '/parts', { body: { partNumber: 'bad number', description: 'x', unitCost: { amountMinor: 1, currency: 'EUR' } } }), 400, 'VALIDATION_FAILED');
    expect((await call('GET', `/parts?assetModelId=${w.oven.id}`, { as: 'engineer' })).body.items.map((p: { id: string }) => p.id)).toEqual([w.element.id]);
  });
});
