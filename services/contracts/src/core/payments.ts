import type { PaymentInput, PaymentView } from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import type { InvoiceDocuments, InvoiceHeader } from '../ports.js';
import { formatMinor } from './money.js';

/**
 * Payments against issued invoices. A payment settles at most what is open
 * (gross - credited - paid); what exceeds it is refused unless the payer
 * consents to keep it as the customer's credit (`excessAsCredit`). The
 * invoice stays locked until the payment commits, so two payments at once
 * cannot both use the same open amount: it never goes below zero.
 */

/** What a payment settles on the invoice and what it leaves as the customer's credit; throws what is refused. */
export function applyPayment(inv: InvoiceHeader, openMinor: number, input: PaymentInput): { appliedMinor: number; creditMinor: number } {
  if (inv.status !== 'issued') throw new AppError('ILLEGAL_TRANSITION', `invoice ${inv.id} is a draft: payments are recorded against issued invoices`);
  if (input.currency !== inv.currency) {
    throw new AppError('VALIDATION_FAILED', `currency: invoice ${inv.number} is in ${inv.currency}, the payment is in ${input.currency}`, { field: 'currency', expected: inv.currency });
  }
  const issuedOn = new Date(inv.issuedAt ?? 0).toISOString().slice(0, 10);
  if (input.receivedOn < issuedOn) {
    throw new AppError('VALIDATION_FAILED', `receivedOn: ${input.receivedOn} is before the invoice was issued (${issuedOn})`, { field: 'receivedOn' });
  }
  const open = Math.max(openMinor, 0);
  const applied = Math.min(input.amountMinor, open);
  const excess = input.amountMinor - applied;
  if (excess > 0 && !input.excessAsCredit) {
    // Major units first: the console shows this sentence to the person who typed the amount.
    throw new AppError(
      'CONFLICT',
      `payment of ${formatMinor(input.amountMinor)} ${inv.currency} exceeds the open ${formatMinor(open)} ${inv.currency} of invoice ${inv.number} ` +
        `(${input.amountMinor} > ${open} minor units): pay at most the open amount, or set excessAsCredit to keep ${formatMinor(excess)} as the customer's credit`,
      { openMinor: open, excessMinor: excess },
    );
  }
  return { appliedMinor: applied, creditMinor: excess };
}

/**
 * Records a payment: applied within the open amount, announced as
 * `payment.recorded`, and `invoice.paid` when it settles the rest; both
 * commit with it.
 */
export function recordPayment(docs: InvoiceDocuments, invoiceId: string, input: PaymentInput, at: number): Promise<PaymentView> {
  return docs.documentTransaction('payment', async (rows) => {
    const inv = await rows.header(invoiceId, true);
    if (!inv) throw notFound('invoice', invoiceId);
    const [credited, paidMinor] = await Promise.all([rows.credited(invoiceId), rows.paid(invoiceId)]);
    const open = Math.max(inv.totalMinor + inv.taxMinor - credited.netMinor - credited.taxMinor - paidMinor, 0);
    const { appliedMinor, creditMinor } = applyPayment(inv, open, input);
    const payment = await rows.insertPayment({
      invoiceId,
      customerId: inv.customerId,
      amountMinor: input.amountMinor,
      appliedMinor,
      creditMinor,
      currency: input.currency,
      receivedOn: input.receivedOn,
      reference: input.reference ?? null,
      createdAt: at,
    });
    const invoice = { id: inv.id, number: inv.number, customerId: inv.customerId, currency: inv.currency, openMinor: open - appliedMinor };
    await rows.announce('payment.recorded', { payment, invoice }, at);
    if (appliedMinor > 0 && appliedMinor === open) await rows.announce('invoice.paid', { invoice, paidOn: input.receivedOn, paymentId: payment.id }, at);
    return payment;
  });
}
