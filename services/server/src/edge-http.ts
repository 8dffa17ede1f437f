import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Metrics } from '@hourmeter/metrics';
import type { Logger } from '@hourmeter/runtime';

type HealthCheck = () => Promise<boolean>;

export interface EdgeHttp {
  readonly address: string;
  close(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2_000;
const BEARER = /^Bearer\s+(\S+)$/i;
const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The HTTP side of an `edge` process: GET /health (same report as the API's),
 * GET /metrics (Prometheus, optional scrape token) and MQTT over WebSocket
 * upgrades at `wsPath`. Nothing else: the API runs in the `api` role.
 */
export async function startEdgeHttp(opts: {
  host: string;
  port: number;
  version: string;
  health: Readonly<Record<string, HealthCheck>>;
  metrics: Pick<Metrics, 'scrape' | 'contentType'>;
  metricsToken?: string | undefined;
  wsPath: string;
  handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  logger: Logger;
}): Promise<EdgeHttp> {
  const startedAt = Date.now();
  const expected = opts.metricsToken ? digest(opts.metricsToken) : undefined;
  const send = (res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers }).end(body);
  };
  const problem = (res: ServerResponse, status: number, code: string, detail: string, headers: Record<string, string> = {}) =>
    send(res, status, 'application/problem+json', JSON.stringify({ status, code, title: code, detail }), headers);

  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return problem(res, 405, 'METHOD_NOT_ALLOWED', 'only GET /health and GET /metrics are served here');
    if (path === '/health') {
      void (async () => {
        const names = Object.keys(opts.health);
        const results = await Promise.all(names.map((n) => probe(opts.health[n]!)));
        const ok = results.every((r) => r.status === 'up');
        send(
          res,
          ok ? 200 : 503,
          'application/json',
          JSON.stringify({
            status: ok ? 'ok' : 'degraded',
            version: opts.version,
            uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
            components: Object.fromEntries(names.map((n, i) => [n, results[i]!])),
          }),
        );
      })();
      return;
    }
    if (path === '/metrics') {
      if (expected) {
        const match = BEARER.exec(req.headers.authorization ?? '');
        if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
          return problem(res, 401, 'UNAUTHENTICATED', 'missing or wrong metrics scrape token', { 'www-authenticate': 'Bearer realm="metrics"' });
        }
      }
      opts.metrics.scrape().then(
        (body) => send(res, 200, opts.metrics.contentType, body),
        (err: unknown) => {
          opts.logger.error({ err }, 'metrics scrape failed');
          problem(res, 500, 'INTERNAL', 'metrics scrape failed');
        },
      );
      return;
    }
    problem(res, 404, 'NOT_FOUND', 'an edge process serves only /health and /metrics; the API runs in the api role (HM_ROLE=api)');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url?.split('?')[0] === opts.wsPath) opts.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    address: `http://${host}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function probe(check: HealthCheck): Promise<{ status: 'up' | 'down'; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const up = await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return up ? { status: 'up' } : { status: 'down' };
  } catch (err) {
    return { status: 'down', detail: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
