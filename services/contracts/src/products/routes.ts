import { actorOf, IdParams as Id } from '@hourmeter/http';
import { Currency, idOf, IsoDate } from '@hourmeter/domain';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceProducts } from './service.js';

/** Account managers sell and decide; engineers may read plans, quotes and renewals (they advise on condition). */
const write = { allow: ['account-manager'] as const };
const read = { allow: ['account-manager', 'engineer'] as const };

const Kind = z.enum(['extended_warranty', 'inspection_plan', 'remote_monitoring', 'training']);
const EligibilityInput = z
  .object({
    maxAgeMonths: z.int().nonnegative().max(1200).optional(),
    maxOperatingHours: z.number().nonnegative().max(10_000_000).optional(),
    maxFailureProbability: z.number().min(0).max(1).optional(),
    minRulHours: z.number().nonnegative().max(10_000_000).optional(),
  })
  .strict();

const ProductInput = z
  .object({
    assetModelId: idOf('assetModel'),
    kind: Kind,
    name: z.string().trim().min(1).max(200),
    currency: Currency,
    termMonths: z.int().min(1).max(120),
    /** The fixed price per asset and term; the extended warranty is priced from reliability (0 allowed). */
    priceMinor: z.int().nonnegative().max(1_000_000_000_000).default(0),
    marginPercent: z.number().min(0).max(500).default(20),
    defaultFailureCostMinor: z.int().nonnegative().max(1_000_000_000_000).default(0),
    eligibility: EligibilityInput.default({}),
    reminderDays: z.int().min(0).max(366).default(60),
    active: z.boolean().default(true),
  })
  .refine((p) => p.kind === 'extended_warranty' || p.priceMinor > 0, { message: 'a plan other than the extended warranty needs a price', path: ['priceMinor'] });

const ProductView = z.object({
  id: z.string(),
  assetModelId: z.string(),
  kind: Kind,
  name: z.string(),
  currency: z.string(),
  termMonths: z.number(),
  priceMinor: z.number(),
  marginPercent: z.number(),
  defaultFailureCostMinor: z.number(),
  eligibility: z.record(z.string(), z.unknown()),
  reminderDays: z.number(),
  active: z.boolean(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

const Status = z.enum(['quoted', 'accepted', 'declined', 'expired', 'renewed']);
const QuoteView = z.object({
  id: z.string(),
  productId: z.string(),
  customerId: z.string(),
  assetIds: z.array(z.string()),
  status: Status,
  startsOn: z.string(),
  endsOn: z.string(),
  currency: z.string(),
  totalMinor: z.number(),
  /** Per asset: its condition, price and (extended warranty) the pricing working per failure mode. */
  working: z.unknown(),
  validUntil: z.number(),
  renewalOfId: z.string().nullable(),
  contractId: z.string().nullable(),
  decidedAt: z.number().nullable(),
  decidedBy: z.string().nullable(),
  remindedAt: z.number().nullable(),
  createdAt: z.number(),
});

/** Service products, their quotes and renewals under /api/v1 (issue #19, item 4). */
export function serviceProductRoutes(parent: FastifyInstance, deps: { products: ServiceProducts }): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const svc = deps.products;
  const tags = ['service products'];

  app.get('/service-products', {
    config: read,
    schema: { tags, summary: 'Plans, optionally of one asset model', querystring: z.object({ assetModelId: z.string().max(64).optional() }), response: { 200: z.object({ items: z.array(ProductView) }) } },
    handler: async (req) => ({ items: await svc.products(req.query.assetModelId) }),
  });

  app.post('/service-products', {
    config: write,
    schema: { tags, summary: 'Create a plan for an asset model', body: ProductInput, response: { 201: ProductView } },
    handler: async (req, reply) => reply.status(201).send(await svc.createProduct(req.body)),
  });

  app.get('/service-products/:id', {
    config: read,
    schema: { tags, summary: 'A plan', params: Id, response: { 200: ProductView } },
    handler: async (req) => svc.product(req.params.id),
  });

  app.put('/service-products/:id', {
    config: write,
    schema: { tags, summary: 'Edit a plan (quotes already made keep their price)', params: Id, body: ProductInput, response: { 200: ProductView } },
    handler: async (req) => svc.updateProduct(req.params.id, req.body),
  });

  app.post('/service-products/:id/quotes', {
    config: write,
    schema: {
      tags,
      summary: 'Quote the plan for assets of one customer: eligibility checked (422 NOT_ELIGIBLE with the reasons), the price with its working',
      params: Id,
      body: z.object({ assetIds: z.array(idOf('asset')).min(1).max(200).refine((a) => new Set(a).size === a.length, 'must not repeat'), startsOn: IsoDate.optional() }),
      response: { 201: QuoteView },
    },
    handler: async (req, reply) => reply.status(201).send(await svc.quote(req.params.id, req.body)),
  });

  app.get('/service-quotes', {
    config: read,
    schema: { tags, summary: 'Quotes and agreements, newest first', querystring: z.object({ customerId: z.string().max(64).optional(), status: Status.optional() }), response: { 200: z.object({ items: z.array(QuoteView) }) } },
    handler: async (req) => ({ items: await svc.quotes({ customerId: req.query.customerId, status: req.query.status }) }),
  });

  app.get('/service-quotes/:id', {
    config: read,
    schema: { tags, summary: 'A quote with its working', params: Id, response: { 200: QuoteView } },
    handler: async (req) => svc.getQuote(req.params.id),
  });

  app.post('/service-quotes/:id/accept', {
    config: write,
    schema: { tags, summary: 'Accept: an extended warranty becomes a warranty contract, the other plans a priced subscription (409 QUOTE_NOT_OPEN, QUOTE_EXPIRED)', params: Id, response: { 200: QuoteView } },
    handler: async (req) => svc.accept(req.params.id, actorOf(req)),
  });

  app.post('/service-quotes/:id/decline', {
    config: write,
    schema: { tags, summary: 'Decline a quote (409 QUOTE_NOT_OPEN)', params: Id, response: { 200: QuoteView } },
    handler: async (req) => svc.decline(req.params.id, actorOf(req)),
  });

  app.post('/service-quotes/:id/renewal', {
    config: write,
    schema: { tags, summary: "Renew an accepted agreement: a new quote from the assets' condition now, starting the day after it ends (409 NOT_AN_AGREEMENT)", params: Id, response: { 201: QuoteView } },
    handler: async (req, reply) => reply.status(201).send(await svc.renew(req.params.id)),
  });

  app.get('/service-renewals/due', {
    config: read,
    schema: { tags, summary: "Agreements ending within their plan's reminder days", response: { 200: z.object({ items: z.array(QuoteView.extend({ productName: z.string() })) }) } },
    handler: async () => ({ items: await svc.renewalsDue() }),
  });

  app.post('/service-renewals/reminders', {
    config: write,
    schema: { tags, summary: 'Announce due renewals once each (outbox event service-product.renewal_due); the schedule does the same', response: { 200: z.object({ announced: z.array(z.object({ quoteId: z.string(), eventId: z.string() })) }) } },
    handler: async () => ({ announced: await svc.announceRenewals() }),
  });
}
