import type { BillTo, CreditNoteView, IssueTerms, PaymentView, StoredInvoiceLine } from '@hourmeter/domain';
import { newId } from '@hourmeter/domain';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.js';
import { billingWriter, isPostgres, lineFromRow } from './billing-rows.js';
import { invoiceReadsRepository } from './billing-invoices.js';
import { appendToOutbox } from './outbox.js';
import { customerParty, paymentView } from './receivables.js';

/**
 * Issuing invoices and credit notes, and recording payments: the rows they
 * load and store, in one transaction each. What may be issued and when, the
 * numbers' format, the credit-note cap and how a payment applies are decided
 * by services/contracts (core/issuing.ts, core/payments.ts).
 *
 * Numbering: `document_counters(series, year)` is incremented inside the
 * issuing transaction; the counter row lock orders concurrent issuers and a
 * rollback gives the number back, so numbers are gapless per year.
 */
export function invoiceDocumentsRepository(db: Kysely<Database>) {
  const postgres = isPostgres(db);
  const write = billingWriter(db);
  const { getInvoice } = invoiceReadsRepository(db);

  async function nextNumber(tx: Transaction<Database>, series: string, year: number): Promise<number> {
    await tx
      .insertInto('document_counters')
      .values({ series, year, last_value: 0 })
      .onConflict((oc) => oc.columns(['series', 'year']).doNothing())
      .execute();
    const row = await tx
      .updateTable('document_counters')
      .set((eb) => ({ last_value: eb('last_value', '+', 1) }))
      .where('series', '=', series)
      .where('year', '=', year)
      .returning('last_value')
      .executeTakeFirstOrThrow();
    return Number(row.last_value);
  }

  /** The rows issuing and crediting load and store, inside the transaction `tx`. */
  function documentRows(tx: Transaction<Database>) {
    return {
      async header(invoiceId: string, lock = false) {
        const h = await tx
          .selectFrom('invoices')
          .select(['id', 'customer_id', 'status', 'number', 'currency', 'period_end', 'total_minor', 'tax_minor', 'issued_at'])
          .where('id', '=', invoiceId)
          .$if(lock && postgres, (q) => q.forUpdate())
          .executeTakeFirst();
        if (!h) return undefined;
        return {
          id: h.id,
          customerId: h.customer_id,
          status: h.status as 'draft' | 'issued',
          number: h.number,
          currency: h.currency,
          periodEnd: h.period_end,
          totalMinor: Number(h.total_minor),
          taxMinor: Number(h.tax_minor),
          issuedAt: h.issued_at === null ? null : Number(h.issued_at),
        };
      },
      async lines(invoiceId: string): Promise<StoredInvoiceLine[]> {
        const rows = await tx.selectFrom('invoice_lines').selectAll().where('invoice_id', '=', invoiceId).orderBy('line_no').execute();
        return rows.map((r) => lineFromRow(r));
      },
      async credited(invoiceId: string) {
        const c = await tx
          .selectFrom('credit_notes')
          .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('amount_minor'), eb.val(0)).as('net'), eb.fn.coalesce(eb.fn.sum<number>('tax_minor'), eb.val(0)).as('tax')])
          .where('invoice_id', '=', invoiceId)
          .executeTakeFirstOrThrow();
        return { netMinor: Number(c.net), taxMinor: Number(c.tax) };
      },
      nextNumber: (series: 'invoice' | 'credit_note', year: number) => nextNumber(tx, series, year),
      async setLineTaxes(invoiceId: string, taxes: IssueTerms['taxes']) {
        for (const l of taxes) {
          await tx.updateTable('invoice_lines').set({ tax_rate_bp: l.taxRateBasisPoints, tax_minor: l.taxMinor }).where('invoice_id', '=', invoiceId).where('line_no', '=', l.lineNo).execute();
        }
      },
      async markIssued(
        invoiceId: string,
        f: { number: string; issuedAt: number; taxMinor?: number | undefined; dueDate?: string | undefined; billTo?: BillTo | undefined; forced: { reason: string; by: string } | null },
      ): Promise<boolean> {
        const res = await tx
          .updateTable('invoices')
          .set({
            status: 'issued',
            number: f.number,
            issued_at: f.issuedAt,
            updated_at: f.issuedAt,
            ...(f.taxMinor !== undefined ? { tax_minor: f.taxMinor } : {}),
            ...(f.dueDate !== undefined ? { due_date: f.dueDate } : {}),
            ...(f.billTo !== undefined ? { bill_to: JSON.stringify(f.billTo) } : {}),
            issue_forced_reason: f.forced?.reason ?? null,
            issue_forced_by: f.forced?.by ?? null,
          })
          .where('id', '=', invoiceId)
          .where('status', '=', 'draft')
          .executeTakeFirst();
        return Number(res.numUpdatedRows) === 1;
      },
      async insertCreditNote(n: Omit<CreditNoteView, 'id'>): Promise<CreditNoteView> {
        const id = newId('creditNote', n.issuedAt);
        await tx
          .insertInto('credit_notes')
          .values({ id, invoice_id: n.invoiceId, number: n.number, reason: n.reason, amount_minor: n.amountMinor, currency: n.currency, issued_at: n.issuedAt, tax_minor: n.taxMinor })
          .execute();
        return { id, invoiceId: n.invoiceId, number: n.number, reason: n.reason, amountMinor: n.amountMinor, taxMinor: n.taxMinor, currency: n.currency, issuedAt: n.issuedAt };
      },
      async paid(invoiceId: string): Promise<number> {
        const p = await tx
          .selectFrom('payments')
          .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('applied_minor'), eb.val(0)).as('sum'))
          .where('invoice_id', '=', invoiceId)
          .executeTakeFirstOrThrow();
        return Number(p.sum);
      },
      async insertPayment(p: Omit<PaymentView, 'id'>): Promise<PaymentView> {
        const row = {
          id: newId('payment', p.createdAt),
          invoice_id: p.invoiceId,
          customer_id: p.customerId,
          amount_minor: p.amountMinor,
          applied_minor: p.appliedMinor,
          credit_minor: p.creditMinor,
          currency: p.currency,
          received_on: p.receivedOn,
          reference: p.reference,
          created_at: p.createdAt,
        };
        await tx.insertInto('payments').values(row).execute();
        return paymentView(row);
      },
      invoice: (invoiceId: string, asOfDay: string) => getInvoice(invoiceId, tx, asOfDay),
      customer: (customerId: string) => customerParty(tx, customerId),
      async announce(type: string, data: unknown, at: number) {
        await appendToOutbox(tx, type, data, at);
      },
    };
  }

  return {
    /**
     * Runs `work` in one transaction over the rows of invoices and credit
     * notes (services/contracts, core/issuing.ts, decides what it writes).
     * A throw rolls everything back, numbers taken included; a write to an
     * issued invoice (the HM_IMMUTABLE trigger) is ILLEGAL_TRANSITION.
     */
    documentTransaction<R>(what: 'invoice' | 'credit note' | 'payment', work: (rows: ReturnType<typeof documentRows>) => Promise<R>): Promise<R> {
      return write((tx) => work(documentRows(tx)), what);
    },

    async creditNotes(invoiceId: string): Promise<CreditNoteView[]> {
      const rows = await db.selectFrom('credit_notes').selectAll().where('invoice_id', '=', invoiceId).orderBy('number').execute();
      return rows.map((r) => ({
        id: r.id,
        invoiceId: r.invoice_id,
        number: r.number,
        reason: r.reason,
        amountMinor: Number(r.amount_minor),
        taxMinor: Number(r.tax_minor),
        currency: r.currency,
        issuedAt: Number(r.issued_at),
      }));
    },
  };
}
