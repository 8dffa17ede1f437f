import {
  CustomerClass,
  HoldReason,
  RequestChannel,
  RequestState,
  RequestType,
  ServiceRequest,
  ServiceRequestInput,
  SlaEntitlement,
  SlaEntitlementInput,
  TriageInput,
  WorkOrder,
  WorkOrderHold,
  WorkOrderSla,
  idOf,
} from '@hourmeter/domain';
import { actorOf, IdParams as Id, PageQuery as Page, pageOf } from '@hourmeter/http';
import { AppError } from '@hourmeter/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RequestService } from './request-service.js';
import type { SlaService } from './sla-service.js';

export interface FieldServiceRouteDeps {
  sla: SlaService;
  requests: RequestService;
  clock?: (() => number) | undefined;
}

const PLANNER = ['planner'] as const;
const PLANNER_ENGINEER = ['planner', 'engineer'] as const;
const INTAKE = ['planner', 'account-manager'] as const;
const READERS = ['planner', 'engineer', 'account-manager'] as const;

const SlaStateSchema = z.enum(['met', 'on_track', 'at_risk', 'breached']);
const SlaViewSchema = z.object({
  workOrderId: z.string(),
  assetId: z.string(),
  state: z.string(),
  priority: z.string(),
  basis: z.string(),
  customerClass: CustomerClass,
  contractId: z.string().nullable(),
  responseDueAt: z.int(),
  responseState: SlaStateSchema,
  fixDueAt: z.int(),
  fixState: SlaStateSchema,
  status: SlaStateSchema,
  msLeft: z.int().nullable(),
  pausedMs: z.int(),
  onHold: HoldReason.nullable(),
});

/** `2026-01-01` (UTC midnight) or epoch ms. */
const Instant = z.union([z.iso.date().transform((d) => Date.parse(`${d}T00:00:00Z`)), z.coerce.number().int().nonnegative()]);
const PeriodQuery = z.object({
  from: Instant.optional().describe('start (inclusive): YYYY-MM-DD or epoch ms; default 365 days before `to`'),
  to: Instant.optional().describe('end (exclusive): YYYY-MM-DD or epoch ms; default now'),
});

/**
 * SLA entitlements, holds and SLA status (issue 18, item 3); service requests,
 * complaints and their KPIs (item 4), under the /api/v1 scope.
 */
