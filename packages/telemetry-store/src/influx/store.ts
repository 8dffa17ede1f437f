import { canRetryHttpCall, HttpError, InfluxDB, Point } from '@influxdata/influxdb-client';
import type { StoreLogger } from '../logger.js';
import type { LatestValue, MetricSeries, RangeQuery, SeriesPoint, StoredReading, TelemetryStore } from '../port.js';
import { assertEpochMs, assertRangeQuery, assertReading, metricValue } from '../query-checks.js';
import { errorText, influxQuery, quoteIdent, quoteString, type QueryEndpoint } from './influxql.js';
import { v1CompatTransport } from './v1-transport.js';
import { InfluxWriteError } from './write-error.js';

export interface InfluxTelemetryStoreOptions {
  readonly url: string;
  /** 1: InfluxDB 1.x (`/write`, optional user/password). 2: 2.x, 3.x and Cloud (`/api/v2/write`, token). */
  readonly version: 1 | 2;
  /** 2.x/3.x API token. */
  readonly token?: string | undefined;
  /** 2.x/3.x organisation. */
  readonly org?: string | undefined;
  /** 2.x/3.x bucket; also the InfluxQL database name through the DBRP mapping. */
  readonly bucket?: string | undefined;
  /** 1.x database (`bucket` is accepted as an alias). */
  readonly database?: string | undefined;
  /** 1.x retention policy; the database default when omitted. */
  readonly retentionPolicy?: string | undefined;
  /** 1.x credentials when auth is enabled (sent as HTTP Basic). */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly measurement?: string | undefined;
  /** Points per write request. */
  readonly batchSize?: number | undefined;
  /** Retries of a failed write request (connection errors, 429, 5xx). */
  readonly maxRetries?: number | undefined;
  readonly minRetryDelayMs?: number | undefined;
  readonly maxRetryDelayMs?: number | undefined;
  /** Per HTTP request. */
  readonly timeoutMs?: number | undefined;
  readonly logger?: StoreLogger | undefined;
}

const AGG_FN = { mean: 'mean', min: 'min', max: 'max', last: 'last' } as const;

/** Nanoseconds per millisecond: readings carry ms, points are written in ns. */
const NS_PER_MS = 1_000_000n;

/**
 * The InfluxDB TelemetryStore.
 *
 * Measurement design: measurement `telemetry`, tags `asset_id` and
 * `device_id` (bounded cardinality: one series per device), one float field
 * per metric, one point per reading. The point's timestamp is in ns:
 * `ts_ms * 1e6 + (seq mod 1e6)`. Re-writing a reading produces the identical
 * point (same series, same time), which InfluxDB stores once; two readings of
 * a device in the same millisecond with different seq stay two points.
 * Reads with `epoch=ms` truncate the sub-ms part, so callers see `ts` as sent.
 * A re-write with different values, and readings whose seqs collide modulo
 * 1e6, merge into one point field by field (port.ts, "Where the adapters
 * differ").
 *
 * Durability: `writeBatch` resolves only after every request got its 204 (the
 * server has the points in its WAL), and rejects with an InfluxWriteError when
 * the server stays down or refuses the data. The client's own retry buffer is
 * deliberately off (`maxRetries: 0`, `writeFailed` rejecting): it retries in
 * the background after `flush()` has already rejected, so its outcome could
 * never reach the caller. Retries happen here instead, inside the call.
 */
export function createInfluxTelemetryStore(opts: InfluxTelemetryStoreOptions): TelemetryStore {
  return new InfluxTelemetryStore(opts);
}

