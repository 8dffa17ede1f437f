import type { Transport } from '@influxdata/influxdb-client';

/** InfluxDB 1.x precision names for the 2.x ones the client sends. */
const V1_PRECISION: Record<string, string> = { ns: 'n', us: 'u', ms: 'ms', s: 's' };

/**
 * Maps the client's `/api/v2/write?org=&bucket=db/rp&precision=` to 1.x's
 * `/write?db=&rp=&precision=`: the same mapping InfluxDB 1.8 applies itself,
 * so WriteApi (batching, gzip, Point escaping) works against 1.0-1.7 servers
 * (Debian ships 1.6.7), which have no /api/v2 endpoints at all.
 * Any other path passes through untouched.
 */
export function mapV2WritePath(path: string): string {
  const [pathname, search = ''] = path.split('?', 2) as [string, string?];
  if (pathname !== '/api/v2/write') return path;
  const v2 = new URLSearchParams(search);
  const bucket = v2.get('bucket') ?? '';
  const slash = bucket.indexOf('/');
  const v1 = new URLSearchParams();
  v1.set('db', slash < 0 ? bucket : bucket.slice(0, slash));
  if (slash >= 0 && slash < bucket.length - 1) v1.set('rp', bucket.slice(slash + 1));
  const precision = v2.get('precision');
  if (precision) v1.set('precision', V1_PRECISION[precision] ?? precision);
  const consistency = v2.get('consistency');
  if (consistency) v1.set('consistency', consistency);
  return `/write?${v1.toString()}`;
}

/**
 * Wraps the client's default transport (pass `new InfluxDB({ url }).transport`,
 * built without a token so no `Authorization: Token` header goes to 1.x).
 */
export function v1CompatTransport(inner: Transport): Transport {
  return {
    send: (path, body, options, callbacks) => inner.send(mapV2WritePath(path), body, options, callbacks),
    request: (path, body, options, responseStarted) => inner.request(mapV2WritePath(path), body, options, responseStarted),
    iterate: (path, body, options) => inner.iterate(mapV2WritePath(path), body, options),
    get chunkCombiner() {
      return inner.chunkCombiner;
    },
  };
}
