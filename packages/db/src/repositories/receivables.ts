import {
  BillTo,
  CustomerBilling,
  billToOf,
  contractName,
  paymentPromptness,
  paymentStatusOf,
  type PaymentStatus,
  type PaymentView,
} from '@hourmeter/domain';
import { notFound } from '@hourmeter/runtime';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, InvoicesTable, PaymentsTable } from '../schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export const todayUtc = (now = Date.now()): string => new Date(now).toISOString().slice(0, 10);

/** What an invoice view adds to the stored header and lines: tax, credits, payments, addressee and names. */
export interface InvoiceExtras {
  taxMinor: number;
  grossMinor: number;
  creditedGrossMinor: number;
  paidMinor: number;
  openMinor: number;
  refundDueMinor: number;
  dueDate: string | null;
  paymentStatus: PaymentStatus | null;
  billTo: BillTo;
  names: Record<string, string>;
}

async function customerBillTo(ex: Executor, customerId: string): Promise<BillTo> {
  const c = await ex.selectFrom('customers').select(['name', 'billing']).where('id', '=', customerId).executeTakeFirst();
  if (!c) return billToOf({ name: customerId });
  return billToOf({ name: c.name, billing: c.billing === null ? undefined : CustomerBilling.parse(JSON.parse(c.billing)) });
}

/** Display names of the contract, assets and work orders an invoice refers to. */
async function namesOf(ex: Executor, contractId: string, assetIds: string[], workOrderIds: string[]): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  const c = await ex.selectFrom('contracts').select(['kind', 'starts_on', 'ends_on']).where('id', '=', contractId).executeTakeFirst();
  if (c) names[contractId] = contractName({ kind: c.kind, startsOn: c.starts_on, endsOn: c.ends_on });
  for (let i = 0; i < assetIds.length; i += 500) {
    const rows = await ex
      .selectFrom('assets')
      .innerJoin('asset_models', 'asset_models.id', 'assets.asset_model_id')
      .select(['assets.id', 'assets.serial_number', 'asset_models.name as model'])
      .where('assets.id', 'in', assetIds.slice(i, i + 500))
      .execute();
    for (const r of rows) names[r.id] = `${r.model} ${r.serial_number}`;
  }
  for (let i = 0; i < workOrderIds.length; i += 500) {
    const rows = await ex
      .selectFrom('work_orders')
      .select(['id', 'kind', 'created_at', 'completed_at'])
      .where('id', 'in', workOrderIds.slice(i, i + 500))
      .execute();
    for (const r of rows) names[r.id] = `${r.kind} work order of ${todayUtc(Number(r.completed_at ?? r.created_at))}`;
  }
  return names;
}

export async function invoiceExtras(
  ex: Executor,
  h: Selectable<InvoicesTable>,
  lines: { assetId: string | null; workOrderId: string | null }[],
  credited: { netMinor: number; taxMinor: number },
  asOfDay: string,
): Promise<InvoiceExtras> {
  const paid = await ex
    .selectFrom('payments')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('applied_minor'), eb.val(0)).as('sum'))
    .where('invoice_id', '=', h.id)
    .executeTakeFirstOrThrow();
  const taxMinor = Number(h.tax_minor);
  const grossMinor = Number(h.total_minor) + taxMinor;
  const creditedGrossMinor = credited.netMinor + credited.taxMinor;
  const paidMinor = Number(paid.sum);
  // A credit note after a payment can credit more than is unpaid: the customer is then owed a refund, and nothing is open.
  const balance = grossMinor - creditedGrossMinor - paidMinor;
  const openMinor = Math.max(balance, 0);
  const billTo = h.bill_to !== null ? BillTo.parse(JSON.parse(h.bill_to)) : await customerBillTo(ex, h.customer_id);
  const assetIds = [...new Set(lines.flatMap((l) => (l.assetId ? [l.assetId] : [])))];
  const workOrderIds = [...new Set(lines.flatMap((l) => (l.workOrderId ? [l.workOrderId] : [])))];
  return {
    taxMinor,
    grossMinor,
    creditedGrossMinor,
    paidMinor,
    openMinor,
    refundDueMinor: Math.max(-balance, 0),
    dueDate: h.due_date,
    paymentStatus: paymentStatusOf({ status: h.status, openMinor, paidMinor, dueDate: h.due_date }, asOfDay),
    billTo,
    names: await namesOf(ex, h.contract_id, assetIds, workOrderIds),
  };
}

/** A customer's name and billing party (undefined when none is recorded). */
export async function customerParty(ex: Executor, customerId: string): Promise<{ name: string; billing: CustomerBilling | undefined }> {
  const c = await ex.selectFrom('customers').select(['name', 'billing']).where('id', '=', customerId).executeTakeFirst();
  if (!c) throw notFound('customer', customerId);
  return { name: c.name, billing: c.billing === null ? undefined : CustomerBilling.parse(JSON.parse(c.billing)) };
}

export function paymentView(r: Selectable<PaymentsTable>): PaymentView {
  return {
    id: r.id,
    invoiceId: r.invoice_id,
    customerId: r.customer_id,
    amountMinor: Number(r.amount_minor),
    appliedMinor: Number(r.applied_minor),
    creditMinor: Number(r.credit_minor),
    currency: r.currency,
    receivedOn: r.received_on,
    reference: r.reference,
    createdAt: Number(r.created_at),
  };
}