class InfluxTelemetryStore implements TelemetryStore {
  private readonly client: InfluxDB;
  private readonly query: QueryEndpoint;
  private readonly measurement: string;
  private readonly org: string;
  /** `bucket` for 2.x; `db/rp` for 1.x, which v1CompatTransport splits again. */
  private readonly writeBucket: string;
  private readonly url: string;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(private readonly opts: InfluxTelemetryStoreOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.measurement = opts.measurement ?? 'telemetry';
    const database = opts.version === 1 ? (opts.database ?? opts.bucket) : (opts.bucket ?? opts.database);
    if (!database) throw new Error('InfluxDB telemetry store: `bucket` (2.x) or `database` (1.x) is required');
    let headers: Record<string, string> = {};
    if (opts.version === 2) {
      if (!opts.token || !opts.org) throw new Error('InfluxDB 2.x telemetry store: `token` and `org` are required');
      this.client = new InfluxDB({ url: this.url, token: opts.token, timeout: this.timeoutMs });
      headers = { authorization: `Token ${opts.token}` };
      this.org = opts.org;
      this.writeBucket = database;
    } else {
      if (opts.username !== undefined) {
        const basic = Buffer.from(`${opts.username}:${opts.password ?? ''}`).toString('base64');
        headers = { authorization: `Basic ${basic}` };
      }
      // No token: 1.x must not see `Authorization: Token`.
      const inner = new InfluxDB({ url: this.url, headers, timeout: this.timeoutMs }).transport;
      this.client = new InfluxDB({ url: this.url, transport: v1CompatTransport(inner) });
      this.org = '';
      this.writeBucket = opts.retentionPolicy ? `${database}/${opts.retentionPolicy}` : database;
    }
    this.query = {
      url: this.url,
      database,
      retentionPolicy: opts.version === 1 ? opts.retentionPolicy : undefined,
      headers,
      timeoutMs: this.timeoutMs,
    };
  }

  async writeBatch(readings: readonly StoredReading[]): Promise<void> {
    this.assertOpen();
    for (const r of readings) assertReading(r);
    const points = readings.flatMap((r) => this.toPoint(r) ?? []);
    const batchSize = this.opts.batchSize ?? 5_000;
    for (let i = 0; i < points.length; i += batchSize) {
      await this.writeChunk(points.slice(i, i + batchSize));
    }
  }

  async queryRange(q: RangeQuery): Promise<MetricSeries[]> {
    this.assertOpen();
    assertRangeQuery(q);
    const fields = [...new Set(q.metrics)];
    const byMetric = new Map<string, SeriesPoint[]>(fields.map((f) => [f, []]));
    if (fields.length > 0) {
      const asset = this.assetRef(q.assetId);
      const fn = AGG_FN[q.agg ?? 'mean'];
      const select =
        q.stepMs === undefined
          ? fields.map(quoteIdent).join(', ')
          : fields.map((f) => `${fn}(${quoteIdent(f)})`).join(', ');
      const where = `"asset_id" = ${asset.ref} AND time >= ${timeLiteral(q.from)} AND time < ${timeLiteral(q.to)}`;
      // GROUP BY time() buckets are aligned to multiples of the interval since
      // the epoch (offset 0), and fill(none) omits empty buckets. There every
      // series' points meet in one last() reducer, which keeps the later time
      // and at equal times the larger value: the port's order (contract test).
      const groupBy = q.stepMs === undefined ? '' : ` GROUP BY time(${q.stepMs}ms) fill(none)`;
      const [result] = await influxQuery(
        this.query,
        `SELECT ${select} FROM ${quoteIdent(this.measurement)} WHERE ${where}${groupBy}`,
        { params: asset.params },
      );
      for (const series of result?.series ?? []) {
        for (const row of series.values ?? []) {
          const ts = Number(row[0]);
          fields.forEach((f, i) => {
            const value = row[i + 1];
            if (typeof value === 'number') byMetric.get(f)?.push({ ts, value });
          });
        }
      }
      for (const points of byMetric.values()) points.sort((a, b) => a.ts - b.ts);
    }
    return q.metrics.map((metric) => ({ metric, points: byMetric.get(metric) ?? [] }));
  }

