import { toCsv, wantsCsv } from '@hourmeter/http';
import type { FastifyInstance } from 'fastify';

/**
 * Every list of the API as CSV: a JSON answer of the form `{items: [...]}`
 * to a request with `?format=csv` or `Accept: text/csv` is sent as CSV
 * instead (one row per item, nested values as JSON). Routes that produce
 * CSV themselves (reports, invoice lines) answer text/csv already and are
 * left alone; so are errors.
 */
export function csvLists(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode !== 200 || typeof payload !== 'string') return payload;
    if (!String(reply.getHeader('content-type') ?? '').startsWith('application/json')) return payload;
    // The raw query: route schemas strip parameters they do not declare, `format` among them.
    const format = new URL(request.url, 'http://localhost').searchParams.get('format') ?? undefined;
    if (!wantsCsv({ format }, request.headers.accept)) return payload;
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch {
      return payload;
    }
    const items = (body as { items?: unknown } | null)?.items;
    if (!Array.isArray(items)) return payload;
    const name = (request.routeOptions.url ?? 'list').replace(/^\/api\/v1\//, '').replace(/[/:]+/g, '-');
    reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`);
    const next = (body as { nextCursor?: unknown }).nextCursor;
    // The CSV has no room for the cursor: it travels in a header, so a client can still page.
    if (typeof next === 'string') reply.header('x-next-cursor', next);
    return toCsv(items.map((i) => (typeof i === 'object' && i !== null ? (i as Record<string, unknown>) : { value: i })));
  });
}
