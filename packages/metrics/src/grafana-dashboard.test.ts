import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createEventBus } from '@hourmeter/events';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetrics } from './index.js';
import { sampleNames, serveMetrics } from './test-server.js';

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

interface Target {
  refId: string;
  expr?: string;
  query?: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync(root('infra/grafana/dashboards/hourmeter.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; query: string; datasource: { type: string; uid: string } }[] };
};
const datasources = readFileSync(root('infra/grafana/provisioning/datasources/hourmeter.yaml'), 'utf8');
// The names the InfluxDB telemetry store really writes, read from its source rather than restated here.
const influxStore = readFileSync(root('packages/telemetry-store/src/influx/store.ts'), 'utf8');
const measurement = /opts\.measurement \?\? '([^']+)'/.exec(influxStore)?.[1];
const tags = new Set([...influxStore.matchAll(/\.tag\('([^']+)'/g)].map((m) => m[1]!));

const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ds: t.datasource ?? p.datasource!, t })));

// A fully fed instance, scraped over HTTP, so every family the process exposes is present.
const metrics = createMetrics({
  ingest: () => ({
    accepting: true,
    spool: { pendingBytes: 1, pendingReadings: 1, diskBytes: 1, maxBytes: 10, corruptBytes: 0 },
    store: { batchesWritten: 1, readingsWritten: 1, failedWrites: 0, deadLetteredReadings: 0, storeFailing: false, drainerStalled: false },
    totals: { accepted: 1, duplicates: 0, rejected: { INVALID_METRIC: 1 }, refused: 0 },
  }),
  broker: () => ({ connectedClients: 1, onlineDevices: 1, authFailures: { bad_secret: 1 }, ingestRefusals: 0, denied: { publish: 0, subscribe: 0, oversized_packet: 0 } }),
  alerts: async () => [],
  workOrders: async () => [],
  live: () => ({ clients: 0, dropped: 0 }),
  events: createEventBus({ logger: { error: () => {} } }),
});
metrics.observeStoreWrite(3, 10);
await metrics.onResponse({ method: 'GET', routeOptions: { url: '/health' } }, { statusCode: 200, elapsedTime: 2 });
const server = await serveMetrics(metrics);
afterAll(() => server.close());

describe('Grafana provisioning', () => {
  it('provisions both datasources with the uids the dashboard uses, InfluxDB on database hourmeter', () => {
    expect(datasources).toMatch(/uid: hourmeter-prometheus\n\s+type: prometheus/);
    expect(datasources).toMatch(/uid: hourmeter-influxdb\n\s+type: influxdb/);
    expect(datasources).toMatch(/dbName: hourmeter\b/);
    for (const { ds } of targets) expect(['hourmeter-prometheus', 'hourmeter-influxdb']).toContain(ds.uid);
  });

  it('every Prometheus query names metrics that /metrics exposes', async () => {
    const exposed = sampleNames(await (await fetch(server.url)).text());
    const prom = targets.filter((x) => x.ds.type === 'prometheus');
    expect(prom.length).toBeGreaterThan(15);
    const missing: string[] = [];
    for (const { panel, t } of prom) {
      // Metric names: identifiers not followed by `(` (functions) and not inside {...} or by (...) label lists.
      const expr = t.expr!.replace(/\{[^}]*\}/g, '').replace(/\b(by|without)\s*\([^)]*\)/g, '').replace(/\[[^\]]*\]/g, '');
      const names = [...expr.matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g)].map((m) => m[1]!).filter((n) => n.includes('_'));
      expect(names.length, `${panel}: ${t.expr}`).toBeGreaterThan(0);
      for (const n of names) if (!exposed.has(n)) missing.push(`${panel}: ${n}`);
    }
    expect(missing).toEqual([]);
    // Every family of ours is on the dashboard.
    const used = new Set(prom.flatMap(({ t }) => [...t.expr!.matchAll(/hourmeter_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, ''))));
    const ours = [...exposed].filter((n) => n.startsWith('hourmeter_') && !/_(bucket|count|sum)$/.test(n));
    const notShown = ours.filter((n) => !used.has(n) && !['hourmeter_ingest_accepting', 'hourmeter_ingest_spool_disk_bytes', 'hourmeter_ingest_store_batches_written_total', 'hourmeter_metrics_source_errors_total'].includes(n));
    expect(notShown).toEqual([]);
  });

  it('every InfluxDB query targets the measurement and tags the telemetry store writes', () => {
    expect(measurement).toBe('telemetry');
    expect(tags).toEqual(new Set(['asset_id', 'device_id']));
    const queries = [
      ...targets.filter((x) => x.ds.type === 'influxdb').map((x) => x.t.query!),
      ...dashboard.templating.list.filter((v) => v.datasource.type === 'influxdb').map((v) => v.query),
    ];
    expect(queries.length).toBeGreaterThanOrEqual(5);
    for (const q of queries) {
      const froms = [...q.matchAll(/FROM\s+"([^"]+)"/g)].map((m) => m[1]);
      expect(froms, q).toEqual([measurement]);
      // Quoted identifiers: the measurement, a tag, or the $metric field variable.
      for (const [, id] of q.matchAll(/"([^"]+)"/g)) expect([measurement, ...tags, '$metric'], q).toContain(id);
    }
  });
});