export function fieldServiceRoutes(app: FastifyInstance, deps: FieldServiceRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const clock = deps.clock ?? Date.now;
  const period = (q: { from?: number | undefined; to?: number | undefined }) => {
    const to = q.to ?? clock();
    const from = q.from ?? to - 365 * 86_400_000;
    if (from >= to) throw new AppError('VALIDATION_FAILED', 'from: must be before to', { field: 'from' });
    return { from, to };
  };

  // ---------------------------------------------------------------- SLA entitlements

  r.get('/sla-entitlements', {
    config: { allow: READERS },
    schema: {
      tags: ['sla'],
      summary: 'Response and fix times per priority, by contract or customer class',
      querystring: z.object({ contractId: idOf('contract').optional(), customerClass: CustomerClass.optional() }),
      response: { 200: z.object({ items: z.array(SlaEntitlement) }) },
    },
    handler: async (req) => ({ items: await deps.sla.entitlements.list(req.query) }),
  });

  r.put('/sla-entitlements', {
    config: { allow: PLANNER },
    schema: {
      tags: ['sla'],
      summary: 'Add or replace the entitlement of a contract or customer class for one priority (an unachievable SLA is refused)',
      body: SlaEntitlementInput,
      response: { 200: SlaEntitlement },
    },
    handler: async (req) => deps.sla.entitlements.put(req.body),
  });

  r.delete('/sla-entitlements/:id', {
    config: { allow: PLANNER },
    schema: { tags: ['sla'], summary: 'Remove an entitlement (orders keep the SLA they were created with)', params: Id },
    handler: async (req, reply) => {
      await deps.sla.entitlements.remove(req.params.id);
      return reply.status(204).send();
    },
  });

  // ---------------------------------------------------------------- an order's SLA and holds

  r.get('/work-orders/:id/sla', {
    config: { allow: PLANNER_ENGINEER },
    schema: {
      tags: ['sla'],
      summary: "A work order's SLA (entitlement or override), its due times now and its holds",
      params: Id,
      response: { 200: z.object({ sla: WorkOrderSla.nullable(), view: SlaViewSchema.nullable(), holds: z.array(WorkOrderHold) }) },
    },
    handler: async (req) => deps.sla.ofOrder(req.params.id),
  });

  r.post('/work-orders/:id/hold', {
    config: { allow: PLANNER_ENGINEER },
    schema: {
      tags: ['sla'],
      summary: 'Put an active order on hold; waiting_on_customer pauses its SLA clock',
      params: Id,
      body: z.object({ reason: HoldReason, note: z.string().trim().max(2000).optional() }),
      response: { 201: WorkOrderHold },
    },
    handler: async (req, reply) => reply.status(201).send(await deps.sla.hold(req.params.id, req.body, actorOf(req))),
  });

  r.post('/work-orders/:id/resume', {
    config: { allow: PLANNER_ENGINEER },
    schema: {
      tags: ['sla'],
      summary: 'End the hold; time waiting on the customer is added to the SLA due times',
      params: Id,
      response: { 200: z.object({ hold: WorkOrderHold, workOrder: WorkOrder }) },
    },
    handler: async (req) => deps.sla.resume(req.params.id, actorOf(req)),
  });

  r.put('/work-orders/:id/sla-due', {
    config: { allow: PLANNER },
    schema: {
      tags: ['sla'],
      summary: "Override an order's SLA fix due time by hand (recorded in its history)",
      params: Id,
      body: z.object({ slaDueAt: z.int().nonnegative() }),
      response: { 200: WorkOrder },
    },
    handler: async (req) => deps.sla.override(req.params.id, req.body.slaDueAt, actorOf(req)),
  });

  r.get('/sla/orders', {
    config: { allow: READERS },
    schema: {
      tags: ['sla'],
      summary: 'Active orders with an SLA: due times, time left and status (breached and at risk first)',
      querystring: z.object({ status: SlaStateSchema.optional() }),
      response: { 200: z.object({ items: z.array(SlaViewSchema) }) },
    },
    handler: async (req) => ({ items: (await deps.sla.activeOrders()).filter((v) => !req.query.status || v.status === req.query.status) }),
  });

  r.get('/sla/report', {
    schema: {
      tags: ['sla', 'reports'],
      summary: 'SLA breaches: orders completed in the period per priority (response and fix breached), and active orders breached or at risk',
      querystring: PeriodQuery,
    },
    handler: async (req) => {
      const p = period(req.query);
      return deps.sla.report(p.from, p.to);
    },
  });

  // ---------------------------------------------------------------- service requests and complaints

  r.post('/service-requests', {
    config: { allow: INTAKE },
    schema: {
      tags: ['service-requests'],
      summary: 'Record a service request or complaint (asset, symptom, contact, channel; a complaint names its cause)',
      body: ServiceRequestInput,
      response: { 201: ServiceRequest },
    },
    handler: async (req, reply) => reply.status(201).send(await deps.requests.create(req.body, actorOf(req))),
  });

  r.get('/service-requests', {
    config: { allow: READERS },
    schema: {
      tags: ['service-requests'],
      summary: 'Service requests and complaints, newest first',
      querystring: Page.extend({
        customerId: idOf('customer').optional(),
        assetId: idOf('asset').optional(),
        state: RequestState.optional(),
        type: RequestType.optional(),
        channel: RequestChannel.optional(),
      }),
      response: { 200: pageOf(ServiceRequest) },
    },
    handler: async (req) => {
      const { limit, cursor, ...filters } = req.query;
      return deps.requests.list({ limit, cursor, filters });
    },
  });

  r.get('/service-requests/complaint-rate', {
    schema: {
      tags: ['service-requests', 'reports'],
      summary: 'Complaints per 1,000 assets under service (active contract or warranty), by customer class and month',
      querystring: PeriodQuery,
    },
    handler: async (req) => {
      const p = period(req.query);
      return deps.requests.complaintRate(p.from, p.to);
    },
  });

  r.get('/service-requests/remote-resolution', {
    schema: {
      tags: ['service-requests', 'reports'],
      summary: 'Remote-resolution share (remotely resolved / all resolved requests) by service region and month',
      querystring: PeriodQuery,
    },
    handler: async (req) => {
      const p = period(req.query);
      return deps.requests.remoteResolutionShare(p.from, p.to);
    },
  });

  r.get('/service-requests/:id', {
    config: { allow: READERS },
    schema: { tags: ['service-requests'], summary: 'Read a service request', params: Id, response: { 200: ServiceRequest } },
    handler: async (req) => deps.requests.get(req.params.id),
  });

  r.post('/service-requests/:id/triage', {
    config: { allow: PLANNER },
    schema: {
      tags: ['service-requests'],
      summary: 'Triage a new request: into a work order, resolved remotely (with the outcome), or rejected (with the reason)',
      params: Id,
      body: TriageInput,
      response: { 200: z.object({ request: ServiceRequest, workOrder: WorkOrder.optional() }) },
    },
    handler: async (req) => deps.requests.triage(req.params.id, req.body, actorOf(req)),
  });
}
