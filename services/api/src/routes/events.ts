import type { Role } from '@hourmeter/domain';
import { recordRouteRoles, sendProblem, stillAuthenticated, type Credential, type KeyAuthenticator, type RouteRoles } from '@hourmeter/http';
import { EVENT_TYPES, isEventType, type AnyEnvelope, type EventSubscriber, type EventType } from '@hourmeter/events';
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

export interface LiveEventsOptions {
  /** Comment line sent when nothing else was, so proxies keep the connection open. Default 15 s. */
  heartbeatMs?: number;
  /**
   * Bytes a client may have waiting in its socket buffer. A client that falls
   * further behind is disconnected (it reconnects and re-reads state over the
   * REST API) instead of letting the process buffer without bound. Default 1 MiB.
   */
  maxBufferedBytes?: number;
  /** Concurrent streams; beyond it a new one gets 503. Default 1000. */
  maxClients?: number;
  /** Concurrent streams of one API key; beyond it a new one gets 429. Default 4 (HM_EVENTS_MAX_STREAMS_PER_KEY). */
  maxPerKey?: number;
  /** Concurrent streams of all keys of one role; beyond it a new one gets 429. Default 200 (HM_EVENTS_MAX_STREAMS_PER_ROLE). */
  maxPerRole?: number;
  /** How often the keys of open streams are checked again; a revoked key's streams end then. Default 2000 ms. */
  keyRecheckMs?: number;
  /** Reconnection delay suggested to EventSource clients (`retry:`). Default 5000 ms. */
  retryMs?: number;
}

export interface LiveEvents {
  /** Counts for /metrics. */
  stats(): { clients: number; dropped: number };
}

const Query = z.object({
  types: z
    .string()
    .regex(/^[a-z]+\.[a-z]+(,[a-z]+\.[a-z]+)*$/, 'comma-separated event types')
    .optional()
    .describe(`Only these event types (comma-separated): ${EVENT_TYPES.join(', ')}. Default: all.`),
});

/**
 * The REST read each event type mirrors: a stream carries an event only to a
 * role that may call this GET (same rights as the API, taken from the route's
 * declared roles, so a change there changes the stream too).
 */
export const READ_ROUTE_OF_EVENT: Readonly<Record<EventType, string>> = {
  'alert.raised': '/alerts/:id',
  'alert.updated': '/alerts/:id',
  'alert.transitioned': '/alerts/:id',
  'workorder.created': '/work-orders/:id',
  'workorder.updated': '/work-orders/:id',
  'workorder.completed': '/work-orders/:id',
  'device.connected': '/devices/:id/status',
  'device.disconnected': '/devices/:id/status',
  'ingest.rejected': '/devices/:id/ingest',
  'reserve.warning': '/production-batches/:id',
  'reserve.exhausted': '/production-batches/:id',
  'reserve.released': '/production-batches/:id',
};

/** One SSE frame: `id`, `event: <type>` and the JSON envelope on one `data:` line (JSON has no raw newlines). */
export function sseFrame(e: AnyEnvelope): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

/**
 * `GET /api/v1/events`: live updates as server-sent events, under the REST
 * API's rules. Authenticated like every other route (Bearer header; the
 * console reads the stream with fetch + ReadableStream, so no key ever
 * travels in a URL); each event goes only to roles that may read it over REST
 * (READ_ROUTE_OF_EVENT); a revoked key's streams end within `keyRecheckMs`;
 * streams are limited per key and per role (429). Each event is
 * `event: <type>` + `data: <envelope JSON>`; a comment heartbeat keeps idle
 * connections alive. No replay: a client that reconnects reloads state over
 * the REST API. Without `routeRoles`, register it first in its scope: it then
 * records the routes registered after it to learn their roles.
 */
