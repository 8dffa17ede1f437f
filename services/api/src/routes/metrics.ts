import { timingSafeEqual, createHash } from 'node:crypto';
import type { Db } from '@hourmeter/db';
import { sendProblem } from '@hourmeter/http';
import type { AlertCount, Metrics, WorkOrderCount } from '@hourmeter/metrics';
import type { FastifyInstance } from 'fastify';

export interface MetricsRouteOptions {
  /**
   * When set, scrapes need `Authorization: Bearer <token>` (Prometheus:
   * `authorization: { credentials: ... }`). When unset the endpoint is open,
   * like /health: bind or firewall it so only Prometheus reaches it. It shows
   * counts and rates, never ids, keys or telemetry values.
   */
  token?: string | undefined;
}

const BEARER = /^Bearer\s+(\S+)$/i;
const digest = (s: string) => createHash('sha256').update(s).digest();

/** `GET /metrics`: Prometheus text exposition format. Registered on the root app, outside /api/v1. */
export function metricsRoute(app: FastifyInstance, metrics: Pick<Metrics, 'scrape' | 'contentType'>, opts: MetricsRouteOptions = {}): void {
  const expected = opts.token ? digest(opts.token) : undefined;
  app.get('/metrics', {
    schema: { tags: ['health'], summary: 'Prometheus metrics (no API key; optional scrape token)', security: [] },
    handler: async (req, reply) => {
      if (expected) {
        const match = BEARER.exec(req.headers.authorization ?? '');
        // Compare digests: constant time and independent of the token's length.
        if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
          reply.header('www-authenticate', 'Bearer realm="metrics"');
          return sendProblem(reply, req, 401, 'UNAUTHENTICATED', 'missing or wrong metrics scrape token');
        }
      }
      const body = await metrics.scrape();
      return reply.header('cache-control', 'no-store').type(metrics.contentType).send(body);
    },
  });
}

/**
 * Alert and work-order counts for `createMetrics({ alerts, workOrders })`:
 * one GROUP BY each per scrape, on SQLite and PostgreSQL alike.
 */
export function dbCountSources(db: Pick<Db, 'kysely'>): {
  alerts: () => Promise<AlertCount[]>;
  workOrders: () => Promise<WorkOrderCount[]>;
} {
  const k = db.kysely;
  return {
    async alerts() {
      const rows = await k
        .selectFrom('alerts')
        .select(['severity', 'state', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
        .groupBy(['severity', 'state'])
        .execute();
      return rows.map((r) => ({ severity: r.severity, state: r.state, count: Number(r.n) }));
    },
    async workOrders() {
      const rows = await k
        .selectFrom('work_orders')
        .select(['state', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
        .groupBy('state')
        .execute();
      return rows.map((r) => ({ state: r.state, count: Number(r.n) }));
    },
  };
}
