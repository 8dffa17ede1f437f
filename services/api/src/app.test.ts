import { beforeAll, describe, expect, it } from 'vitest';
import { useEmbeddedApi } from './testing/embedded-api.js';

const api = useEmbeddedApi({ deviceConnection: { mqttPort: 18830 } });
const keys: Record<string, string> = {};

beforeAll(async () => {
  keys.admin = (await api.repos.apiKeys.bootstrapAdmin(undefined))!.key;
  for (const role of ['engineer', 'planner', 'account-manager'] as const) {
    keys[role] = (await api.repos.apiKeys.create({ name: role, role })).key;
  }
});

type Role = 'admin' | 'engineer' | 'planner' | 'account-manager';
async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, opts: { as?: Role | null; body?: unknown } = {}) {
  const as = opts.as === undefined ? 'admin' : opts.as;
  const res = await api.app.inject({
    method,
    url,
    headers: as ? { authorization: `Bearer ${keys[as]}` } : {},
    ...(opts.body === undefined ? {} : { payload: opts.body as object }),
  });
  return { status: res.statusCode, body: res.body ? res.json() : undefined, headers: res.headers };
}

function expectProblem(res: Awaited<ReturnType<typeof call>>, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.body.code).toBe(code);
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
}

let seq = 0;
async function registry() {
  seq++;
  const customer = (await call('POST', '/api/v1/customers', { as: 'account-manager', body: { name: `Cust ${seq}`, currency: 'EUR' } })).body;
  const site = (await call('POST', '/api/v1/sites', { as: 'planner', body: { customerId: customer.id, name: 'Plant' } })).body;
  const model = (await call('POST', '/api/v1/asset-models', { as: 'engineer', body: { code: `CMP-${seq}`, name: 'Air compressor' } })).body;
  const batch = (
    await call('POST', '/api/v1/production-batches', {
      as: 'engineer',
      body: { assetModelId: model.id, code: 'B1', producedOn: '2026-01-02', unitCount: 10, qualityReserve: { amountMinor: 100_000, currency: 'EUR' } },
    })
  ).body;
  const asset = (
    await call('POST', '/api/v1/assets', {
      as: 'planner',
      body: { serialNumber: `SN-${seq}`, assetModelId: model.id, productionBatchId: batch.id, siteId: site.id, commissionedOn: '2026-02-01' },
    })
  ).body;
  return { customer, site, model, batch, asset };
}

describe('health and docs', () => {
  it('reports each component without auth', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', components: { database: { status: 'up' } } });
  });

  it('serves the OpenAPI document listing the registry routes', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of ['/api/v1/customers', '/api/v1/assets/{id}', '/api/v1/devices/{id}/revoke', '/api/v1/api-keys']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect((await api.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });
});