export function eventRoutes(
  parent: FastifyInstance,
  deps: {
    events: EventSubscriber;
    /** Re-checks the keys of open streams (the API key repository). */
    keys: KeyAuthenticator;
    /** The scope's routes with their roles; recorded from here on when not given. */
    routeRoles?: RouteRoles | undefined;
    options?: LiveEventsOptions | undefined;
    /** Kept current for metrics made before the API (`createMetrics({ live: () => counters })`). */
    counters?: { clients: number; dropped: number } | undefined;
  },
): LiveEvents {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const heartbeatMs = deps.options?.heartbeatMs ?? 15_000;
  const maxBuffered = deps.options?.maxBufferedBytes ?? 1024 * 1024;
  const maxClients = deps.options?.maxClients ?? 1000;
  const retryMs = deps.options?.retryMs ?? 5000;
  const maxPerKey = deps.options?.maxPerKey ?? 4;
  const maxPerRole = deps.options?.maxPerRole ?? 200;
  const keyRecheckMs = deps.options?.keyRecheckMs ?? 2000;
  const routeRoles = deps.routeRoles ?? recordRouteRoles(parent);
  /** Open streams, with the key that opened each (re-checked) and who it belongs to. */
  const clients = new Map<ServerResponse, { credential: Credential; keyId: string; role: Role }>();
  let dropped = 0;
  const publish = () => {
    if (deps.counters) Object.assign(deps.counters, { clients: clients.size, dropped });
  };
  const count = (match: (c: { keyId: string; role: Role }) => boolean) => [...clients.values()].filter(match).length;

  // One check per distinct key, however many streams it holds.
  let rechecking = false;
  const recheck = setInterval(() => {
    if (rechecking || clients.size === 0) return;
    rechecking = true;
    const byKey = new Map<string, { credential: Credential; streams: ServerResponse[] }>();
    for (const [res, c] of clients) {
      const entry = byKey.get(c.credential.secret) ?? { credential: c.credential, streams: [] };
      entry.streams.push(res);
      byKey.set(c.credential.secret, entry);
    }
    void Promise.all(
      [...byKey.values()].map(async ({ credential, streams }) => {
        const still = await stillAuthenticated(deps.keys, credential).catch(() => true as const);
        if (still) return;
        for (const res of streams) {
          parent.log.info({ keyId: clients.get(res)?.keyId }, 'credential revoked or session ended; live-update stream closed');
          res.end(': key revoked\n\n');
        }
      }),
    ).finally(() => (rechecking = false));
  }, keyRecheckMs);
  recheck.unref();

  // fastify.close() waits for open connections; a stream never ends by itself.
  parent.addHook('preClose', async () => {
    clearInterval(recheck);
    for (const res of clients.keys()) res.end();
  });

  app.get('/events', {
    schema: {
      tags: ['events'],
      summary: 'Live updates (server-sent events): alerts, work orders, device connections',
      description:
        'A `text/event-stream`. Each event: `id: <evt_...>`, `event: <type>`, `data: <JSON envelope {v, id, type, at, data}>`. ' +
        `A \`: heartbeat\` comment every ${heartbeatMs / 1000} s. Clients that fall behind are disconnected.`,
      querystring: Query,
    },
    handler: async (req, reply) => {
      const requested = req.query.types?.split(',');
      const unknown = requested?.filter((t) => !isEventType(t)) ?? [];
      if (unknown.length) {
        return sendProblem(reply, req, 400, 'VALIDATION_FAILED', `querystring.types: unknown event type ${unknown.join(', ')}; known: ${EVENT_TYPES.join(', ')}`);
      }
      const { id: keyId, role } = req.principal!;
      const prefix = parent.prefix;
      const readable = EVENT_TYPES.filter((t) => routeRoles.may(role, 'GET', `${prefix}${READ_ROUTE_OF_EVENT[t]}`));
      const refused = (requested as EventType[] | undefined)?.filter((t) => !readable.includes(t)) ?? [];
      if (refused.length) {
        return sendProblem(reply, req, 403, 'FORBIDDEN', `role ${role} may not read ${refused.map((t) => `${t} (GET ${prefix}${READ_ROUTE_OF_EVENT[t]})`).join(', ')}`);
      }
      if (clients.size >= maxClients) {
        return sendProblem(reply, req, 503, 'UNAVAILABLE', `too many live-update streams (${maxClients}); try again later`);
      }
      if (count((c) => c.keyId === keyId) >= maxPerKey) {
        return sendProblem(reply, req, 429, 'RATE_LIMITED', `this API key already has ${maxPerKey} live-update streams open (HM_EVENTS_MAX_STREAMS_PER_KEY); close one first`);
      }
      if (count((c) => c.role === role) >= maxPerRole) {
        return sendProblem(reply, req, 429, 'RATE_LIMITED', `role ${role} already has ${maxPerRole} live-update streams open (HM_EVENTS_MAX_STREAMS_PER_ROLE); try again later`);
      }
      const wanted = new Set<EventType>(requested ? (requested as EventType[]) : readable);

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx would otherwise buffer the stream.
        'x-accel-buffering': 'no',
        'x-request-id': req.id,
      });
      res.socket?.setNoDelay(true);
      clients.set(res, { credential: req.credential!, keyId, role });
      publish();
      const log = req.log.child({ stream: 'events' });

      let open = true;
      const send = (chunk: string): void => {
        if (!open) return;
        if (res.writableLength + chunk.length > maxBuffered) {
          dropped++;
          log.warn({ buffered: res.writableLength }, 'live-update client too slow; disconnected');
          cleanup();
          res.destroy();
          return;
        }
        res.write(chunk);
      };
      const unsubscribe = deps.events.onAny((e) => {
        if (wanted.has(e.type)) send(sseFrame(e));
      });
      const heartbeat = setInterval(() => send(`: heartbeat ${Date.now()}\n\n`), heartbeatMs);
      heartbeat.unref();
      function cleanup(): void {
        if (!open) return;
        open = false;
        clearInterval(heartbeat);
        unsubscribe();
        clients.delete(res);
        publish();
      }
      res.on('close', cleanup);
      res.on('error', cleanup);
      // First bytes at once so the client sees the stream is open.
      send(`retry: ${retryMs}\n: connected types=${[...wanted].join(',')}\n\n`);
    },
  });

  return { stats: () => ({ clients: clients.size, dropped }) };
}