  async latest(assetId: string, metrics?: readonly string[]): Promise<LatestValue[]> {
    this.assertOpen();
    const fields = metrics ? [...new Set(metrics)] : await this.fieldKeys();
    if (fields.length === 0) return [];
    const asset = this.assetRef(assetId);
    const from = quoteIdent(this.measurement);
    // One statement per metric (each metric's latest time differs), and per
    // device: last() over several series that share the newest time returns
    // any one of them, so the port's tie-break (larger value) is applied
    // here. Times as RFC3339 keep the nanoseconds that order same-ms seqs.
    const results = await influxQuery(
      this.query,
      fields.map((f) => `SELECT last(${quoteIdent(f)}) FROM ${from} WHERE "asset_id" = ${asset.ref} GROUP BY "device_id"`).join('; '),
      { params: asset.params, times: 'rfc3339' },
    );
    const out: LatestValue[] = [];
    fields.forEach((metric, i) => {
      let best: { ns: bigint; value: number } | undefined;
      for (const series of results[i]?.series ?? []) {
        const row = series.values?.[0];
        if (!row || typeof row[0] !== 'string' || typeof row[1] !== 'number') continue;
        const ns = rfc3339ToNs(row[0]);
        if (!best || ns > best.ns || (ns === best.ns && row[1] > best.value)) best = { ns, value: row[1] };
      }
      if (best) out.push({ metric, ts: Number(floorDiv(best.ns, NS_PER_MS)), value: best.value });
    });
    return out.sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
  }

  /**
   * 1.x: InfluxQL `DELETE ... WHERE time < ...` (all retention policies).
   * 2.x: InfluxQL cannot delete there; `POST /api/v2/delete` with a
   * measurement predicate does the same (its stop bound is inclusive, hence
   * the last nanosecond before the cutoff). 3.x has no delete API at all
   * (this rejects): there the database's own retention period applies.
   */
  async deleteBefore(before: number): Promise<void> {
    this.assertOpen();
    assertEpochMs('deleteBefore', before);
    if (this.opts.version === 1) {
      await influxQuery(this.query, `DELETE FROM ${quoteIdent(this.measurement)} WHERE time < ${timeLiteral(before)}`);
      return;
    }
    const params = new URLSearchParams({ org: this.org, bucket: this.writeBucket });
    const res = await fetch(`${this.url}/api/v2/delete?${params.toString()}`, {
      method: 'POST',
      headers: { ...this.query.headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        start: '1677-09-21T00:12:43.145224194Z', // the earliest time InfluxDB can store
        stop: rfc3339Nano(BigInt(before) * NS_PER_MS - 1n),
        predicate: `_measurement=${JSON.stringify(this.measurement)}`,
      }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`InfluxDB delete failed (${res.status}): ${(await res.text()).slice(0, 200)}`);
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      const res = await fetch(`${this.url}/ping`, { headers: this.query.headers, signal: AbortSignal.timeout(this.timeoutMs) });
      return res.status === 204 || res.status === 200;
    } catch {
      return false;
    }
  }

  /** Nothing is buffered between calls (each writeBatch flushes its own points). */
  async close(): Promise<void> {
    this.closed = true;
  }

  private toPoint(r: StoredReading): Point | undefined {
    const entries = Object.entries(r.metrics);
    if (entries.length === 0) return undefined; // a point needs a field
    const point = new Point(this.measurement).tag('asset_id', r.assetId).tag('device_id', r.deviceId);
    for (const [metric, v] of entries) point.floatField(metric, metricValue(v));
    const subMs = BigInt((((r.seq ?? 0) % 1_000_000) + 1_000_000) % 1_000_000);
    return point.timestamp((BigInt(r.ts) * NS_PER_MS + subMs).toString());
  }

