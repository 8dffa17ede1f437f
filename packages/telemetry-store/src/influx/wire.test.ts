import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { influxQuery } from './influxql.js';
import { createInfluxTelemetryStore } from './store.js';
import { InfluxWriteError } from './write-error.js';

/** What the fake server saw of one request. */
interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The body as sent on the wire (before any content decoding). */
  readonly raw: Buffer;
  readonly at: number;
}

interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/**
 * A node:http server answering requests with `replies` in order (the last
 * one repeats), recording each request: InfluxDB's wire protocol as the
 * adapter sees it, with failures no real server produces on demand.
 */
async function fakeInflux(replies: readonly Reply[]): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw: Buffer.concat(parts), at: Date.now() });
      const reply = replies[Math.min(received.length, replies.length) - 1]!;
      res.writeHead(reply.status, reply.headers).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const T = Date.UTC(2025, 0, 1);
/** Enough readings that the line protocol passes the client's 1000-byte gzip threshold. */
const readings = Array.from({ length: 30 }, (_, i) => ({
  assetId: 'ast_1', deviceId: 'dev_1', ts: T + i * 1000, seq: i, metrics: { temp: 20 + i / 4 },
}));

describe('InfluxDB 1.x writes on the wire', () => {
  it('posts gzip-encoded line protocol to /write?db=&rp=&precision=n with Basic auth', async () => {
    const influx = await fakeInflux([{ status: 204 }]);
    const store = createInfluxTelemetryStore({
      url: influx.url, version: 1, database: 'tele', retentionPolicy: 'short', username: 'hm', password: 'pw',
    });
    await store.writeBatch(readings);
    expect(influx.received).toHaveLength(1);
    const [req] = influx.received;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/write?db=tele&rp=short&precision=n');
    expect(req!.headers['content-encoding']).toBe('gzip');
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from('hm:pw').toString('base64')}`);
    const lines = gunzipSync(req!.raw).toString('utf8').split('\n');
    expect(lines).toHaveLength(readings.length);
    // Point time = ts in ns + seq.
    expect(lines[3]).toBe(`telemetry,asset_id=ast_1,device_id=dev_1 temp=20.75 ${BigInt(T + 3000) * 1_000_000n + 3n}`);
  });

  it('retries 500, 503, 429 and 408 with the same body, honouring Retry-After, then succeeds', async () => {
    const influx = await fakeInflux([
      { status: 500, body: '{"error":"engine: cache maximum memory size exceeded"}', headers: { 'content-type': 'application/json' } },
      { status: 503 },
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 408 },
      { status: 204 },
    ]);
    const store = createInfluxTelemetryStore({
      url: influx.url, version: 1, database: 'tele', maxRetries: 4, minRetryDelayMs: 1, maxRetryDelayMs: 5,
    });
    await store.writeBatch(readings);
    expect(influx.received).toHaveLength(5);
    const bodies = influx.received.map((r) => gunzipSync(r.raw).toString('utf8'));
    expect(new Set(bodies).size).toBe(1);
    // The backoff is at most 5 ms; only Retry-After explains the wait after the 429.
    const gaps = influx.received.slice(1).map((r, i) => r.at - influx.received[i]!.at);
    expect(gaps[2]).toBeGreaterThanOrEqual(1000);
    expect(Math.max(gaps[0]!, gaps[1]!, gaps[3]!)).toBeLessThan(1000);
  });

  it('does not retry a 400 and rejects with a non-retryable error carrying the server message', async () => {
    const influx = await fakeInflux([
      { status: 400, body: '{"error":"unable to parse \'telemetry temp=\': missing field value"}', headers: { 'content-type': 'application/json' } },
    ]);
    const store = createInfluxTelemetryStore({ url: influx.url, version: 1, database: 'tele', maxRetries: 3, minRetryDelayMs: 1 });
    const err = await store.writeBatch(readings).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfluxWriteError);
    expect(err).toMatchObject({ retryable: false, code: 'TELEMETRY_WRITE_REJECTED' });
    expect((err as Error).message).toMatch(/1 attempt\(s\).*unable to parse/);
    expect(influx.received).toHaveLength(1);
  });

  it('does not retry a 401 or 404 at once, but calls the batch retryable: the server, not the points, needs fixing', async () => {
    for (const status of [401, 404]) {
      const influx = await fakeInflux([{ status, body: '{"error":"database not found"}', headers: { 'content-type': 'application/json' } }]);
      const store = createInfluxTelemetryStore({ url: influx.url, version: 1, database: 'tele', maxRetries: 3, minRetryDelayMs: 1 });
      const err = await store.writeBatch(readings).catch((e: unknown) => e);
      expect(err).toMatchObject({ retryable: true, code: 'TELEMETRY_STORE_UNAVAILABLE' });
      expect(influx.received).toHaveLength(1);
    }
  });

  it('gives up after maxRetries on a server that keeps answering 503, with a retryable error', async () => {
    const influx = await fakeInflux([{ status: 503 }]);
    const store = createInfluxTelemetryStore({ url: influx.url, version: 1, database: 'tele', maxRetries: 2, minRetryDelayMs: 1, maxRetryDelayMs: 2 });
    const err = await store.writeBatch(readings).catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true, code: 'TELEMETRY_STORE_UNAVAILABLE' });
    expect(influx.received).toHaveLength(3);
  });
});

describe('InfluxQL answers that are not the whole result', () => {
  const endpoint = (url: string) => ({ url, database: 'tele', headers: {}, timeoutMs: 5_000 });
  const series = (values: number[][], partial?: boolean) => ({ name: 'telemetry', columns: ['time', 'temp'], values, ...(partial ? { partial } : {}) });

  it('asks for a chunked response', async () => {
    const influx = await fakeInflux([{ status: 200, body: JSON.stringify({ results: [{ statement_id: 0 }] }) }]);
    await influxQuery(endpoint(influx.url), 'SELECT temp FROM telemetry', { params: { asset: 'ast_1' } });
    const form = new URLSearchParams(influx.received[0]!.raw.toString('utf8'));
    expect(Object.fromEntries(form)).toEqual({
      q: 'SELECT temp FROM telemetry', db: 'tele', chunked: 'true', epoch: 'ms', params: '{"asset":"ast_1"}',
    });
  });

  it('rejects a response truncated at a row limit (a server that ignored chunked) instead of returning part of it', async () => {
    const truncated = { results: [{ statement_id: 0, series: [series([[1, 1], [2, 2]], true)] }] };
    const influx = await fakeInflux([{ status: 200, body: JSON.stringify(truncated) }]);
    await expect(influxQuery(endpoint(influx.url), 'SELECT temp FROM telemetry')).rejects.toThrow(
      /partial result for statement 0: the server's row limit \(1\.x \[http\] max-row-limit\)/,
    );
  });

  it('rejects a chunked stream that ends while a chunk still announces more', async () => {
    const chunk = (values: number[][]) => JSON.stringify({ results: [{ statement_id: 0, series: [series(values, true)], partial: true }] });
    const influx = await fakeInflux([{ status: 200, body: `${chunk([[1, 1]])}\n${chunk([[2, 2]])}\n` }]);
    await expect(influxQuery(endpoint(influx.url), 'SELECT temp FROM telemetry')).rejects.toThrow(/partial result/);
  });

  it('rejects a statement error that arrives in a later chunk', async () => {
    const first = JSON.stringify({ results: [{ statement_id: 0, series: [series([[1, 1]], true)], partial: true }] });
    const failed = JSON.stringify({ results: [{ statement_id: 0, error: 'max-select-point limit exceeded: (10001/10000)' }] });
    const influx = await fakeInflux([{ status: 200, body: `${first}\n${failed}\n` }]);
    await expect(influxQuery(endpoint(influx.url), 'SELECT temp FROM telemetry')).rejects.toThrow(/max-select-point limit exceeded/);
  });
});
