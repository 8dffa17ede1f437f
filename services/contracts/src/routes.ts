import {
  AmendmentInput,
  ContractInput,
  ContractWithHistory,
  CreditNoteInput,
  CreditNoteView,
  InvoiceView,
  ExchangeRate,
  ExchangeRateInput,
  PaymentInput,
  PaymentView,
  RateCard,
  RateCardInput,
  TimeZone,
} from '@hourmeter/domain';
import { actorOf } from '@hourmeter/http';
import { AppError, notFound } from '@hourmeter/runtime';
import { IdParams as Id, PageQuery, pageOf as page } from '@hourmeter/http';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ageingCsv } from './ageing.js';
import { creditNotePdf, invoicePdf } from './pdf.js';
import { invoiceCsv, invoiceHtml } from './render.js';
import type { ContractsService } from './service.js';

export interface ContractRouteDeps {
  contracts: ContractsService;
}

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM');
const Day = z.iso.date();
const allow = { allow: ['account-manager'] as const };

/** Issuing: `force` (admins only) issues a provisional draft before its period closes, with the reason recorded. */
const IssueInput = z
  .object({ force: z.boolean().default(false), reason: z.string().trim().min(3).max(1000).optional() })
  .refine((b) => !b.force || b.reason !== undefined, { message: 'a forced issue needs a reason', path: ['reason'] });

const RunView = z.object({
  id: z.string(),
  period: z.string(),
  status: z.enum(['running', 'succeeded', 'failed']),
  startedAt: z.number(),
  finishedAt: z.number().nullable(),
  result: z.unknown(),
});

const AvailabilityView = z.object({
  contractId: z.string(),
  /** The contract's clock: the period's days run midnight to midnight there. */
  timeZone: z.string(),
  periodStart: z.string(),
  periodEnd: z.string(),
  scheduledMs: z.number(),
  downtimeMs: z.number(),
  availabilityPercent: z.number(),
  guaranteePercent: z.number(),
  creditSteps: z.number(),
  creditPercent: z.number(),
  events: z.array(
    z.object({
      workOrderId: z.string(),
      assetId: z.string(),
      from: z.number(),
      to: z.number(),
      cause: z.string(),
      planned: z.boolean(),
      description: z.string().optional(),
      counted: z.boolean(),
      reason: z.string(),
      countedMs: z.number(),
    }),
  ),
});

const Money4 = z.object({ pbhMinor: z.number(), timeAndMaterialsMinor: z.number(), partsMinor: z.number(), creditNotesMinor: z.number(), totalMinor: z.number() });
const PnlRowView = z.object({
  key: z.string(),
  currency: z.string(),
  revenue: Money4,
  cost: z.object({ partsMinor: z.number(), labourMinor: z.number(), travelMinor: z.number(), totalMinor: z.number() }),
  marginMinor: z.number(),
});

/**
 * Contracts and billing under /api/v1 (register inside the authenticated scope).
 * Every route is for account managers (and admin).
 */