  private async writeChunk(points: readonly Point[]): Promise<void> {
    const maxRetries = this.opts.maxRetries ?? 3;
    const minDelay = this.opts.minRetryDelayMs ?? 200;
    const maxDelay = this.opts.maxRetryDelayMs ?? 5_000;
    for (let attempt = 1; ; attempt++) {
      // A fresh WriteApi per attempt: its buffer holds exactly this chunk, so
      // flush() settles with this chunk's response and nobody else's.
      const api = this.client.getWriteApi(this.org, this.writeBucket, 'ns', {
        batchSize: points.length + 1, // never auto-flush: that promise would be lost
        flushInterval: 0,
        maxRetries: 0,
        gzipThreshold: 1_000,
        writeFailed: (err: Error) => Promise.reject(err),
      });
      try {
        api.writePoints(points);
        await api.flush();
        return;
      } catch (err) {
        const retryNow = isRetryableWriteError(err);
        if (!retryNow || attempt > maxRetries) {
          throw new InfluxWriteError(
            `InfluxDB write to ${this.url} failed after ${attempt} attempt(s): ${errorText(err)}`,
            retryNow || isConfigurationError(err),
            err,
          );
        }
        const retryAfterMs = err instanceof HttpError ? err.retryAfter() * 1000 : 0;
        const backoff = Math.min(maxDelay, minDelay * 2 ** (attempt - 1));
        const delayMs = Math.max(retryAfterMs, backoff / 2 + Math.random() * (backoff / 2));
        this.opts.logger?.warn({ err, attempt, delayMs, points: points.length }, 'influx write failed, retrying');
        await new Promise((r) => setTimeout(r, delayMs));
      } finally {
        api.dispose();
      }
    }
  }

  private async fieldKeys(): Promise<string[]> {
    const [result] = await influxQuery(this.query, `SHOW FIELD KEYS FROM ${quoteIdent(this.measurement)}`);
    return (result?.series?.[0]?.values ?? []).map((row) => String(row[0]));
  }

  /**
   * 1.x binds the asset id as a query parameter; the 2.x/3.x InfluxQL
   * endpoints are not documented to honour `params`, so there it is an
   * escaped string literal.
   */
  private assetRef(assetId: string): { ref: string; params?: Record<string, string> } {
    return this.opts.version === 1 ? { ref: '$asset', params: { asset: assetId } } : { ref: quoteString(assetId) };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('telemetry store is closed');
  }
}

/**
 * Connection errors, timeouts, 408 (the server or a proxy timed the request
 * out), 429 and 5xx can pass on the next attempt; other HTTP errors cannot.
 */
function isRetryableWriteError(err: unknown): boolean {
  if (err instanceof HttpError) return err.statusCode === 408 || err.statusCode === 429 || err.statusCode >= 500;
  return canRetryHttpCall(err);
}

/**
 * 401/403 (a rotated token, a missing grant) and 404 (the database or bucket
 * is missing) say nothing about the points: once an operator fixes the
 * server, the same batch is written. Retrying at once is pointless, but the
 * batch must stay in the spool, not be dead-lettered as bad data.
 */
function isConfigurationError(err: unknown): boolean {
  return err instanceof HttpError && [401, 403, 404].includes(err.statusCode);
}

/** RFC3339 with ms: InfluxQL compares it as an absolute time. */
function timeLiteral(ms: number): string {
  return `'${new Date(ms).toISOString()}'`;
}

function rfc3339Nano(ns: bigint): string {
  const ms = floorDiv(ns, NS_PER_MS);
  const rest = ns - ms * NS_PER_MS;
  const iso = new Date(Number(ms)).toISOString(); // ...SS.mmmZ
  return `${iso.slice(0, -1)}${rest.toString().padStart(6, '0')}Z`;
}

/** Epoch ns of InfluxDB's RFC3339 times (`...T12:00:00Z`, `...T12:00:00.000000042Z`). */
function rfc3339ToNs(time: string): bigint {
  const m = /^(.+T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(time);
  const seconds = m ? Date.parse(`${m[1]}Z`) : Number.NaN;
  if (!m || !Number.isFinite(seconds)) throw new Error(`InfluxDB returned a time that is not RFC3339: ${JSON.stringify(time)}`);
  return BigInt(seconds) * NS_PER_MS + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** Division rounding towards minus infinity (BigInt's `/` truncates), so times before 1970 floor too. */
function floorDiv(a: bigint, b: bigint): bigint {
  return a / b - (a % b < 0n ? 1n : 0n);
}
