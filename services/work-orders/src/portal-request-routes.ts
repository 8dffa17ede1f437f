import { ComplaintCause, CustomerRole, PortalServiceRequestInput, RequestChannel, RequestState, RequestType, type ServiceRequest } from '@hourmeter/domain';
import { actorOf, PageQuery, portalCustomerOf } from '@hourmeter/http';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RequestService } from './request-service.js';

/** Both customer roles raise requests (raising one reveals nothing and is what the people at the machine need to do). */
const RAISERS = { allow: [...CustomerRole.options] as const };
/** Customers read their own; account managers may preview a customer's with ?customerId=. */
const READERS = { allow: [...CustomerRole.options, 'account-manager'] as const };
const Scope = z.object({ customerId: z.string().max(64).optional().describe('staff only: whose requests to show (a customer user always sees their own)') });

/**
 * A request as its customer sees it: what they asked, its state and the
 * outcome written for them (what was done remotely, or why it was
 * rejected), and the work order it became. Who recorded and triaged it, and
 * the triage's severity, priority and failure mode, stay internal.
 */
const PortalServiceRequest = z.object({
  id: z.string(),
  type: RequestType,
  state: RequestState,
  assetId: z.string(),
  serialNumber: z.string(),
  symptom: z.string(),
  contact: z.string(),
  channel: RequestChannel,
  cause: ComplaintCause.nullable(),
  receivedAt: z.number(),
  workOrderId: z.string().nullable(),
  outcome: z.string().nullable(),
  triagedAt: z.number().nullable(),
});

/**
 * Service requests and complaints in the customer portal (issue #19, item
 * 1). The customer is the principal's (`portalCustomerOf`), never the
 * body's; intake is the request service's own, in its "hide" mode, so an
 * asset, work order or invoice of another customer answers 404 like one
 * that does not exist, and nothing is stored.
 */
export function portalRequestRoutes(parent: FastifyInstance, deps: { requests: RequestService }): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const tags = ['portal', 'service-requests'];

  app.post('/portal/service-requests', {
    config: RAISERS,
    schema: {
      tags,
      summary: 'Raise a service request or complaint on one of the customer\'s assets (channel "portal"; a complaint names its cause: one of their work orders or invoices, or other)',
      querystring: Scope,
      body: PortalServiceRequestInput,
      response: { 201: PortalServiceRequest },
    },
    handler: async (req, reply) => {
      const request = await deps.requests.createForCustomer(portalCustomerOf(req), req.body, actorOf(req));
      const [withSerial] = await deps.requests.withSerials([request]);
      return reply.status(201).send(portalView(withSerial!));
    },
  });

  app.get('/portal/service-requests', {
    config: READERS,
    schema: {
      tags,
      summary: "The customer's service requests and complaints with state and outcome, newest first",
      querystring: Scope.merge(PageQuery).extend({ state: RequestState.optional(), type: RequestType.optional() }),
      response: { 200: z.object({ items: z.array(PortalServiceRequest), nextCursor: z.string().nullable() }) },
    },
    handler: async (req) => {
      const { limit, cursor, state, type } = req.query;
      const page = await deps.requests.listOfCustomer(portalCustomerOf(req), { limit, cursor, filters: { state, type } });
      return { items: page.items.map(portalView), nextCursor: page.nextCursor };
    },
  });
}

function portalView({ request: r, serialNumber }: { request: ServiceRequest; serialNumber: string }): z.infer<typeof PortalServiceRequest> {
  return {
    id: r.id,
    type: r.type,
    state: r.state,
    assetId: r.assetId,
    serialNumber,
    symptom: r.symptom,
    contact: r.contact,
    channel: r.channel,
    cause: r.cause ?? null,
    receivedAt: r.receivedAt,
    workOrderId: r.workOrderId ?? null,
    outcome: r.outcome ?? null,
    triagedAt: r.triagedAt ?? null,
  };
}
