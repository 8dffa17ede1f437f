import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.js';

/**
 * The POSTs that write money or stock (paths under /api/v1): a retry of one
 * of them must not bill, credit or move stock twice, so they honour
 * `Idempotency-Key`.
 */
export const MONEY_AND_STOCK_WRITES: readonly string[] = [
  '/contracts',
  '/contracts/:id/amendments',
  '/invoice-runs',
  '/invoices/:id/issue',
  '/invoices/:id/credit-notes',
  '/stock/movements',
  '/transfers',
  '/transfers/:id/ship',
  '/transfers/:id/receive',
  '/work-orders/:id/parts',
  '/work-orders/:id/complete',
  // A retried lead would be recorded twice; a retried win would answer 409 instead of the lead with its payout.
  '/work-orders/:id/leads',
  '/leads/:id/decisions',
];

/** The durable record of keys (the idempotency key repository fits). */
export interface IdempotencyStore {
  claim(
    scope: string,
    key: string,
    fingerprint: string,
  ): Promise<{ kind: 'claimed' } | { kind: 'replay'; status: number; response: string } | { kind: 'mismatch' } | { kind: 'in_progress' }>;
  complete(scope: string, key: string, status: number, response: string): Promise<void>;
  release(scope: string, key: string): Promise<void>;
}

const KEY = /^[\x21-\x7e]{1,200}$/;
const claims = new WeakMap<FastifyRequest, { scope: string; key: string }>();

/**
 * `Idempotency-Key` on the given POST routes of this scope (paths relative
 * to its prefix): the first request with a key is handled and its 2xx answer
 * kept (per API key, for 24 h); a retry with the same key and the same body
 * gets that answer again (header `Idempotent-Replayed: true`) without
 * writing; the same key with another method, path or body is 422
 * IDEMPOTENCY_KEY_REUSED; a retry while the first is still running is 409.
 * A failed request (not 2xx) keeps nothing, so it can be retried with its key.
 * Requests without the header behave as before.
 */
export function honourIdempotencyKeys(app: FastifyInstance, store: IdempotencyStore, paths: readonly string[] = MONEY_AND_STOCK_WRITES): void {
  const routes = new Set(paths.map((p) => `POST ${app.prefix}${p}`));
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers['idempotency-key'];
    if (header === undefined || !routes.has(`${req.method} ${req.routeOptions.url}`)) return;
    const key = Array.isArray(header) ? header[0]! : header;
    if (!KEY.test(key)) return sendProblem(reply, req, 400, 'VALIDATION_FAILED', 'Idempotency-Key: 1-200 visible ASCII characters');
    const scope = req.principal?.id ?? 'anonymous';
    const fingerprint = createHash('sha256').update(JSON.stringify([req.method, req.url, req.body ?? null])).digest('hex');
    const claim = await store.claim(scope, key, fingerprint);
    switch (claim.kind) {
      case 'claimed':
        claims.set(req, { scope, key });
        return;
      case 'replay':
        return reply.status(claim.status).header('idempotent-replayed', 'true').type('application/json; charset=utf-8').send(claim.response);
      case 'mismatch':
        return sendProblem(reply, req, 422, 'IDEMPOTENCY_KEY_REUSED', `Idempotency-Key ${key} was already used for a different request (method, path or body); use a new key for a new request`);
      case 'in_progress':
        return sendProblem(reply, req, 409, 'CONFLICT', `a request with Idempotency-Key ${key} is still being handled; retry shortly`);
    }
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const claim = claims.get(req);
    if (!claim) return payload;
    claims.delete(req);
    if (reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === 'string') {
      await store.complete(claim.scope, claim.key, reply.statusCode, payload);
    } else {
      await store.release(claim.scope, claim.key);
    }
    return payload;
  });
}
