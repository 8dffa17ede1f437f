import { CustomerRole, CreditNoteView, InvoiceView } from '@hourmeter/domain';
import { IdParams as Id, portalCustomerOf } from '@hourmeter/http';
import { notFound } from '@hourmeter/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { creditNotePdf, invoicePdf } from './pdf.js';
import type { ContractsService } from './service.js';

/** Customers read their own; account managers may preview a customer's portal with ?customerId=. */
const portal = { allow: [...CustomerRole.options, 'account-manager'] as const };
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM');
const Scope = z.object({ customerId: z.string().max(64).optional().describe('staff only: whose portal to show (a customer user always sees their own)') });

const PortalInvoice = z.object({ invoice: InvoiceView, creditNotes: z.array(CreditNoteView) });

const ContractAvailability = z.object({
  contractId: z.string(),
  periodStart: z.string(),
  periodEnd: z.string(),
  assetIds: z.array(z.string()),
  availabilityPercent: z.number(),
  guaranteePercent: z.number(),
  /** No scheduled hours in the period: "no data", not 100 %. */
  noData: z.boolean(),
});

/**
 * The customer portal's billing half (issue #19): a customer's issued
 * invoices with their credit notes, the PDFs, and availability against the
 * guarantee of its PBH contracts. Every read goes through
 * `customerInvoice`/the customer filter, so another customer's invoice is
 * "not found" (404) exactly like one that does not exist. Drafts are the
 * account manager's work in progress and never reach the portal.
 */
export function portalBillingRoutes(parent: FastifyInstance, deps: { contracts: ContractsService }): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const svc = deps.contracts;
  const tags = ['portal'];

  async function customerInvoice(id: string, customerId: string) {
    const inv = await svc.getInvoice(id).catch(() => undefined);
    if (!inv || inv.customerId !== customerId || inv.status !== 'issued') throw notFound('invoice', id);
    return inv;
  }

  app.get('/portal/invoices', {
    config: portal,
    schema: { tags, summary: "The customer's issued invoices with their credit notes (newest first)", querystring: Scope, response: { 200: z.object({ items: z.array(PortalInvoice) }) } },
    handler: async (req) => {
      const customerId = portalCustomerOf(req);
      const invoices = [];
      let cursor: string | undefined;
      do {
        const page = await svc.listInvoices({ customerId, status: 'issued' }, 500, cursor);
        invoices.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const items = await Promise.all(invoices.reverse().map(async (invoice) => ({ invoice, creditNotes: await svc.creditNotes(invoice.id) })));
      return { items };
    },
  });

  app.get('/portal/invoices/:id/pdf', {
    config: portal,
    schema: { tags, summary: "One of the customer's issued invoices as PDF", params: Id, querystring: Scope },
    handler: async (req, reply) => {
      const inv = await customerInvoice(req.params.id, portalCustomerOf(req));
      const pdf = await invoicePdf(inv, await svc.creditNotes(inv.id), await svc.payments(inv.id));
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="${inv.number ?? inv.id}.pdf"`).send(pdf);
    },
  });

  app.get('/portal/invoices/:id/credit-notes/:noteId/pdf', {
    config: portal,
    schema: { tags, summary: "A credit note on one of the customer's invoices as PDF", params: Id.extend({ noteId: z.string().min(1).max(64) }), querystring: Scope },
    handler: async (req, reply) => {
      const inv = await customerInvoice(req.params.id, portalCustomerOf(req));
      const note = (await svc.creditNotes(inv.id)).find((n) => n.id === req.params.noteId);
      if (!note) throw notFound('credit note', req.params.noteId);
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="${note.number}.pdf"`).send(await creditNotePdf(note, inv));
    },
  });

  app.get('/portal/availability', {
    config: portal,
    schema: {
      tags,
      summary: "Availability against the guarantee of the customer's PBH contracts in a month (default: the current one)",
      querystring: Scope.extend({ month: Month.optional() }),
      response: { 200: z.object({ month: z.string(), items: z.array(ContractAvailability) }) },
    },
    handler: async (req) => {
      const customerId = portalCustomerOf(req);
      const month = req.query.month ?? new Date().toISOString().slice(0, 7);
      const contracts = await svc.listContracts({ customerId }, 500);
      const items = [];
      for (const c of contracts.items) {
        if (c.kind !== 'pbh' || c.startsOn.slice(0, 7) > month || c.endsOn.slice(0, 7) < month) continue;
        const a = await svc.availability(c.id, month);
        items.push({
          contractId: c.id,
          periodStart: a.periodStart,
          periodEnd: a.periodEnd,
          assetIds: c.versions.at(-1)?.assetIds ?? [],
          availabilityPercent: a.availabilityPercent,
          guaranteePercent: a.guaranteePercent,
          noData: a.scheduledMs === 0,
        });
      }
      return { month, items };
    },
  });
}
