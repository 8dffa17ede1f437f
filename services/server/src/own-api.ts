import type { ApiKeyRepository } from '@hourmeter/db';
import type { FastifyInstance } from 'fastify';
import type { ApiCall } from './demo-story.js';

/**
 * Runs `fn` with a caller of this process's own API (fastify's inject, no
 * socket) under a short-lived admin key named `actor`, so what it writes is
 * validated like any client's and history shows who did it. The key is
 * revoked afterwards, whatever happens.
 */
export async function withOwnApi<T>(app: FastifyInstance, keys: ApiKeyRepository, actor: string, fn: (call: ApiCall) => Promise<T>): Promise<T> {
  const { apiKey, key } = await keys.create({ name: actor, role: 'admin' });
  const call: ApiCall = async <R>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<R> => {
    const res = await app.inject({
      method,
      url: `/api/v1${path}`,
      headers: { authorization: `Bearer ${key}` },
      ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: HTTP ${res.statusCode} ${res.body}`);
    return (res.body ? res.json() : undefined) as R;
  };
  try {
    return await fn(call);
  } finally {
    await keys.revoke(apiKey.id);
  }
}
