import { billToOf, taxRateBasisPoints, type CustomerBilling, type IssueTerms, type NewInvoiceLine, type StoredInvoiceLine } from '@hourmeter/domain';
import { addDays } from './core/calendar.js';
import { roundDiv } from './core/money.js';

/**
 * Tax on invoices and credit notes. The rate comes from the customer's tax
 * treatment (VAT at the billing country's standard rate or a given one; 0 for
 * reverse charge and exempt). Each line's tax is `amount x rate / 10,000`,
 * rounded half-even once, in integer minor units; the invoice's tax is the
 * exact sum of its lines' tax, so total = sum of lines + sum of line taxes.
 */
export function lineTax(amountMinor: number, rateBasisPoints: number): number {
  return roundDiv(BigInt(amountMinor) * BigInt(rateBasisPoints), 10_000n);
}

export function withTax<L extends NewInvoiceLine | StoredInvoiceLine>(lines: L[], rateBasisPoints: number): (L & { taxRateBasisPoints: number; taxMinor: number })[] {
  return lines.map((l) => ({ ...l, taxRateBasisPoints: rateBasisPoints, taxMinor: lineTax(l.amountMinor, rateBasisPoints) }));
}

/**
 * The tax a credit note gives back: the note's amount at the invoice's rate,
 * never more than the invoice's tax not yet credited; a note that credits the
 * whole remaining net amount credits the whole remaining tax, so per-line
 * rounding leaves no cent open on a fully credited invoice.
 */
export function creditNoteTax(c: { amountMinor: number; rateBasisPoints: number; remainingNetMinor: number; remainingTaxMinor: number }): number {
  if (c.amountMinor >= c.remainingNetMinor) return Math.max(c.remainingTaxMinor, 0);
  return Math.max(Math.min(lineTax(c.amountMinor, c.rateBasisPoints), c.remainingTaxMinor), 0);
}

/** What issuing freezes: every line's tax at the customer's treatment today, the due date from its payment terms, the addressee. */
export function issueTerms(lines: StoredInvoiceLine[], customer: { name: string; billing?: CustomerBilling | undefined }, issueDay: string): IssueTerms {
  const billTo = billToOf(customer);
  const rate = taxRateBasisPoints(customer.billing);
  return {
    taxes: withTax(lines, rate).map((l) => ({ lineNo: l.lineNo, taxRateBasisPoints: l.taxRateBasisPoints, taxMinor: l.taxMinor })),
    dueDate: addDays(issueDay, billTo.paymentTermsDays),
    billTo,
  };
}
