import { ApiKey, ApiKeyInput } from '@hourmeter/domain';
import type { ApiKeyRepository } from '@hourmeter/db';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParams } from '@hourmeter/http';

/** API keys: admin only (no `allow` besides admin). */
export function apiKeyRoutes(parent: FastifyInstance, keys: ApiKeyRepository): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const tags = ['api-keys'];
  const adminOnly = { allow: [] as const };

  app.get('/api-keys', {
    config: adminOnly,
    schema: { tags, summary: 'List API keys (never their secrets)', response: { 200: z.object({ items: z.array(ApiKey) }) } },
    handler: async () => ({ items: await keys.list() }),
  });

  app.post('/api-keys', {
    config: adminOnly,
    schema: {
      tags,
      summary: 'Create an API key; the key is shown only in this response',
      body: ApiKeyInput,
      response: { 201: z.object({ apiKey: ApiKey, key: z.string() }) },
    },
    handler: async (req, reply) => reply.status(201).send(await keys.create(req.body)),
  });

  app.post('/api-keys/:id/revoke', {
    config: adminOnly,
    schema: { tags, summary: 'Revoke an API key', params: IdParams, response: { 200: ApiKey } },
    handler: async (req) => keys.revoke(req.params.id),
  });
}
