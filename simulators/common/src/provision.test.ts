import { createServer, type Server } from 'node:http';
import { createLogger } from '@hourmeter/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from './api-client.js';
import { provisionFleet, type ProvisionSpec } from './provision.js';

/**
 * A stand-in for the REST API with just the list/create semantics provisioning
 * relies on (filters, cursor pages, create, rotate-secret), recording each call.
 */
function fakeApi(key: string) {
  const tables: Record<string, Record<string, unknown>[]> = { customers: [], sites: [], 'asset-models': [], 'production-batches': [], assets: [], devices: [] };
  const calls: string[] = [];
  let seq = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const [, , , table, id, action] = url.pathname.split('/');
      calls.push(`${req.method} ${table}${action ? `/${action}` : ''}`);
      const send = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (req.headers.authorization !== `Bearer ${key}`) return send(401, { code: 'UNAUTHENTICATED' });
      const rows = tables[table!]!;
      if (req.method === 'GET') {
        const limit = Number(url.searchParams.get('limit'));
        const start = Number(url.searchParams.get('cursor') ?? 0);
        const filters = [...url.searchParams].filter(([k]) => k !== 'limit' && k !== 'cursor');
        const hits = rows.filter((r) => filters.every(([k, v]) => r[k] === v));
        const page = hits.slice(start, start + limit);
        return send(200, { items: page, nextCursor: start + limit < hits.length ? String(start + limit) : null });
      }
      if (action === 'rotate-secret') return send(200, { device: rows.find((r) => r['id'] === id), credentials: { username: id, password: `secret-${++seq}` } });
      const row = { ...(JSON.parse(body) as Record<string, unknown>), id: `${table}-${++seq}`, status: 'active' };
      rows.push(row);
      if (table === 'devices') return send(201, { device: row, credentials: { username: row.id, password: `secret-${++seq}` } });
      return send(201, row);
    });
  });
  return { server, tables, calls };
}

const spec: ProvisionSpec = {
  customer: { externalRef: 'sim-fleet', name: 'Sim', currency: 'EUR' },
  sites: ['Site 1', 'Site 2'],
  models: [
    { code: 'SIM-PUMP', name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 },
    { code: 'SIM-COMP', name: 'Compressor', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 },
  ],
  assets: Array.from({ length: 700 }, (_, i) => ({ serialNumber: `S-${i}`, modelCode: i % 2 ? 'SIM-COMP' : 'SIM-PUMP', siteIndex: i % 2, commissionedOn: '2025-01-01' })),
};

describe('provisioning through the REST API', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('creates what is missing once, and on a second run reuses every record and rotates the secrets', async () => {
    const api = fakeApi('admin-key');
    server = api.server;
    await new Promise<void>((r) => api.server.listen(0, '127.0.0.1', () => r()));
    const { port } = api.server.address() as { port: number };
    const client = new ApiClient(`http://127.0.0.1:${port}/`, 'admin-key');
    const logger = createLogger({ level: 'silent' });

    const first = await provisionFleet(client, spec, logger);
    expect(first).toHaveLength(700);
    expect(new Set(first.map((d) => d.deviceId)).size).toBe(700);
    expect(api.tables['assets']).toHaveLength(700);
    expect(api.tables['devices']).toHaveLength(700);
    expect(api.tables['production-batches']!.map((b) => b['code'])).toEqual(['SIM-PUMP-SIM', 'SIM-COMP-SIM']);

    api.calls.length = 0;
    const second = await provisionFleet(client, spec, logger);
    expect(second.map((d) => d.deviceId)).toEqual(first.map((d) => d.deviceId));
    expect(second.map((d) => d.assetId)).toEqual(first.map((d) => d.assetId));
    expect(second.every((d, i) => d.password !== first[i]!.password)).toBe(true);
    for (const t of Object.keys(api.tables)) expect(api.tables[t]!.length, t).toBe(t === 'customers' ? 1 : t === 'sites' ? 2 : t.startsWith('asset-m') || t.startsWith('prod') ? 2 : 700);
    expect(api.calls.filter((c) => c.startsWith('POST') && !c.endsWith('rotate-secret'))).toEqual([]);

    await expect(provisionFleet(new ApiClient(`http://127.0.0.1:${port}`, 'wrong'), spec, logger)).rejects.toBeInstanceOf(ApiError);
  });
});
