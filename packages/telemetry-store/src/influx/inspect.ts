import { influxQuery, quoteIdent, type QueryEndpoint } from './influxql.js';
import type { InfluxTelemetryStoreOptions } from './store.js';

/** Administrative reads of the InfluxDB target the adapter writes to (migrations, verification). */
export interface InfluxInspector {
  /** 1.x: `CREATE DATABASE` (a no-op when it exists). 2.x: the bucket must exist already; nothing is done. */
  ensureDatabase(): Promise<void>;
  /** Whether the measurement holds any point (optionally in a range, epoch ms, `to` exclusive). */
  hasData(range?: { from?: number | undefined; to?: number | undefined }): Promise<boolean>;
  /** Per asset id: points per field (InfluxQL COUNT), in the range. */
  countsByAsset(range?: { from?: number | undefined; to?: number | undefined }): Promise<Map<string, Record<string, number>>>;
}

export function influxInspector(opts: InfluxTelemetryStoreOptions): InfluxInspector {
  const url = opts.url.replace(/\/+$/, '');
  const database = opts.version === 1 ? (opts.database ?? opts.bucket) : (opts.bucket ?? opts.database);
  if (!database) throw new Error('InfluxDB: `bucket` (2.x) or `database` (1.x) is required');
  let headers: Record<string, string> = {};
  if (opts.version === 2) headers = { authorization: `Token ${opts.token ?? ''}` };
  else if (opts.username !== undefined) {
    headers = { authorization: `Basic ${Buffer.from(`${opts.username}:${opts.password ?? ''}`).toString('base64')}` };
  }
  const ep: QueryEndpoint = {
    url,
    database,
    retentionPolicy: opts.version === 1 ? opts.retentionPolicy : undefined,
    headers,
    timeoutMs: opts.timeoutMs ?? 60_000,
  };
  const measurement = quoteIdent(opts.measurement ?? 'telemetry');
  const timeWhere = (range: { from?: number | undefined; to?: number | undefined } = {}) => {
    const parts: string[] = [];
    if (range.from !== undefined) parts.push(`time >= ${range.from}ms`);
    if (range.to !== undefined) parts.push(`time < ${range.to}ms`);
    return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
  };
  return {
    async ensureDatabase() {
      if (opts.version === 1) await influxQuery(ep, `CREATE DATABASE ${quoteIdent(database)}`);
    },
    async hasData(range) {
      const [result] = await influxQuery(ep, `SELECT * FROM ${measurement}${timeWhere(range)} LIMIT 1`);
      return (result?.series?.[0]?.values?.length ?? 0) > 0;
    },
    async countsByAsset(range) {
      const [result] = await influxQuery(ep, `SELECT count(*) FROM ${measurement}${timeWhere(range)} GROUP BY "asset_id"`);
      const out = new Map<string, Record<string, number>>();
      for (const series of result?.series ?? []) {
        const assetId = (series as { tags?: Record<string, string> }).tags?.asset_id ?? '';
        const row = series.values?.[0] ?? [];
        const counts: Record<string, number> = {};
        series.columns.forEach((col, i) => {
          if (col.startsWith('count_') && typeof row[i] === 'number' && row[i] > 0) counts[col.slice('count_'.length)] = row[i];
        });
        out.set(assetId, counts);
      }
      return out;
    },
  };
}
