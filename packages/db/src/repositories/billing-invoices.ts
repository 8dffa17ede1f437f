import type { InvoiceView, StoredInvoiceLine } from '@hourmeter/domain';
import { notFound } from '@hourmeter/runtime';
import type { Kysely, Selectable } from 'kysely';
import type { Database, InvoicesTable } from '../schema.js';
import { lineFromRow } from './billing-rows.js';
import type { Executor } from './crud.js';
import { invoiceExtras, todayUtc } from './receivables.js';

/** Invoices as people and reports read them: one with its lines, credits, payments and names; pages of them; revenue lines. */
export function invoiceReadsRepository(db: Kysely<Database>) {
  async function loadInvoice(ex: Executor, id: string, asOfDay = todayUtc()): Promise<InvoiceView | undefined> {
    const h = await ex.selectFrom('invoices').selectAll().where('id', '=', id).executeTakeFirst();
    if (!h) return undefined;
    const [rows, credited] = await Promise.all([
      ex.selectFrom('invoice_lines').selectAll().where('invoice_id', '=', id).orderBy('line_no').execute(),
      ex
        .selectFrom('credit_notes')
        .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('amount_minor'), eb.val(0)).as('net'), eb.fn.coalesce(eb.fn.sum<number>('tax_minor'), eb.val(0)).as('tax')])
        .where('invoice_id', '=', id)
        .executeTakeFirstOrThrow(),
    ]);
    const lines = rows.map((l) => lineFromRow(l));
    const extras = await invoiceExtras(ex, h, lines, { netMinor: Number(credited.net), taxMinor: Number(credited.tax) }, asOfDay);
    return { ...invoiceView(h, lines, Number(credited.net)), ...extras };
  }

  function invoiceView(h: Selectable<InvoicesTable>, lines: StoredInvoiceLine[], creditedMinor: number) {
    return {
      id: h.id,
      contractId: h.contract_id,
      customerId: h.customer_id,
      periodStart: h.period_start,
      periodEnd: h.period_end,
      currency: h.currency,
      status: h.status as InvoiceView['status'],
      number: h.number,
      totalMinor: Number(h.total_minor),
      creditedMinor,
      issuedAt: h.issued_at === null ? null : Number(h.issued_at),
      issueForcedReason: h.issue_forced_reason ?? null,
      issueForcedBy: h.issue_forced_by ?? null,
      lines,
      createdAt: Number(h.created_at),
      updatedAt: Number(h.updated_at),
    };
  }

  async function getInvoice(id: string, ex: Executor = db, asOfDay?: string): Promise<InvoiceView> {
    const found = await loadInvoice(ex, id, asOfDay);
    if (!found) throw notFound('invoice', id);
    return found;
  }

  return {
    getInvoice,
    findInvoice: (id: string) => loadInvoice(db, id),

    async listInvoices(
      filters: { contractId?: string | undefined; customerId?: string | undefined; status?: string | undefined; periodStart?: string | undefined },
      limit = 100,
      cursor?: string,
      asOfDay?: string,
    ) {
      let q = db.selectFrom('invoices').select('id').orderBy('id').limit(limit + 1);
      if (cursor) q = q.where('id', '>', cursor);
      if (filters.contractId) q = q.where('contract_id', '=', filters.contractId);
      if (filters.customerId) q = q.where('customer_id', '=', filters.customerId);
      if (filters.status) q = q.where('status', '=', filters.status);
      if (filters.periodStart) q = q.where('period_start', '=', filters.periodStart);
      const ids = await q.execute();
      const page = ids.slice(0, limit);
      const items = [];
      for (const r of page) items.push(await getInvoice(r.id, db, asOfDay));
      return { items, nextCursor: ids.length > limit ? page.at(-1)!.id : null };
    },

    /** Issued invoice lines (and credit notes) for revenue reports. */
    async revenueLines(filter: { from: string; to: string; contractIds?: string[] | undefined }) {
      let q = db
        .selectFrom('invoice_lines')
        .innerJoin('invoices', 'invoices.id', 'invoice_lines.invoice_id')
        .select([
          'invoices.id as invoice_id',
          'invoices.contract_id',
          'invoices.customer_id',
          'invoices.period_start',
          'invoices.period_end',
          'invoices.currency',
          'invoice_lines.kind',
          'invoice_lines.asset_id',
          'invoice_lines.from_day',
          'invoice_lines.to_day',
          'invoice_lines.amount_minor',
        ])
        .where('invoices.status', '=', 'issued')
        .where('invoices.period_start', '>=', filter.from)
        .where('invoices.period_start', '<=', filter.to);
      if (filter.contractIds) q = q.where('invoices.contract_id', 'in', filter.contractIds);
      const lines = await q.execute();
      let cq = db
        .selectFrom('credit_notes')
        .innerJoin('invoices', 'invoices.id', 'credit_notes.invoice_id')
        .select(['invoices.contract_id', 'invoices.customer_id', 'invoices.period_start', 'invoices.period_end', 'credit_notes.amount_minor', 'credit_notes.currency'])
        .where('invoices.period_start', '>=', filter.from)
        .where('invoices.period_start', '<=', filter.to);
      if (filter.contractIds) cq = cq.where('invoices.contract_id', 'in', filter.contractIds);
      const credits = await cq.execute();
      return {
        lines: lines.map((l) => ({
          invoiceId: l.invoice_id,
          contractId: l.contract_id,
          customerId: l.customer_id,
          periodStart: l.period_start,
          periodEnd: l.period_end,
          currency: l.currency,
          kind: l.kind,
          assetId: l.asset_id,
          /** The days the line is about (an adjustment: the period it corrects). */
          fromDay: l.from_day ?? l.period_start,
          toDay: l.to_day ?? l.period_end,
          amountMinor: Number(l.amount_minor),
        })),
        creditNotes: credits.map((c) => ({
          contractId: c.contract_id,
          customerId: c.customer_id,
          periodStart: c.period_start,
          periodEnd: c.period_end,
          amountMinor: Number(c.amount_minor),
          currency: c.currency,
        })),
      };
    },
  };
}