describe('authentication and roles', () => {
  it('refuses a missing, malformed or unknown key with 401', async () => {
    expectProblem(await call('GET', '/api/v1/customers', { as: null }), 401, 'UNAUTHENTICATED');
    const malformed = await api.app.inject({ method: 'GET', url: '/api/v1/customers', headers: { authorization: 'Basic abc' } });
    expect(malformed.statusCode).toBe(401);
    const unknown = await api.app.inject({ method: 'GET', url: '/api/v1/customers', headers: { authorization: 'Bearer hm_nope' } });
    expect(unknown.json().code).toBe('UNAUTHENTICATED');
  });

  it('refuses a role without the right with 403 and lets every role read', async () => {
    expectProblem(await call('POST', '/api/v1/customers', { as: 'engineer', body: { name: 'X', currency: 'EUR' } }), 403, 'FORBIDDEN');
    expectProblem(await call('POST', '/api/v1/asset-models', { as: 'planner', body: { code: 'X', name: 'X' } }), 403, 'FORBIDDEN');
    expectProblem(await call('GET', '/api/v1/api-keys', { as: 'planner' }), 403, 'FORBIDDEN');
    for (const role of ['engineer', 'planner', 'account-manager'] as const) {
      expect((await call('GET', '/api/v1/assets', { as: role })).status).toBe(200);
    }
  });

  it('sets the repeat-failure window per asset model', async () => {
    const created = await call('POST', '/api/v1/asset-models', { as: 'engineer', body: { code: 'RPT-WIN', name: 'Chiller', repeatWindowDays: 14 } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.repeatWindowDays).toBe(14);
    expect((await call('PATCH', `/api/v1/asset-models/${created.body.id}`, { as: 'engineer', body: { repeatWindowDays: 60 } })).body.repeatWindowDays).toBe(60);
    expect((await call('GET', `/api/v1/asset-models/${created.body.id}`, { as: 'planner' })).body.repeatWindowDays).toBe(60);
    expectProblem(await call('POST', '/api/v1/asset-models', { as: 'engineer', body: { code: 'RPT-BAD', name: 'X', repeatWindowDays: 0 } }), 400, 'VALIDATION_FAILED');
  });

  it('tells each key its own role at /me', async () => {
    for (const role of ['admin', 'engineer', 'planner', 'account-manager'] as const) {
      expect((await call('GET', '/api/v1/me', { as: role })).body).toMatchObject({ role });
    }
    expectProblem(await call('GET', '/api/v1/me', { as: null }), 401, 'UNAUTHENTICATED');
  });

  it('creates keys shown once, then refuses a revoked key', async () => {
    const created = await call('POST', '/api/v1/api-keys', { body: { name: 'ci bot', role: 'engineer' } });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    const ok = await api.app.inject({ method: 'GET', url: '/api/v1/assets', headers: { authorization: `Bearer ${key}` } });
    expect(ok.statusCode).toBe(200);
    const list = await call('GET', '/api/v1/api-keys');
    expect(JSON.stringify(list.body)).not.toContain(key);
    expect((await call('POST', `/api/v1/api-keys/${created.body.apiKey.id}/revoke`)).body.revokedAt).toBeGreaterThan(0);
    const after = await api.app.inject({ method: 'GET', url: '/api/v1/assets', headers: { authorization: `Bearer ${key}` } });
    expect(after.statusCode).toBe(401);
    expectProblem(await call('POST', '/api/v1/api-keys', { body: { name: 'x', role: 'superuser' } }), 400, 'VALIDATION_FAILED');
  });
});

describe('registry CRUD', () => {
  it('creates, reads, lists, updates and deletes each entity', async () => {
    const { customer, site, model, batch, asset } = await registry();
    expect(customer.id).toMatch(/^cus_/);
    expect(asset.warrantyEndsOn).toBe('2028-02-01');
    for (const [path, entity] of [
      ['customers', customer],
      ['sites', site],
      ['asset-models', model],
      ['production-batches', batch],
      ['assets', asset],
    ] as const) {
      const got = await call('GET', `/api/v1/${path}/${entity.id}`, { as: 'engineer' });
      expect(got.status).toBe(200);
      expect(got.body).toEqual(entity);
    }
    const patched = await call('PATCH', `/api/v1/customers/${customer.id}`, {
      as: 'account-manager',
      body: { value: { annualRevenueMinor: 5_000_000 } },
    });
    // No invoice has fallen due: the computed on-time payment rate is 1.
    expect(patched.body.value).toMatchObject({ annualRevenueMinor: 5_000_000, onTimePaymentRate: 1 });
    // The rate is computed from payments, never typed in.
    const typed = await call('PATCH', `/api/v1/customers/${customer.id}`, { as: 'account-manager', body: { value: { onTimePaymentRate: 0.8 } } });
    expect(typed.status).toBe(400);
    expect(JSON.stringify(typed.body)).toMatch(/onTimePaymentRate.*computed from the customer’s payments|computed from the customer’s payments.*onTimePaymentRate/);
    expect(patched.body.name).toBe(customer.name);

    // PATCH leaves unsent fields alone even where the schema has defaults.
    const renamedModel = await call('PATCH', `/api/v1/asset-models/${model.id}`, { as: 'engineer', body: { name: 'Screw compressor' } });
    expect(renamedModel.body).toMatchObject({ name: 'Screw compressor', leadTimeHours: model.leadTimeHours, runningRule: model.runningRule });

    const listed = await call('GET', `/api/v1/assets?siteId=${site.id}`);
    expect(listed.body.items.map((a: { id: string }) => a.id)).toEqual([asset.id]);
    expect(listed.body.nextCursor).toBeNull();

    expect((await call('DELETE', `/api/v1/assets/${asset.id}`, { as: 'planner' })).status).toBe(204);
    expectProblem(await call('GET', `/api/v1/assets/${asset.id}`), 404, 'NOT_FOUND');
  });

  it('paginates with a cursor', async () => {
    const { model, site, asset } = await registry();
    const ids: string[] = [asset.id];
    for (let i = 0; i < 5; i++) {
      const res = await call('POST', '/api/v1/assets', {
        as: 'planner',
        body: { serialNumber: `PG-${i}`, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-02-01' },
      });
      ids.push(res.body.id);
    }
    const first = await call('GET', `/api/v1/assets?assetModelId=${model.id}&limit=2`);
    const second = await call('GET', `/api/v1/assets?assetModelId=${model.id}&limit=2&cursor=${first.body.nextCursor}`);
    const third = await call('GET', `/api/v1/assets?assetModelId=${model.id}&limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body.items).toHaveLength(2);
    expect([...first.body.items, ...second.body.items, ...third.body.items].map((a: { id: string }) => a.id)).toEqual(ids);
    expect(third.body.nextCursor).toBeNull();
    expectProblem(await call('GET', '/api/v1/assets?limit=0'), 400, 'VALIDATION_FAILED');
  });

  it('gives precise problems for invalid bodies, duplicates, unknown ids and references', async () => {
    const { model, site, asset, customer } = await registry();
    const invalid = await call('POST', '/api/v1/customers', { body: { name: '', currency: 'euro' } });
    expectProblem(invalid, 400, 'VALIDATION_FAILED');
    expect(invalid.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.currency', 'body.name']);

    const dup = await call('POST', '/api/v1/assets', {
      body: { serialNumber: asset.serialNumber, assetModelId: model.id, siteId: site.id, commissionedOn: '2026-02-01' },
    });
    expectProblem(dup, 409, 'CONFLICT');

    const missing = await call('POST', '/api/v1/devices', { body: { assetId: 'ast_01JAAAAAAAAAAAAAAAAAAAAAAA' } });
    expectProblem(missing, 422, 'REFERENCE_NOT_FOUND');
    expect(missing.body.detail).toContain('assetId');

    expectProblem(await call('GET', '/api/v1/sites/sit_01JAAAAAAAAAAAAAAAAAAAAAAA'), 404, 'NOT_FOUND');
    expectProblem(await call('DELETE', `/api/v1/customers/${customer.id}`), 409, 'IN_USE');
    expectProblem(await call('GET', '/api/v1/nothing-here'), 404, 'NOT_FOUND');

    const badJson = await api.app.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: { authorization: `Bearer ${keys.admin}`, 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.headers['content-type']).toContain('application/problem+json');
  });
});

describe('devices', () => {
  it('returns credentials once, stores the secret hashed, rotates and revokes', async () => {
    const { asset } = await registry();
    const created = await call('POST', '/api/v1/devices', { as: 'engineer', body: { assetId: asset.id, name: 'edge gateway' } });
    expect(created.status).toBe(201);
    const { device, credentials } = created.body;
    expect(credentials.username).toBe(device.id);
    expect(credentials.password.length).toBeGreaterThanOrEqual(40);
    const read = await call('GET', `/api/v1/devices/${device.id}`);
    expect(JSON.stringify(read.body)).not.toContain(credentials.password);
    expect((await api.repos.devices.findForAuth(device.id))?.secretHash).not.toContain(credentials.password);

    const rotated = await call('POST', `/api/v1/devices/${device.id}/rotate-secret`, { as: 'planner' });
    expect(rotated.body.credentials.password).not.toBe(credentials.password);

    expectProblem(await call('POST', `/api/v1/devices/${device.id}/revoke`, { as: 'account-manager' }), 403, 'FORBIDDEN');
    const revoked = await call('POST', `/api/v1/devices/${device.id}/revoke`, { as: 'engineer' });
    expect(revoked.body.status).toBe('revoked');
    expectProblem(await call('POST', `/api/v1/devices/${device.id}/rotate-secret`), 409, 'ILLEGAL_TRANSITION');
    const byAsset = await call('GET', `/api/v1/devices?assetId=${asset.id}&status=revoked`);
    expect(byAsset.body.items.map((d: { id: string }) => d.id)).toEqual([device.id]);
  });
});

describe('device connection example and people', () => {
  it('tells writers of devices where devices connect and which topic they publish on', async () => {
    const res = await call('GET', '/api/v1/devices/connection', { as: 'engineer' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ mqttUrl: null, mqttPort: 18830, telemetryTopic: 'hm/v1/{deviceId}/telemetry' });
    expectProblem(await call('GET', '/api/v1/devices/connection', { as: 'account-manager' }), 403, 'FORBIDDEN');
  });

  it('lists the names and roles of active people to every role, without e-mail addresses', async () => {
    const on = await api.repos.users.create({ name: 'Ada Active', email: 'ada.people@example.com', role: 'engineer', passwordHash: 'x' });
    const off = await api.repos.users.create({ name: 'Otto Off', email: 'otto.people@example.com', role: 'planner', passwordHash: 'x' });
    await api.repos.users.update(off.id, { disabled: true });
    const res = await call('GET', '/api/v1/people', { as: 'account-manager' });
    expect(res.status).toBe(200);
    expect(res.body.items).toContainEqual({ id: on.id, name: 'Ada Active', role: 'engineer' });
    expect(res.body.items.map((p: { id: string }) => p.id)).not.toContain(off.id);
    expect(JSON.stringify(res.body)).not.toContain('@example.com');
    expectProblem(await call('GET', '/api/v1/people', { as: null }), 401, 'UNAUTHENTICATED');
  });
});

describe('telemetry and operating hours', () => {
  const H = 3_600_000;
  const T0 = Date.UTC(2026, 7, 3);

  async function assetWithReadings() {
    const { asset } = await registry();
    const readings = [];
    // Running 06:00-18:00 with a reading every 10 minutes, temperature ramping up.
    for (let t = T0; t < T0 + 24 * H; t += 600_000) {
      readings.push({ assetId: asset.id, deviceId: 'dev_test', ts: t, metrics: { running: t >= T0 + 6 * H && t < T0 + 18 * H, temp_c: (t - T0) / H } });
    }
    await api.store.writeBatch(readings);
    await api.hourMeter.onStored(readings);
    await api.hourMeter.flush();
    return { asset, readings };
  }

  it('returns raw and bucketed series and the latest values', async () => {
    const { asset, readings } = await assetWithReadings();
    const raw = await call('GET', `/api/v1/assets/${asset.id}/telemetry?metrics=temp_c&from=${T0}&to=${new Date(T0 + H).toISOString()}`);
    expect(raw.status).toBe(200);
    expect(raw.body.series[0].points).toEqual(readings.slice(0, 6).map((r) => [r.ts, r.metrics.temp_c]));

    const hourly = await call('GET', `/api/v1/assets/${asset.id}/telemetry?metrics=temp_c,running&from=${T0}&to=${T0 + 24 * H}&step=1h&agg=max`);
    const temp = hourly.body.series.find((s: { metric: string }) => s.metric === 'temp_c');
    expect(temp.points).toHaveLength(24);
    // The max of hour h is the reading at h:50.
    expect(temp.points[5]).toEqual([T0 + 5 * H, 5 + 50 / 60]);
    const running = hourly.body.series.find((s: { metric: string }) => s.metric === 'running');
    expect(running.points.filter((p: [number, number]) => p[1] === 1)).toHaveLength(12);

    const latest = await call('GET', `/api/v1/assets/${asset.id}/telemetry/latest?metrics=temp_c`);
    expect(latest.body.values).toEqual([{ metric: 'temp_c', ts: readings.at(-1)!.ts, value: readings.at(-1)!.metrics.temp_c }]);
  });

  it('rejects bad telemetry queries precisely', async () => {
    const { asset } = await registry();
    expectProblem(await call('GET', `/api/v1/assets/${asset.id}/telemetry?metrics=Bad Name`), 400, 'VALIDATION_FAILED');
    expectProblem(await call('GET', `/api/v1/assets/${asset.id}/telemetry?metrics=t&from=yesterday`), 400, 'VALIDATION_FAILED');
    expectProblem(await call('GET', `/api/v1/assets/${asset.id}/telemetry?metrics=t&step=5x`), 400, 'VALIDATION_FAILED');
    expectProblem(await call('GET', `/api/v1/assets/${asset.id}/telemetry?metrics=t&from=0&to=${T0}`), 400, 'VALIDATION_FAILED');
    expectProblem(await call('GET', `/api/v1/assets/${asset.id}/telemetry?metrics=t&from=${T0}&to=${T0 - 1}&step=1h`), 400, 'VALIDATION_FAILED');
    expectProblem(await call('GET', '/api/v1/assets/ast_01JAAAAAAAAAAAAAAAAAAAAAAA/telemetry?metrics=t'), 404, 'NOT_FOUND');
  });

  it('shows daily operating hours, the lifetime reading and the audit trail', async () => {
    const { asset } = await assetWithReadings();
    const hours = await call('GET', `/api/v1/assets/${asset.id}/operating-hours?from=2026-08-01&to=2026-08-05`, { as: 'account-manager' });
    expect(hours.status).toBe(200);
    expect(hours.body.days.map((d: { day: string; hours: number }) => [d.day, d.hours])).toEqual([['2026-08-03', 12]]);
    expect(hours.body.lifetimeHours).toBe(12);
    expect(hours.body.periodHours).toBe(12);

    const audit = await call('GET', `/api/v1/assets/${asset.id}/operating-hours/2026-08-03`);
    expect(audit.body.versions).toHaveLength(1);
    expect(audit.body.settings.rule).toEqual({ kind: 'boolean', metric: 'running' });
    expect(audit.body.readings.points.filter((p: [number, number]) => p[1] === 1)).toHaveLength(72);

    expectProblem(await call('POST', `/api/v1/assets/${asset.id}/operating-hours/recompute`, { as: 'planner', body: { from: '2026-08-03', to: '2026-08-03' } }), 403, 'FORBIDDEN');
    const again = await call('POST', `/api/v1/assets/${asset.id}/operating-hours/recompute`, { as: 'engineer', body: { from: '2026-08-03', to: '2026-08-03' } });
    expect(again.body.days[0].version).toBe(1);
    expectProblem(await call('GET', `/api/v1/assets/${asset.id}/operating-hours?from=2026-08-05&to=2026-08-01`), 400, 'VALIDATION_FAILED');
    expectProblem(await call('GET', `/api/v1/assets/${asset.id}/operating-hours/2026-01-01`), 404, 'NOT_FOUND');
  });

  it('reports device status and counters for a known device only', async () => {
    const { asset } = await registry();
    const { device } = (await call('POST', '/api/v1/devices', { body: { assetId: asset.id } })).body;
    expect((await call('GET', `/api/v1/devices/${device.id}/status`)).body).toMatchObject({ online: false, lastSeenAt: null });
    expect((await call('GET', `/api/v1/devices/${device.id}/ingest`)).body).toEqual({
      deviceId: device.id,
      accepted: 0,
      duplicates: 0,
      rejected: {},
      refused: 0,
      deadLettered: 0,
      lastAcceptedAt: null,
    });
    expectProblem(await call('GET', '/api/v1/devices/dev_01JAAAAAAAAAAAAAAAAAAAAAAA/status'), 404, 'NOT_FOUND');
  });
});
