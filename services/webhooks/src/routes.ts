import type { WebhookRepository } from '@hourmeter/db';
import { AppError } from '@hourmeter/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WebhookDispatcher } from './dispatcher.js';
import { isValidPattern, WEBHOOK_EVENT_TYPES } from './event-types.js';
import { privateAddressOf } from './network-guard.js';

const Subscription = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  eventTypes: z.array(z.string()),
  status: z.enum(['active', 'disabled']),
  allowPrivateNetwork: z.boolean(),
  failingSince: z.number().nullable(),
  disabledAt: z.number().nullable(),
  disabledReason: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
const Delivery = z.object({
  id: z.string(),
  subscriptionId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.number(),
  nextAttemptAt: z.number().nullable(),
  lastStatusCode: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.number(),
  completedAt: z.number().nullable(),
});
const Attempt = z.object({
  id: z.string(),
  at: z.number(),
  statusCode: z.number().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
  responseExcerpt: z.string().nullable(),
  manual: z.boolean(),
});
const DeliveryWithLog = Delivery.extend({ attemptLog: z.array(Attempt) });

const Patterns = z
  .array(z.string().max(64).refine(isValidPattern, { message: `must be an event type (${Object.keys(WEBHOOK_EVENT_TYPES).join(', ')}), <entity>.* or *` }))
  .min(1)
  .max(50);
const Url = z
  .string()
  .max(2000)
  .refine(
    (s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
      } catch {
        return false;
      }
    },
    { message: 'must be an http(s) URL without credentials' },
  );
const SubscriptionInput = z.object({
  url: Url,
  eventTypes: Patterns,
  description: z.string().max(500).optional(),
  allowPrivateNetwork: z.boolean().optional().describe('deliver to loopback, private and link-local addresses (off: such URLs are refused, SSRF)'),
});
const IdParams = z.object({ id: z.string().min(1).max(64) });

/** Refuses a URL whose host resolves to a private address unless the subscription allows it. */
async function checkReachable(url: string, allowPrivateNetwork: boolean | undefined): Promise<void> {
  if (allowPrivateNetwork) return;
  let blocked: string | undefined;
  try {
    blocked = await privateAddressOf(new URL(url));
  } catch (err) {
    throw new AppError('VALIDATION_FAILED', `url: host ${new URL(url).hostname} does not resolve (${(err as Error).message})`);
  }
  if (blocked) {
    throw new AppError('VALIDATION_FAILED', `url: ${new URL(url).hostname} resolves to ${blocked}, a loopback, private or link-local address; an admin may allow it with allowPrivateNetwork: true`);
  }
}

/** Webhook subscriptions, their delivery log and redelivery: admin only. */
export function webhookRoutes(parent: FastifyInstance, deps: { webhooks: WebhookRepository; dispatcher: WebhookDispatcher }): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const tags = ['webhooks'];
  const config = { allow: [] as const };
  const { webhooks } = deps;

  app.get('/webhooks/event-types', {
    config,
    schema: { tags, summary: 'Event types a webhook may subscribe to, and whether each is written with its change (transactional) or from the event bus', response: { 200: z.object({ items: z.array(z.object({ type: z.string(), outbox: z.enum(['transactional', 'bus']) })) }) } },
    handler: async () => ({ items: Object.entries(WEBHOOK_EVENT_TYPES).map(([type, outbox]) => ({ type, outbox })) }),
  });

  app.get('/webhooks', {
    config,
    schema: { tags, summary: 'List webhook subscriptions (never their secrets)', response: { 200: z.object({ items: z.array(Subscription) }) } },
    handler: async () => ({ items: await webhooks.listSubscriptions() }),
  });

  app.post('/webhooks', {
    config,
    schema: { tags, summary: 'Subscribe a URL to event types; the signing secret is shown only in this response', body: SubscriptionInput, response: { 201: z.object({ subscription: Subscription, secret: z.string() }) } },
    handler: async (req, reply) => {
      await checkReachable(req.body.url, req.body.allowPrivateNetwork);
      return reply.status(201).send(await webhooks.createSubscription(req.body));
    },
  });

  app.get('/webhooks/:id', {
    config,
    schema: { tags, summary: 'A webhook subscription', params: IdParams, response: { 200: Subscription } },
    handler: async (req) => webhooks.getSubscription(req.params.id),
  });

  app.patch('/webhooks/:id', {
    config,
    schema: {
      tags,
      summary: 'Change a subscription; status active re-enables a disabled one',
      params: IdParams,
      body: SubscriptionInput.partial().extend({ status: z.enum(['active', 'disabled']).optional() }),
      response: { 200: Subscription },
    },
    handler: async (req) => {
      const existing = await webhooks.getSubscription(req.params.id);
      const url = req.body.url ?? existing.url;
      if (req.body.url !== undefined || req.body.allowPrivateNetwork === false) await checkReachable(url, req.body.allowPrivateNetwork ?? existing.allowPrivateNetwork);
      return webhooks.updateSubscription(req.params.id, req.body);
    },
  });

  app.delete('/webhooks/:id', {
    config,
    schema: { tags, summary: 'Delete a subscription and its delivery log', params: IdParams },
    handler: async (req, reply) => {
      await webhooks.deleteSubscription(req.params.id);
      return reply.status(204).send();
    },
  });

  app.get('/webhooks/:id/deliveries', {
    config,
    schema: {
      tags,
      summary: 'Delivery log of a subscription, newest first',
      params: IdParams,
      querystring: z.object({
        status: z.enum(['pending', 'succeeded', 'failed']).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        cursor: z.string().max(64).optional(),
      }),
      response: { 200: z.object({ items: z.array(Delivery), nextCursor: z.string().nullable() }) },
    },
    handler: async (req) => webhooks.listDeliveries(req.params.id, req.query),
  });

  app.get('/webhook-deliveries/:id', {
    config,
    schema: { tags, summary: 'A delivery with every attempt (time, response code, error, duration, response excerpt)', params: IdParams, response: { 200: DeliveryWithLog } },
    handler: async (req) => webhooks.getDelivery(req.params.id),
  });

  app.post('/webhook-deliveries/:id/redeliver', {
    config,
    schema: { tags, summary: 'Send a delivery again now (any state); the attempt is logged as manual', params: IdParams, response: { 200: DeliveryWithLog } },
    handler: async (req) => deps.dispatcher.redeliver(req.params.id),
  });
}
