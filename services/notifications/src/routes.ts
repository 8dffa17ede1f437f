import type { NotificationRepository, UserRepository } from '@hourmeter/db';
import { Role, type Principal } from '@hourmeter/domain';
// The request's principal (API key and role) is declared there.
import type {} from '@hourmeter/http';
import { AppError } from '@hourmeter/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NOTIFICATION_RULES } from './rules.js';

const RuleName = z.enum(Object.keys(NOTIFICATION_RULES) as [keyof typeof NOTIFICATION_RULES, ...(keyof typeof NOTIFICATION_RULES)[]]);
const Mode = z.enum(['immediate', 'digest', 'off']);
const Preferences = z.partialRecord(RuleName, Mode).describe('rule -> immediate | digest | off; omitted rules follow the role defaults');
const Recipient = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.string(),
  apiKeyId: z.string().nullable(),
  userId: z.string().nullable(),
  preferences: z.record(z.string(), Mode),
  createdAt: z.number(),
  updatedAt: z.number(),
});
const RecipientInput = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320),
  role: Role,
  apiKeyId: z.string().max(64).nullable().optional().describe('the API key of this person: they then manage their own preferences at /me/notification-preferences'),
  userId: z.string().max(64).nullable().optional().describe('the user account of this person (its role then applies); a signed-in user gets one on first visit to /me/notification-preferences'),
  preferences: Preferences.optional(),
});
const Message = z.object({
  id: z.string(),
  recipientId: z.string(),
  eventId: z.string(),
  rule: z.string(),
  status: z.enum(['pending', 'sent', 'failed', 'digest', 'digested']),
  subject: z.string(),
  attempts: z.number(),
  nextAttemptAt: z.number(),
  lastError: z.string().nullable(),
  createdAt: z.number(),
  sentAt: z.number().nullable(),
});
const IdParams = z.object({ id: z.string().min(1).max(64) });

/** Recipients and the mail log (admin), and each person's own preferences (/me). */
export function notificationRoutes(parent: FastifyInstance, deps: { notifications: NotificationRepository; users: Pick<UserRepository, 'get'> }): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const tags = ['notifications'];
  const admin = { allow: [] as const };
  const n = deps.notifications;

  app.get('/notification-rules', {
    schema: { tags, summary: 'What can be mailed, and each role\'s default', response: { 200: z.object({ items: z.array(z.object({ rule: z.string(), what: z.string(), defaults: z.record(z.string(), Mode) })) }) } },
    handler: async () => ({ items: Object.entries(NOTIFICATION_RULES).map(([rule, r]) => ({ rule, what: r.what, defaults: r.defaults })) }),
  });
  app.get('/notification-recipients', {
    config: admin,
    schema: { tags, summary: 'E-mail recipients', response: { 200: z.object({ items: z.array(Recipient) }) } },
    handler: async () => ({ items: await n.listRecipients() }),
  });
  app.post('/notification-recipients', {
    config: admin,
    schema: { tags, summary: 'Add an e-mail recipient (role defaults, preferences override them)', body: RecipientInput, response: { 201: Recipient } },
    handler: async (req, reply) => reply.status(201).send(await n.createRecipient(req.body)),
  });
  app.patch('/notification-recipients/:id', {
    config: admin,
    schema: { tags, summary: 'Change a recipient; preferences are merged rule by rule', params: IdParams, body: RecipientInput.partial(), response: { 200: Recipient } },
    handler: async (req) => n.updateRecipient(req.params.id, req.body),
  });
  app.delete('/notification-recipients/:id', {
    config: admin,
    schema: { tags, summary: 'Remove a recipient and its mail log', params: IdParams },
    handler: async (req, reply) => {
      await n.removeRecipient(req.params.id);
      return reply.status(204).send();
    },
  });
  app.get('/notification-messages', {
    config: admin,
    schema: {
      tags,
      summary: 'The mail log, newest first (queued, sent, failed, waiting for the digest)',
      querystring: z.object({ recipientId: z.string().max(64).optional(), status: Message.shape.status.optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
      response: { 200: z.object({ items: z.array(Message) }) },
    },
    handler: async (req) => ({ items: await n.listMessages(req.query) }),
  });

  /**
   * The caller's own recipient. A signed-in user always has one (made from
   * the account on first use: their name, e-mail and role, role defaults);
   * an API key only when an admin linked one to it, a key having no address.
   */
  async function mine(principal: Principal) {
    if (principal.kind === 'user') return n.recipientForUser(await deps.users.get(principal.id));
    const r = await n.recipientOfKey(principal.id);
    if (!r) throw new AppError('NOT_FOUND', 'no e-mail recipient is linked to this API key; an admin adds one with apiKeyId');
    return r;
  }
  app.get('/me/notification-preferences', {
    schema: { tags, summary: 'Your e-mail settings: the recipient of the signed-in user, or the one linked to the presented key', response: { 200: Recipient } },
    handler: async (req) => mine(req.principal!),
  });
  app.patch('/me/notification-preferences', {
    schema: { tags, summary: 'Change your own preferences (merged rule by rule)', body: z.object({ preferences: Preferences }), response: { 200: Recipient } },
    handler: async (req) => n.updateRecipient((await mine(req.principal!)).id, { preferences: req.body.preferences }),
  });
}
