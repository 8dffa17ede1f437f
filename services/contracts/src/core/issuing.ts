import type { CreditNoteInput, CreditNoteView, CustomerBilling, InvoiceView, IssueTerms, StoredInvoiceLine } from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import type { ForcedIssue, InvoiceDocuments, InvoiceHeader } from '../ports.js';

/**
 * Issuing invoices and crediting them: what may be issued and when, the
 * gapless numbers, and how much a credit note may give back. The store
 * (`InvoiceDocuments`) only loads and writes rows; every step below runs in
 * one of its transactions, so a refusal after a number was taken gives the
 * number back and numbers stay gapless per series and year.
 */

/** Documents are numbered per UTC year of issue. */
export const numberingYear = (at: number): number => new Date(at).getUTCFullYear();

const sixDigits = (n: number) => String(n).padStart(6, '0');

/** The n-th invoice of a year: `2026-000001`. */
export const invoiceNumber = (year: number, n: number): string => `${year}-${sixDigits(n)}`;

/** The n-th credit note of a year: `CN-2026-000001`. */
export const creditNoteNumber = (year: number, n: number): string => `CN-${year}-${sixDigits(n)}`;

/**
 * The issue gate: only a draft is issued, and only once its period has
 * closed for late data (`closesAt`, undefined: no grace) unless `forced`
 * says who issues it earlier and why. Answers the forced issue to record
 * on the invoice (null when the period had closed).
 */
export function issueGate(inv: InvoiceHeader, at: number, closesAt: number | undefined, forced?: ForcedIssue): ForcedIssue | null {
  if (inv.status !== 'draft') throw new AppError('ILLEGAL_TRANSITION', `invoice ${inv.id} is already issued as ${inv.number}`, { number: inv.number });
  const early = closesAt !== undefined && at < closesAt;
  if (!early) return null;
  if (!forced) {
    throw new AppError(
      'PERIOD_NOT_CLOSED',
      `invoice ${inv.id} is provisional: its period ends ${inv.periodEnd} and closes for late data at ${new Date(closesAt).toISOString()}; issue it then, or an admin can force it with a reason`,
      { issuableAt: closesAt },
    );
  }
  return forced;
}

/**
 * The credit-note cap: a credit note is against an issued invoice and gives
 * back at most its remaining net amount (total - credited so far). Answers
 * that remaining amount.
 */
export function creditNoteCap(inv: InvoiceHeader, creditedNetMinor: number, amountMinor: number): number {
  if (inv.status !== 'issued') throw new AppError('ILLEGAL_TRANSITION', `invoice ${inv.id} is a draft: change it by re-running its period, not with a credit note`);
  const remaining = inv.totalMinor - creditedNetMinor;
  if (amountMinor > remaining) {
    throw new AppError(
      'CONFLICT',
      `credit note of ${amountMinor} exceeds the remaining ${Math.max(remaining, 0)} (${inv.currency} minor units) of invoice ${inv.number}`,
      { remainingMinor: Math.max(remaining, 0) },
    );
  }
  return remaining;
}

/** The tax of a credit note, given the invoice's rate and what of its net and tax is not yet credited. */
export type CreditTax = (c: { amountMinor: number; rateBasisPoints: number; remainingNetMinor: number; remainingTaxMinor: number }) => number;

export interface IssueRules {
  /** When the invoice's period closes for late data (epoch ms); absent: at once. */
  closesAt?: ((periodEnd: string) => number) | undefined;
  forced?: ForcedIssue | undefined;
  /** What issuing freezes from the lines and the customer (tax, due date, addressee); absent: nothing. */
  terms?: ((lines: StoredInvoiceLine[], customer: { name: string; billing?: CustomerBilling | undefined }) => IssueTerms) | undefined;
  /** The day an issued invoice's figures (payment status) are reported as of. */
  asOfDay: string;
}

/**
 * Issues a draft: passes the gate, freezes its terms, then takes the next
 * number of the issue year, all in one transaction; `invoice.issued` is
 * announced with it, so an issued invoice is always announced and a
 * rolled-back one never.
 */
export function issueInvoice(docs: InvoiceDocuments, id: string, at: number, rules: IssueRules): Promise<InvoiceView> {
  return docs.documentTransaction('invoice', async (rows) => {
    const h = await rows.header(id);
    if (!h) throw notFound('invoice', id);
    const forced = issueGate(h, at, rules.closesAt?.(h.periodEnd), rules.forced);
    let frozen: { taxMinor?: number; dueDate?: string; billTo?: IssueTerms['billTo'] } = {};
    if (rules.terms) {
      const t = rules.terms(await rows.lines(id), await rows.customer(h.customerId));
      await rows.setLineTaxes(id, t.taxes);
      frozen = { taxMinor: t.taxes.reduce((s, l) => s + l.taxMinor, 0), dueDate: t.dueDate, billTo: t.billTo };
    }
    // The number is taken last, once nothing can refuse the issue any more but a concurrent issuer.
    const year = numberingYear(at);
    const number = invoiceNumber(year, await rows.nextNumber('invoice', year));
    // A concurrent issue won the row after our read: roll back, giving the number back.
    if (!(await rows.markIssued(id, { number, issuedAt: at, ...frozen, forced }))) throw new AppError('ILLEGAL_TRANSITION', `invoice ${id} is already issued`);
    const invoice = await rows.invoice(id, rules.asOfDay);
    await rows.announce('invoice.issued', { invoice }, at);
    return invoice;
  });
}

/**
 * A credit note against an issued invoice, within the cap, with the tax
 * `creditTax` gives it at the invoice's rate (its lines' rate; 0 without
 * one), numbered in its own gapless series; the invoice stays locked until
 * the note commits, so two notes at once cannot both use the same remainder.
 */
export function creditInvoice(docs: InvoiceDocuments, invoiceId: string, input: CreditNoteInput, at: number, creditTax?: CreditTax): Promise<CreditNoteView> {
  return docs.documentTransaction('credit note', async (rows) => {
    const inv = await rows.header(invoiceId, true);
    if (!inv) throw notFound('invoice', invoiceId);
    const credited = await rows.credited(invoiceId);
    const remaining = creditNoteCap(inv, credited.netMinor, input.amountMinor);
    const [first] = await rows.lines(invoiceId);
    const taxMinor =
      creditTax?.({
        amountMinor: input.amountMinor,
        rateBasisPoints: first?.taxRateBasisPoints ?? 0,
        remainingNetMinor: remaining,
        remainingTaxMinor: inv.taxMinor - credited.taxMinor,
      }) ?? 0;
    const year = numberingYear(at);
    const number = creditNoteNumber(year, await rows.nextNumber('credit_note', year));
    const creditNote = await rows.insertCreditNote({ invoiceId, number, reason: input.reason, amountMinor: input.amountMinor, taxMinor, currency: inv.currency, issuedAt: at });
    await rows.announce('creditnote.issued', { creditNote, invoiceNumber: inv.number }, at);
    return creditNote;
  });
}
