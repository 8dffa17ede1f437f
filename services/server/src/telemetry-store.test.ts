import { randomBytes } from 'node:crypto';
import { createLogger, loadConfig } from '@hourmeter/runtime';
import { suiteTitle } from '@hourmeter/testkit';
import { describe, expect, inject, it } from 'vitest';
import { openTelemetryStore } from './telemetry-store.js';

const influxUrl = inject('influxUrl');

async function influxQl(q: string, db?: string): Promise<{ series?: { values: unknown[][] }[] }[]> {
  const res = await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q, ...(db ? { db } : {}) }) });
  const body = (await res.json()) as { results: { series?: { values: unknown[][] }[]; error?: string }[] };
  const error = body.results.find((r) => r.error)?.error;
  if (!res.ok || error) throw new Error(`${q}: ${res.status} ${error ?? ''}`);
  return body.results;
}

describe.skipIf(!influxUrl)(suiteTitle('openTelemetryStore on InfluxDB 1.x', !influxUrl, 'install Debian package `influxdb`'), () => {
  it('writes to and reads from the retention policy INFLUX_RETENTION_POLICY names', async () => {
    const database = `hm_${randomBytes(6).toString('hex')}`;
    await influxQl(`CREATE DATABASE ${database}`);
    await influxQl(`CREATE RETENTION POLICY "one_day" ON ${database} DURATION 1d REPLICATION 1`);
    try {
      const config = loadConfig({
        HM_TELEMETRY_STORE: 'influxdb', INFLUX_URL: influxUrl, INFLUX_VERSION: '1', INFLUX_BUCKET: database, INFLUX_RETENTION_POLICY: 'one_day',
      });
      const { store, location } = await openTelemetryStore(config, createLogger({ level: 'silent' }));
      expect(location).toBe(`${influxUrl} (${database}/one_day)`);
      const ts = Date.now() - 1000;
      await store.writeBatch([{ assetId: 'ast_1', deviceId: 'dev_1', ts, metrics: { temp: 1.5 } }]);
      expect(await store.latest('ast_1')).toEqual([{ metric: 'temp', ts, value: 1.5 }]);
      const [inPolicy, inDefault] = await influxQl(
        `SELECT count(temp) FROM "one_day"."telemetry"; SELECT count(temp) FROM "autogen"."telemetry"`,
        database,
      );
      expect(inPolicy!.series?.[0]?.values).toEqual([['1970-01-01T00:00:00Z', 1]]);
      expect(inDefault!.series).toBeUndefined();
      await store.close();
    } finally {
      await influxQl(`DROP DATABASE ${database}`);
    }
  });
});
