import type { Repositories } from '@hourmeter/db';
import { testApi } from '@hourmeter/http/testing';
import { createDuckDbTelemetryStore, type TelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir } from '@hourmeter/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telemetryRoutes } from './telemetry.js';

const ASSET = 'ast_01JAAAAAAAAAAAAAAAAAAAAAAA';
const T0 = Date.UTC(2026, 0, 31, 8, 0, 0);
const H = 3_600_000;

let app: FastifyInstance;
let store: TelemetryStore;
let dir: ReturnType<typeof tempDir>;

beforeAll(async () => {
  dir = tempDir('hm-api-telemetry-');
  // The real embedded store: it refuses what it cannot represent, as in production.
  store = await createDuckDbTelemetryStore({ dataDir: dir.path });
  await store.writeBatch([0, 1, 2].map((i) => ({ assetId: ASSET, deviceId: 'dev_1', ts: T0 + i * H, metrics: { temp: 20 + i } })));
  // Only the asset lookup of the registry is used by these routes.
  const repos = { assets: { get: async (id: string) => ({ id }) } } as unknown as Repositories;
  app = await testApi({ authenticate: async (k) => (k === 'key' ? { id: 'key', role: 'engineer' } : undefined) }, (api) =>
    telemetryRoutes(api, { repos, telemetry: store, deviceStatus: { get: () => undefined }, ingestCounters: { forDevice: () => undefined } }),
  );
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  dir?.cleanup();
});

async function get(query: string) {
  const res = await app.inject({ method: 'GET', url: `/api/v1/assets/${ASSET}/telemetry?${query}`, headers: { authorization: 'Bearer key' } });
  return { status: res.statusCode, body: res.json<Record<string, unknown> & { errors?: { path: string; message: string }[] }>() };
}

describe('GET /assets/:id/telemetry query parameters', () => {
  it('reads ISO date-times with Z or an offset as the instant they name', async () => {
    const res = await get(`metrics=temp&from=${encodeURIComponent('2026-01-31T09:00:00+01:00')}&to=2026-01-31T10:00:00.000Z`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: T0, to: T0 + 2 * H, series: [{ metric: 'temp', points: [[T0, 20], [T0 + H, 21]] }] });
  });

  it('refuses an ISO date-time without offset instead of reading it in the server time zone', async () => {
    for (const from of ['2026-01-31T08:00:00', '2026-01-31T08:00', '2026-01-31T08:00:00.250']) {
      const res = await get(`metrics=temp&from=${from}&to=${T0 + H}`);
      expect(res.status, from).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors).toEqual([{ path: 'querystring.from', message: expect.stringMatching(/needs Z or a UTC offset/) }]);
    }
  });

  it('refuses instants the telemetry stores cannot represent (before 1970, after 2262-04-11)', async () => {
    const cases = [
      ['from', '1969-12-31T23:59:59Z'],
      ['to', '2262-04-12T00:00:00Z'],
      ['to', '9223372036855'],
      ['to', '999999999999999'],
    ] as const;
    for (const [param, value] of cases) {
      const other = param === 'from' ? `to=${T0}` : `from=${T0}&step=1d`;
      const res = await get(`metrics=temp&${param}=${value}&${other}`);
      expect(res.status, `${param}=${value}`).toBe(400);
      expect(res.body.errors).toEqual([
        { path: `querystring.${param}`, message: 'must be from 1970-01-01T00:00:00.000Z to 2262-04-11T23:47:16.854Z (what the telemetry stores can hold)' },
      ]);
    }
    // The bounds themselves are fine.
    const res = await get(`metrics=temp&from=0&to=${encodeURIComponent('2262-04-11T23:47:16.854Z')}&step=3650d`);
    expect(res.status).toBe(200);
    // A `to` early in 1970 does not default `from` to before the epoch.
    expect((await get('metrics=temp&to=1000')).body).toMatchObject({ from: 0, to: 1000 });
  });

  it('refuses a step too large to be a bucket width with a 400, not a 500', async () => {
    for (const step of ['999999999d', '3651d', '87601h']) {
      const res = await get(`metrics=temp&from=${T0}&to=${T0 + 3 * H}&step=${step}`);
      expect(res.status, step).toBe(400);
      expect(res.body.errors).toEqual([{ path: 'querystring.step', message: 'must be at most 3650d' }]);
    }
    const res = await get(`metrics=temp&from=${T0}&to=${T0 + 3 * H}&step=3650d&agg=max`);
    expect(res.status).toBe(200);
    expect(res.body.series).toEqual([{ metric: 'temp', points: [[Math.floor(T0 / (3650 * 24 * H)) * 3650 * 24 * H, 22]] }]);
  });

  it('asks for a metric named twice once, and refuses agg without step instead of ignoring it', async () => {
    const twice = await get(`metrics=temp,temp&from=${T0}&to=${T0 + 3 * H}`);
    expect(twice.status).toBe(200);
    expect((twice.body.series as unknown[]).length).toBe(1);
    const res = await get(`metrics=temp&from=${T0}&to=${T0 + 3 * H}&agg=max`);
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/agg applies to buckets/);
    expect((await get(`metrics=temp&from=${T0}&to=${T0 + 3 * H}&step=1h`)).body).toMatchObject({ agg: 'mean' });
  });
});