/** The share of what a customer owed that it paid by the due dates (see `paymentPromptness`). */
export async function promptnessOf(ex: Executor, customerId: string, asOfDay: string): Promise<number> {
  const invoices = await ex
    .selectFrom('invoices')
    .select(['id', 'total_minor', 'tax_minor', 'due_date', 'issued_at'])
    .where('customer_id', '=', customerId)
    .where('status', '=', 'issued')
    .execute();
  if (invoices.length === 0) return 1;
  const credited = await ex
    .selectFrom('credit_notes')
    .innerJoin('invoices', 'invoices.id', 'credit_notes.invoice_id')
    .select(['credit_notes.invoice_id', (eb) => eb.fn.sum<number>(eb('credit_notes.amount_minor', '+', eb.ref('credit_notes.tax_minor'))).as('sum')])
    .where('invoices.customer_id', '=', customerId)
    .groupBy('credit_notes.invoice_id')
    .execute();
  const payments = await ex.selectFrom('payments').select(['invoice_id', 'applied_minor', 'received_on']).where('customer_id', '=', customerId).execute();
  const creditedOf = new Map(credited.map((c) => [c.invoice_id, Number(c.sum)]));
  return paymentPromptness(
    invoices.map((i) => ({
      owedMinor: Number(i.total_minor) + Number(i.tax_minor) - (creditedOf.get(i.id) ?? 0),
      dueDate: i.due_date ?? todayUtc(Number(i.issued_at)),
      payments: payments.filter((p) => p.invoice_id === i.id).map((p) => ({ appliedMinor: Number(p.applied_minor), receivedOn: p.received_on })),
    })),
    asOfDay,
  );
}

/** One issued invoice's receivable: what is open on it, and when it fell due. */
export interface Receivable {
  invoiceId: string;
  number: string;
  customerId: string;
  customerName: string;
  currency: string;
  issuedOn: string;
  dueDate: string;
  openMinor: number;
}

/**
 * Payments against issued invoices and the receivables they leave open.
 * A payment is recorded through the billing repository's
 * `documentTransaction` (services/contracts, core/payments.ts, applies it).
 */
export function receivablesRepository(db: Kysely<Database>) {
  return {
    async payments(invoiceId: string): Promise<PaymentView[]> {
      const rows = await db.selectFrom('payments').selectAll().where('invoice_id', '=', invoiceId).orderBy('id').execute();
      return rows.map(paymentView);
    },

    /**
     * Recomputes the customer's on-time payment rate from its invoices and
     * payments as of `asOfDay` and stores it as the value index's input.
     */
    async refreshPromptness(customerId: string, asOfDay: string): Promise<number> {
      const rate = await promptnessOf(db, customerId, asOfDay);
      await db.updateTable('customers').set({ on_time_payment_rate: rate }).where('id', '=', customerId).execute();
      return rate;
    },

    /** Every issued invoice with something open on `asOfDay` (payments received up to that day, credit notes issued by then). */
    async openReceivables(asOfDay: string): Promise<Receivable[]> {
      const asOfEnd = Date.parse(`${asOfDay}T00:00:00Z`) + 86_400_000;
      const invoices = await db
        .selectFrom('invoices')
        .innerJoin('customers', 'customers.id', 'invoices.customer_id')
        .select([
          'invoices.id',
          'invoices.number',
          'invoices.customer_id',
          'customers.name as customer_name',
          'invoices.bill_to',
          'invoices.currency',
          'invoices.issued_at',
          'invoices.due_date',
          'invoices.total_minor',
          'invoices.tax_minor',
        ])
        .where('invoices.status', '=', 'issued')
        .where('invoices.issued_at', '<', asOfEnd)
        .orderBy('invoices.number')
        .execute();
      const credited = await db
        .selectFrom('credit_notes')
        .select(['invoice_id', (eb) => eb.fn.sum<number>(eb('amount_minor', '+', eb.ref('tax_minor'))).as('sum')])
        .where('issued_at', '<', asOfEnd)
        .groupBy('invoice_id')
        .execute();
      const paid = await db
        .selectFrom('payments')
        .select(['invoice_id', (eb) => eb.fn.sum<number>('applied_minor').as('sum')])
        .where('received_on', '<=', asOfDay)
        .groupBy('invoice_id')
        .execute();
      const creditedOf = new Map(credited.map((r) => [r.invoice_id, Number(r.sum)]));
      const paidOf = new Map(paid.map((r) => [r.invoice_id, Number(r.sum)]));
      const out: Receivable[] = [];
      for (const i of invoices) {
        const open = Number(i.total_minor) + Number(i.tax_minor) - (creditedOf.get(i.id) ?? 0) - (paidOf.get(i.id) ?? 0);
        if (open <= 0) continue;
        const issuedOn = todayUtc(Number(i.issued_at));
        const billTo = i.bill_to === null ? undefined : BillTo.parse(JSON.parse(i.bill_to));
        out.push({
          invoiceId: i.id,
          number: i.number ?? i.id,
          customerId: i.customer_id,
          customerName: billTo?.legalName ?? billTo?.customerName ?? i.customer_name,
          currency: i.currency,
          issuedOn,
          // An invoice issued before due dates existed falls due on its issue day.
          dueDate: i.due_date ?? issuedOn,
          openMinor: open,
        });
      }
      return out;
    },
  };
}

export type ReceivablesRepository = ReturnType<typeof receivablesRepository>;
