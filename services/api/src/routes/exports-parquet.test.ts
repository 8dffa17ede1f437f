import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createInfluxTelemetryStore, type TelemetryStore } from '@hourmeter/telemetry-store';
import { suiteTitle, tempDir } from '@hourmeter/testkit';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { useEmbeddedApi } from '../testing/embedded-api.js';
import { EXPORT_WINDOW_MS } from './exports.js';

const T0 = Date.UTC(2026, 2, 1);
const MIN = 60_000;
const influxUrl = inject('influxUrl');

/** A fresh InfluxDB 1.x database on the test run's influxd. */
async function influxStore(): Promise<TelemetryStore> {
  const database = `hm_${randomBytes(6).toString('hex')}`;
  const res = await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE ${database}` }) });
  if (!res.ok) throw new Error(`CREATE DATABASE: ${res.status}`);
  return createInfluxTelemetryStore({ url: influxUrl, version: 1, database });
}

const engines = [
  { name: 'DuckDB file', store: undefined, skip: false },
  { name: 'InfluxDB 1.x', store: influxStore, skip: !influxUrl },
];

/**
 * The Parquet export on both telemetry engines: what was written to the store
 * is downloaded over HTTP as Parquet and read back with DuckDB's read_parquet.
 */
describe.each(engines)('GET /exports/telemetry.parquet on $name', ({ name, store, skip }) => {
  describe.skipIf(skip)(suiteTitle(name, skip, 'install Debian package `influxdb`'), () => {
    const api = useEmbeddedApi(store ? { telemetryStore: store } : {});
    const dir = tempDir();
    let key = '';
    let base = '';
    const ids = { model: '', a: '', b: '', c: '' };
    /** What was written, as the export's rows: serial, asset id, ts, running, temp. */
    const written: [string, string, number, number | null, number | null][] = [];

    beforeAll(async () => {
      key = (await api.repos.apiKeys.create({ name: 'engineer', role: 'engineer' })).key;
      const customer = await api.repos.customers.create({ name: 'Acme', currency: 'EUR', value: { annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'medium', influence: 0 } });
      const site = await api.repos.sites.create({ customerId: customer.id, name: 'Plant', timezone: 'UTC' });
      const model = (code: string) => api.repos.assetModels.create({ code, name: 'Pump', runningRule: { kind: 'boolean', metric: 'running' }, maxGapSeconds: 900, warrantyMonths: 24, leadTimeHours: 72 });
      ids.model = (await model('PQ-1')).id;
      const other = (await model('PQ-2')).id;
      const asset = async (serialNumber: string, assetModelId: string) => (await api.repos.assets.create({ serialNumber, assetModelId, siteId: site.id, commissionedOn: '2026-01-01', status: 'active' })).id;
      ids.a = await asset('PQ-A', ids.model);
      ids.b = await asset('PQ-B', ids.model);
      ids.c = await asset('PQ-C', other);
      // A: a day and a half, one reading a minute, crossing export windows. B: temp only, on window boundaries. C: another model.
      const a = Array.from({ length: 36 * 60 }, (_, i) => ({ assetId: ids.a, deviceId: 'dev_a', ts: T0 + i * MIN, metrics: { temp: 20 + i / 8, running: i % 3 === 0 ? 0 : 1 } }));
      for (let i = 0; i < a.length; i += 1000) await api.store.writeBatch(a.slice(i, i + 1000));
      const b = [0, 1, 2].map((i) => ({ assetId: ids.b, deviceId: 'dev_b', ts: T0 + i * EXPORT_WINDOW_MS, metrics: { temp: -i - 0.5 } }));
      await api.store.writeBatch(b);
      await api.store.writeBatch([{ assetId: ids.c, deviceId: 'dev_c', ts: T0, metrics: { temp: 99 } }]);
      for (const r of a) written.push(['PQ-A', ids.a, r.ts, r.metrics.running, r.metrics.temp]);
      for (const r of b) written.push(['PQ-B', ids.b, r.ts, null, r.metrics.temp]);
      await api.app.listen({ host: '127.0.0.1', port: 0 });
      base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}/api/v1`;
    });

    /** Downloads an export and reads it back with DuckDB. */
    async function readBack(query: string, columns = 'asset_serial_number, asset_id, ts, running, temp') {
      const res = await fetch(`${base}/exports/telemetry.parquet?${query}`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="telemetry-.*\.parquet"$/);
      const file = join(dir.path, `${randomBytes(4).toString('hex')}.parquet`);
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      try {
        const schema = (await (await conn.run(`SELECT name, type FROM parquet_schema('${file}') WHERE num_children IS NULL`)).getRowObjectsJS()) as { name: string; type: string }[];
        const rows = (await (await conn.run(`SELECT ${columns} FROM read_parquet('${file}')`)).getRowsJS()).map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
        const times = (await (await conn.run(`SELECT count(*) FILTER (WHERE epoch_ms(time) <> ts) AS wrong FROM read_parquet('${file}')`)).getRowObjectsJS()) as { wrong: bigint }[];
        return { schema, rows, wrongTimes: Number(times[0]!.wrong) };
      } finally {
        conn.closeSync();
        db.closeSync();
      }
    }

    it('has every reading of the model\'s assets in the range, once, with nulls where a metric is missing', async () => {
      const out = await readBack(`assetModelId=${ids.model}&from=${T0}&to=${T0 + 2 * 86_400_000}`);
      expect(out.schema.map((c) => c.name)).toEqual(['asset_serial_number', 'asset_id', 'time', 'ts', 'running', 'temp']);
      expect(out.schema.map((c) => c.type)).toEqual(['BYTE_ARRAY', 'BYTE_ARRAY', 'INT64', 'INT64', 'DOUBLE', 'DOUBLE']);
      expect(out.wrongTimes).toBe(0);
      const sort = (rows: unknown[][]) => [...rows].sort((x, y) => String(x[0]).localeCompare(String(y[0])) || (x[2] as number) - (y[2] as number));
      expect(sort(out.rows)).toEqual(sort(written));
      expect(out.rows.some((r) => r[1] === ids.c)).toBe(false);
    });

    it('exports one asset and the metrics asked for, within [from, to)', async () => {
      const out = await readBack(`assetId=${ids.a}&metrics=temp&from=${new Date(T0 + 10 * MIN).toISOString()}&to=${T0 + 20 * MIN}`, 'ts, temp');
      expect(out.schema.map((c) => c.name)).toEqual(['asset_serial_number', 'asset_id', 'time', 'ts', 'temp']);
      expect(out.rows).toEqual(written.filter((r) => r[1] === ids.a && r[2] >= T0 + 10 * MIN && r[2] < T0 + 20 * MIN).map((r) => [r[2], r[4]]));
    });

    it('refuses without credentials and with a bad query, as the CSV export does', async () => {
      expect((await fetch(`${base}/exports/telemetry.parquet?assetId=${ids.a}&from=${T0}&to=${T0 + MIN}`)).status).toBe(401);
      const res = await fetch(`${base}/exports/telemetry.parquet?from=${T0}&to=${T0 + MIN}`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
    });
  });
});
