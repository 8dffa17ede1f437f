import type { FleetAssetFacts, Repositories } from '@hourmeter/db';
import { CustomerRole, CustomerUserInput, Severity, User } from '@hourmeter/domain';
import { IdParams, portalCustomerOf } from '@hourmeter/http';
import { notFound } from '@hourmeter/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AccountService } from '../accounts.js';
import type { DeviceStatusSource } from '../ports.js';

/** Customers read their own portal; account managers may preview one with ?customerId=. */
const READERS = { allow: [...CustomerRole.options, 'account-manager'] as const };
/** A customer admin manages the people of their own customer (staff admins too, with ?customerId=). */
const CUSTOMER_ADMIN = { allow: ['customer-admin'] as const };
const Scope = z.object({ customerId: z.string().max(64).optional().describe('staff only: whose portal to show (a customer user always sees their own)') });

const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

const PortalAsset = z.object({
  assetId: z.string(),
  serialNumber: z.string(),
  status: z.string(),
  assetModel: z.object({ code: z.string(), name: z.string() }),
  site: z.object({ id: z.string(), name: z.string() }),
  operatingHours: z.number(),
  online: z.boolean().nullable().describe('Any device connected; null without a device'),
  activeAlerts: z.number().int(),
  worstSeverity: Severity.nullable(),
});
type PortalAsset = z.infer<typeof PortalAsset>;

const PortalWorkOrder = z.object({
  id: z.string(),
  kind: z.string(),
  state: z.string(),
  assetId: z.string(),
  serialNumber: z.string(),
  siteName: z.string(),
  failureMode: z.string().nullable(),
  description: z.string().nullable(),
  createdAt: z.number(),
  completedAt: z.number().nullable(),
  cancelledAt: z.number().nullable(),
});

const PortalAlert = z.object({
  id: z.string(),
  assetId: z.string(),
  serialNumber: z.string(),
  siteName: z.string(),
  severity: Severity,
  failureMode: z.string(),
  state: z.string(),
  raisedAt: z.number(),
});

const PortalUserUpdate = z
  .object({ name: CustomerUserInput.shape.name, role: CustomerRole, disabled: z.boolean() })
  .partial()
  .refine((u) => Object.keys(u).length > 0, 'nothing to change');

/**
 * The customer portal (issue #19): a customer's own fleet, work orders,
 * alerts and people. The customer comes from the principal
 * (`portalCustomerOf`), never from the request, and each read passes it to a
 * customer-scoped query, so another customer's id answers 404 as if it did
 * not exist. Invoices and availability are the contracts service's
 * (`/portal/invoices`, `/portal/availability`).
 */
export function portalRoutes(parent: FastifyInstance, deps: { repos: Repositories; accounts: AccountService; deviceStatus?: DeviceStatusSource | undefined }): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const tags = ['portal'];
  const { repos, accounts } = deps;

  const view = (f: FleetAssetFacts): PortalAsset => {
    const online = f.devices.map((d) => deps.deviceStatus?.get(d.id)?.online ?? d.online);
    return {
      assetId: f.assetId,
      serialNumber: f.serialNumber,
      status: f.status,
      assetModel: { code: f.assetModel.code, name: f.assetModel.name },
      site: f.site,
      operatingHours: f.operatingHours,
      online: online.length === 0 ? null : online.some(Boolean),
      activeAlerts: f.activeAlerts.length,
      worstSeverity: f.activeAlerts.reduce<Severity | null>((w, a) => (w === null || SEVERITY_RANK[a.severity] > SEVERITY_RANK[w] ? a.severity : w), null),
    };
  };

  app.get('/portal/fleet', {
    config: READERS,
    schema: {
      tags,
      summary: "The customer's sites and assets with status, operating hours and open alerts",
      querystring: Scope,
      response: {
        200: z.object({
          customer: z.object({ id: z.string(), name: z.string() }),
          sites: z.array(z.object({ id: z.string(), name: z.string(), address: z.string().nullable() })),
          assets: z.array(PortalAsset),
        }),
      },
    },
    handler: async (req) => {
      const customerId = portalCustomerOf(req);
      const customer = await repos.customers.get(customerId);
      const sites = await repos.sites.list({ limit: 500, filters: { customerId } });
      const facts = await repos.fleetSummary.facts({ customerId });
      return {
        customer: { id: customer.id, name: customer.name },
        sites: sites.items.map((s) => ({ id: s.id, name: s.name, address: s.address ?? null })),
        assets: facts.map(view),
      };
    },
  });

  app.get('/portal/assets/:id', {
    config: READERS,
    schema: { tags, summary: "One of the customer's assets (another customer's is not found)", params: IdParams, querystring: Scope, response: { 200: PortalAsset } },
    handler: async (req) => {
      const [facts] = await repos.fleetSummary.facts({ customerId: portalCustomerOf(req), assetId: req.params.id });
      if (!facts) throw notFound('asset', req.params.id);
      return view(facts);
    },
  });

  app.get('/portal/work-orders', {
    config: READERS,
    schema: {
      tags,
      summary: "The customer's work orders: open (open, scheduled, in progress) or closed (completed, cancelled), newest first",
      querystring: Scope.extend({ state: z.enum(['open', 'closed']).default('open') }),
      response: { 200: z.object({ items: z.array(PortalWorkOrder) }) },
    },
    handler: async (req) => ({ items: await repos.portal.workOrders(portalCustomerOf(req), { state: req.query.state }) }),
  });

  app.get('/portal/alerts', {
    config: READERS,
    schema: {
      tags,
      summary: "A summary of the open alerts on the customer's assets: counts by severity and the list",
      querystring: Scope,
      response: { 200: z.object({ total: z.number().int(), bySeverity: z.record(Severity, z.number().int()), items: z.array(PortalAlert) }) },
    },
    handler: async (req) => {
      const items = await repos.portal.openAlerts(portalCustomerOf(req));
      const bySeverity = Object.fromEntries(Severity.options.map((s) => [s, items.filter((a) => a.severity === s).length])) as Record<Severity, number>;
      return { total: items.length, bySeverity, items };
    },
  });

  app.get('/portal/users', {
    config: CUSTOMER_ADMIN,
    schema: { tags, summary: "The people of the customer (customer admin)", querystring: Scope, response: { 200: z.object({ items: z.array(User) }) } },
    handler: async (req) => ({ items: await repos.users.listOfCustomer(portalCustomerOf(req)) }),
  });

  app.post('/portal/users', {
    config: CUSTOMER_ADMIN,
    schema: { tags, summary: 'Invite a colleague: a customer viewer or admin of the same customer, with an initial password', querystring: Scope, body: CustomerUserInput, response: { 201: User } },
    handler: async (req, reply) => {
      const customerId = portalCustomerOf(req);
      await repos.customers.get(customerId);
      return reply.status(201).send(await accounts.createUser({ ...req.body, customerId }));
    },
  });

  app.patch('/portal/users/:id', {
    config: CUSTOMER_ADMIN,
    schema: { tags, summary: "Rename, change between viewer and admin, disable or enable one of the customer's users", params: IdParams, querystring: Scope, body: PortalUserUpdate, response: { 200: User } },
    handler: async (req) => {
      const user = await repos.users.getOfCustomer(req.params.id, portalCustomerOf(req));
      return accounts.updateUser(user.id, req.body);
    },
  });
}
