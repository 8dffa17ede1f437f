import { sendProblem } from '@hourmeter/http';
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

/** One SSE frame: `id`, `event: <type>` and the JSON envelope on one `data:` line (JSON has no raw newlines). */
export function sseFrame(e: AnyEnvelope): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

/**
 * `GET /api/v1/events`: live updates as server-sent events, for every role.
 * Authenticated like every other route (Bearer header; the console reads the
 * stream with fetch + ReadableStream, so no key ever travels in a URL). Each
 * event is `event: <type>` + `data: <envelope JSON>`; a comment heartbeat
 * keeps idle connections alive. No replay: a client that reconnects reloads
 * state over the REST API.
 */
export function eventRoutes(
  parent: FastifyInstance,
  deps: {
    events: EventSubscriber;
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
  const clients = new Set<ServerResponse>();
  let dropped = 0;
  const publish = () => {
    if (deps.counters) Object.assign(deps.counters, { clients: clients.size, dropped });
  };

  // fastify.close() waits for open connections; a stream never ends by itself.
  parent.addHook('preClose', async () => {
    for (const res of clients) res.end();
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
      if (clients.size >= maxClients) {
        return sendProblem(reply, req, 503, 'UNAVAILABLE', `too many live-update streams (${maxClients}); try again later`);
      }
      const wanted = requested ? new Set(requested as EventType[]) : undefined;

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
      clients.add(res);
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
        if (!wanted || wanted.has(e.type)) send(sseFrame(e));
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
      send(`retry: ${retryMs}\n: connected${wanted ? ` types=${[...wanted].join(',')}` : ''}\n\n`);
    },
  });

  return { stats: () => ({ clients: clients.size, dropped }) };
}
