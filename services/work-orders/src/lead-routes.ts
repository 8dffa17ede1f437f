import { Lead, LeadDecision, LeadInput, LeadState, NpsInput, NpsResponse } from '@hourmeter/domain';
import { actorOf, IdParams as Id } from '@hourmeter/http';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { LeadService } from './leads-service.js';

export interface LeadRouteDeps {
  leads: LeadService;
}

// Staff roles only, declared on every route: customer-scoped users (the portal) are never listed.
const RECORDERS = ['engineer', 'planner', 'account-manager'] as const;
const ACCOUNT_MANAGER = ['account-manager'] as const;
const LEAD_READERS = ['account-manager', 'engineer'] as const;

const Instant = z.union([z.iso.date().transform((d) => Date.parse(`${d}T00:00:00Z`)), z.coerce.number().int().nonnegative()]);
const LeadQuery = z.object({
  state: LeadState.optional(),
  technician: z.string().trim().min(1).max(200).optional(),
  region: z.string().trim().min(1).max(64).optional(),
  customerId: z.string().min(1).max(64).optional(),
  from: Instant.optional().describe('recorded at or after: YYYY-MM-DD or epoch ms'),
  to: Instant.optional().describe('recorded before: YYYY-MM-DD or epoch ms'),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

const Availability = z.object({ measuredPercent: z.number(), guaranteePercent: z.number() });
const Component = z.number().nullable();
const CustomerValueView = z.object({
  customerId: z.string(),
  customerName: z.string(),
  currency: z.string(),
  index: z.number(),
  class: z.enum(['A', 'B', 'C']),
  components: z.object({ revenue: Component, promptness: Component, costToServe: Component, repeats: Component, availability: Component, complaints: Component, satisfaction: Component }),
  totals: z.object({
    yearlyRevenueMinor: z.number(),
    costToServeMinor: z.number(),
    workOrders: z.number(),
    repeatFailures: z.number(),
    promptness: z.number(),
    availability: Availability.nullable(),
    nps: z.object({ promoters: z.number(), passives: z.number(), detractors: z.number() }),
    complaints: z.union([z.object({ available: z.literal(true), count: z.number() }), z.object({ available: z.literal(false), reason: z.string() })]),
  }),
  trend: z.array(z.object({ month: z.string(), index: z.number() })),
  churnRisk: z.boolean(),
  churnReasons: z.array(z.object({ code: z.string(), message: z.string() })),
});

const ReportRow = z.object({
  technician: z.string(),
  region: z.string().nullable(),
  month: z.string(),
  currency: z.string(),
  leads: z.number(),
  open: z.number(),
  qualified: z.number(),
  disqualified: z.number(),
  won: z.number(),
  lost: z.number(),
  conversionRate: z.number(),
  estimatedMinor: z.number(),
  wonMinor: z.number(),
  payoutMinor: z.number(),
});

/**
 * Sales leads from service visits, NPS answers per visit and the customer value
 * index from data (issue #19) under /api/v1: technicians (engineer role) and
 * planners record on a work order, account managers decide, report and rank.
 */
export function leadRoutes(app: FastifyInstance, deps: LeadRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = deps.leads;

  r.post('/work-orders/:id/leads', {
    config: { allow: RECORDERS },
    schema: { tags: ['leads'], summary: 'Record a sales lead heard on this visit', params: Id, body: LeadInput, response: { 201: Lead } },
    handler: async (req, reply) => reply.status(201).send(await svc.record(req.params.id, req.body, actorOf(req))),
  });

  r.get('/work-orders/:id/leads', {
    config: { allow: RECORDERS },
    schema: { tags: ['leads'], summary: 'Leads recorded on this work order', params: Id, response: { 200: z.object({ items: z.array(Lead) }) } },
    handler: async (req) => ({ items: await svc.list({ workOrderId: req.params.id }) }),
  });

  r.get('/leads', {
    config: { allow: LEAD_READERS },
    schema: { tags: ['leads'], summary: 'Leads, newest first, filtered', querystring: LeadQuery, response: { 200: z.object({ items: z.array(Lead) }) } },
    handler: async (req) => {
      const { limit, ...filters } = req.query;
      return { items: await svc.list(filters, limit) };
    },
  });

  r.get('/leads/report', {
    config: { allow: ACCOUNT_MANAGER },
    schema: {
      tags: ['leads'],
      summary: 'Leads, conversion, won value and payout by technician, region and month',
      querystring: LeadQuery.pick({ technician: true, region: true, from: true, to: true }),
      response: { 200: z.object({ items: z.array(ReportRow) }) },
    },
    handler: async (req) => ({ items: await svc.report(req.query) }),
  });

  r.get('/leads/:id', {
    config: { allow: LEAD_READERS },
    schema: { tags: ['leads'], summary: 'Read a lead', params: Id, response: { 200: Lead } },
    handler: async (req) => svc.get(req.params.id),
  });

  r.post('/leads/:id/decisions', {
    config: { allow: ACCOUNT_MANAGER },
    schema: {
      tags: ['leads'],
      summary: 'Qualify, disqualify (reason), win (value) or lose (reason); 409 ILLEGAL_TRANSITION out of order',
      params: Id,
      body: LeadDecision,
      response: { 200: Lead },
    },
    handler: async (req) => svc.decide(req.params.id, req.body, actorOf(req)),
  });

  r.post('/work-orders/:id/nps', {
    config: { allow: RECORDERS },
    schema: { tags: ['leads'], summary: "Record the customer's NPS answer (0-10) for this visit; one per work order", params: Id, body: NpsInput, response: { 201: NpsResponse } },
    handler: async (req, reply) => reply.status(201).send(await svc.recordNps(req.params.id, req.body, actorOf(req))),
  });

  r.get('/work-orders/:id/nps', {
    config: { allow: RECORDERS },
    schema: { tags: ['leads'], summary: "This visit's NPS answer, if any", params: Id, response: { 200: z.object({ response: NpsResponse.nullable() }) } },
    handler: async (req) => ({ response: (await svc.npsOf(req.params.id)) ?? null }),
  });

  r.get('/customers/value-index', {
    config: { allow: ACCOUNT_MANAGER },
    schema: { tags: ['customers'], summary: 'Customers ranked by the value index from data, with class, trend and churn risk', response: { 200: z.object({ items: z.array(CustomerValueView.extend({ rank: z.number() })) }) } },
    handler: async () => ({ items: await svc.rankedCustomers() }),
  });

  r.get('/customers/:id/value-index', {
    config: { allow: ACCOUNT_MANAGER },
    schema: { tags: ['customers'], summary: "A customer's value index with its components, monthly trend and churn reasons", params: Id, response: { 200: CustomerValueView } },
    handler: async (req) => svc.customerValue(req.params.id),
  });
}