export function contractRoutes(parent: FastifyInstance, deps: ContractRouteDeps): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const svc = deps.contracts;
  const tags = ['contracts'];

  app.get('/contracts', {
    config: allow,
    schema: {
      tags,
      summary: 'List contracts (newest version of each, with history)',
      querystring: z.object({
        customerId: z.string().max(64).optional(),
        assetId: z.string().max(64).optional(),
        ...PageQuery.shape,
      }),
      response: { 200: page(ContractWithHistory) },
    },
    handler: async (req) => svc.listContracts({ customerId: req.query.customerId, assetId: req.query.assetId }, req.query.limit, req.query.cursor),
  });

  app.post('/contracts', {
    config: allow,
    schema: { tags, summary: 'Create a contract (version 1)', body: ContractInput, response: { 201: ContractWithHistory } },
    handler: async (req, reply) => reply.status(201).send(await svc.createContract(req.body)),
  });

  app.get('/contracts/:id', {
    config: allow,
    schema: { tags, summary: 'A contract with every version', params: Id, response: { 200: ContractWithHistory } },
    handler: async (req) => svc.getContract(req.params.id),
  });

  app.post('/contracts/:id/amendments', {
    config: allow,
    schema: {
      tags,
      summary: 'Amend: a new version effective from a date (not inside an invoiced period); history is kept',
      params: Id,
      body: AmendmentInput,
      response: { 201: ContractWithHistory },
    },
    handler: async (req, reply) => reply.status(201).send(await svc.amend(req.params.id, req.body)),
  });

  app.post('/assets/:id/owner-changes', {
    config: allow,
    schema: {
      tags,
      summary: "An asset changes owner from a day (moves to a site of another customer): the old owner's contracts stop covering it from that day",
      params: Id,
      body: z.object({ siteId: z.string().min(1).max(64), effectiveOn: Day }),
      response: {
        201: z.object({ assetId: z.string(), customerId: z.string(), effectiveOn: z.string(), endedCoverage: z.array(z.object({ contractId: z.string(), kind: z.string() })) }),
      },
    },
    handler: async (req, reply) => reply.status(201).send(await svc.changeOwner(req.params.id, req.body)),
  });

  app.get('/contracts/:id/usage', {
    config: allow,
    schema: {
      tags,
      summary: "Metered usage per asset and day in a billing period on the contract's clock (refreshed from the hour meter); `timeZone` shows the same readings cut at another zone's midnights",
      params: Id,
      querystring: z.object({ period: Month, timeZone: TimeZone.optional().describe("IANA zone to cut the days at (default: the contract's clock)") }),
      response: {
        200: z.object({
          contractId: z.string(),
          /** The clock the days below are cut at. */
          timeZone: z.string(),
          /** The contract's clock (its site's zone, else its customer's): what it is billed on. */
          contractTimeZone: z.string(),
          periodStart: z.string(),
          periodEnd: z.string(),
          totalMs: z.number(),
          assets: z.array(z.object({ assetId: z.string(), operatingMs: z.number() })),
          days: z.array(z.object({ assetId: z.string(), day: z.string(), operatingMs: z.number(), version: z.number() })),
        }),
      },
    },
    handler: async (req) => svc.usage(req.params.id, req.query.period, req.query.timeZone),
  });

  app.get('/contracts/:id/availability', {
    config: allow,
    schema: {
      tags,
      summary: 'Availability achieved vs guaranteed in a period, with the downtime events behind it',
      params: Id,
      querystring: z.object({ period: Month }),
      response: { 200: AvailabilityView },
    },
    handler: async (req) => svc.availability(req.params.id, req.query.period),
  });

  app.post('/invoice-runs', {
    config: allow,
    schema: {
      tags,
      summary: 'Start an invoice run: one draft invoice per active contract due in the period (idempotent)',
      body: z.object({ period: Month }),
      response: { 202: RunView },
    },
    handler: async (req, reply) => {
      const id = await svc.startRun(req.body.period);
      return reply.status(202).send(await svc.getRun(id));
    },
  });

  app.get('/invoice-runs/:id', {
    config: allow,
    schema: { tags, summary: 'Status and result of an invoice run', params: Id, response: { 200: RunView } },
    handler: async (req) => svc.getRun(req.params.id),
  });

  app.get('/invoices', {
    config: allow,
    schema: {
      tags,
      summary: 'List invoices',
      querystring: z.object({
        contractId: z.string().max(64).optional(),
        customerId: z.string().max(64).optional(),
        status: z.enum(['draft', 'issued']).optional(),
        periodStart: Day.optional(),
        ...PageQuery.shape,
      }),
      response: { 200: page(InvoiceView) },
    },
    handler: async (req) => {
      const { limit, cursor, ...filters } = req.query;
      return svc.listInvoices(filters, limit, cursor);
    },
  });

  app.get('/invoices/:id', {
    config: allow,
    schema: { tags, summary: 'An invoice as JSON', params: Id, response: { 200: InvoiceView } },
    handler: async (req) => svc.getInvoice(req.params.id),
  });

  app.get('/invoices/:id/print', {
    config: allow,
    schema: { tags, summary: 'An invoice as a printable HTML page', params: Id },
    handler: async (req, reply) => {
      const inv = await svc.getInvoice(req.params.id);
      const notes = await svc.creditNotes(inv.id);
      return reply.type('text/html; charset=utf-8').send(invoiceHtml(inv, notes, await svc.payments(inv.id)));
    },
  });

  app.get('/invoices/:id/lines.csv', {
    config: allow,
    schema: { tags, summary: 'Invoice lines as CSV', params: Id },
    handler: async (req, reply) => {
      const inv = await svc.getInvoice(req.params.id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${inv.number ?? inv.id}.csv"`)
        .send(invoiceCsv(inv));
    },
  });

  app.get('/invoices/:id/pdf', {
    config: allow,
    schema: { tags, summary: 'An invoice as PDF (addressee, lines with tax, totals, credit notes, payments)', params: Id },
    handler: async (req, reply) => {
      const inv = await svc.getInvoice(req.params.id);
      const pdf = await invoicePdf(inv, await svc.creditNotes(inv.id), await svc.payments(inv.id));
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${inv.number ?? `draft-${inv.id}`}.pdf"`)
        .send(pdf);
    },
  });

  app.get('/invoices/:id/credit-notes/:noteId/pdf', {
    config: allow,
    schema: { tags, summary: 'A credit note as PDF', params: Id.extend({ noteId: z.string().min(1).max(64) }) },
    handler: async (req, reply) => {
      const inv = await svc.getInvoice(req.params.id);
      const note = (await svc.creditNotes(inv.id)).find((n) => n.id === req.params.noteId);
      if (!note) throw notFound('credit note', req.params.noteId);
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="${note.number}.pdf"`).send(await creditNotePdf(note, inv));
    },
  });

  app.post('/invoices/:id/issue', {
    config: allow,
    schema: {
      tags,
      summary:
        'Issue a draft once its period has closed (period end + HM_BILLING_GRACE_HOURS): assigns the next number of the year and makes it immutable. ' +
        'Earlier, only an admin can force it, with a reason that is recorded on the invoice.',
      params: Id,
      body: IssueInput.nullish(),
      response: { 200: InvoiceView },
    },
    handler: async (req) => {
      const body = req.body;
      if (!body?.force) return svc.issue(req.params.id);
      if (req.principal?.role !== 'admin') throw new AppError('FORBIDDEN', 'only an admin can issue an invoice before its period has closed');
      return svc.issue(req.params.id, { reason: body.reason!, by: actorOf(req) });
    },
  });

  app.post('/invoices/:id/credit-notes', {
    config: allow,
    schema: {
      tags,
      summary: 'Credit note against an issued invoice (at most its remaining amount)',
      params: Id,
      body: CreditNoteInput,
      response: { 201: CreditNoteView },
    },
    handler: async (req, reply) => reply.status(201).send(await svc.creditNote(req.params.id, req.body)),
  });

  app.get('/invoices/:id/credit-notes', {
    config: allow,
    schema: { tags, summary: 'Credit notes of an invoice', params: Id, response: { 200: z.array(CreditNoteView) } },
    handler: async (req) => {
      await svc.getInvoice(req.params.id);
      return svc.creditNotes(req.params.id);
    },
  });

  app.post('/invoices/:id/payments', {
    config: allow,
    schema: {
      tags,
      summary: 'Record a payment received against an issued invoice, in full or in part (same currency; an overpayment only with excessAsCredit)',
      params: Id,
      body: PaymentInput,
      response: { 201: PaymentView },
    },
    handler: async (req, reply) => reply.status(201).send(await svc.recordPayment(req.params.id, req.body)),
  });

  app.get('/invoices/:id/payments', {
    config: allow,
    schema: { tags, summary: 'Payments recorded against an invoice', params: Id, response: { 200: z.array(PaymentView) } },
    handler: async (req) => {
      await svc.getInvoice(req.params.id);
      return svc.payments(req.params.id);
    },
  });

  app.get('/reports/receivables-ageing', {
    config: allow,
    schema: {
      tags,
      summary: 'Open receivables by days past due (current, 1-30, 31-60, 61-90, 90+) per customer and currency; JSON or CSV',
      querystring: z.object({
        asOf: Day.optional().describe('the day to age on; default today'),
        format: z.enum(['json', 'csv']).optional().describe('or send Accept: text/csv'),
      }),
    },
    handler: async (req, reply) => {
      const report = await svc.ageing(req.query.asOf);
      const wantsCsv = req.query.format === 'csv' || (req.query.format === undefined && /\btext\/csv\b/.test(req.headers.accept ?? ''));
      if (wantsCsv) {
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="receivables-ageing-${report.asOf}.csv"`).send(ageingCsv(report));
      }
      return reply.type('application/json').send(report);
    },
  });

  app.post('/rate-cards', {
    config: allow,
    schema: {
      tags,
      summary: 'Add a labour and travel rate card (price list in its currency) for the organisation (no region) or a service region, from a date',
      body: RateCardInput,
      response: { 201: RateCard },
    },
    handler: async (req, reply) => reply.status(201).send(await svc.createRateCard(req.body)),
  });

  app.get('/rate-cards', {
    config: allow,
    schema: { tags, summary: 'Every rate card, by region and date', response: { 200: z.array(RateCard) } },
    handler: async () => svc.rateCards(),
  });

  app.post('/exchange-rates', {
    config: allow,
    schema: {
      tags,
      summary: 'Record an exchange rate (units of `to` per unit of `from`, at most 8 decimals) fixed on a day',
      body: ExchangeRateInput,
      response: { 201: ExchangeRate },
    },
    handler: async (req, reply) => reply.status(201).send(await svc.createExchangeRate(req.body)),
  });

  app.get('/exchange-rates', {
    config: allow,
    schema: { tags, summary: 'Every exchange rate, by pair and date', response: { 200: z.array(ExchangeRate) } },
    handler: async () => svc.exchangeRates(),
  });

  app.get('/reports/service-pnl', {
    config: allow,
    schema: {
      tags,
      summary: 'Service P&L per contract, customer, asset model or asset: invoiced revenue against work-order cost; contract-level lines (minimum top-up, availability credit, credit notes) allocated across the contract\'s assets by metered hours',
      querystring: z.object({ groupBy: z.enum(['contract', 'customer', 'assetModel', 'asset']).default('contract'), from: Day, to: Day }),
      response: { 200: z.object({ groupBy: z.string(), from: z.string(), to: z.string(), rows: z.array(PnlRowView) }) },
    },
    handler: async (req) => ({ ...req.query, rows: await svc.reports.pnl(req.query.groupBy, req.query.from, req.query.to) }),
  });

  app.get('/reports/assets/:id/whole-life-cost', {
    config: allow,
    schema: {
      tags,
      summary: 'Whole-life service cost of an asset since commissioning',
      params: Id,
      response: {
        200: z.object({
          assetId: z.string(),
          commissionedOn: z.string(),
          totals: z.array(z.object({ currency: z.string(), totalMinor: z.number() })),
          workOrders: z.array(z.object({ workOrderId: z.string(), assetId: z.string(), at: z.number(), partsCostMinor: z.number(), labourCostMinor: z.number(), travelCostMinor: z.number(), currency: z.string() })),
        }),
      },
    },
    handler: async (req) => svc.reports.wholeLifeCost(req.params.id),
  });
}
