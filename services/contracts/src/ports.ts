/**
 * What contracts needs from the rest of the platform, in domain terms only.
 * The work-order facts ports are shared domain types (packages/domain,
 * work-order-facts.ts): the work-order tables are read by packages/db's
 * `workOrderFactsRepository`, wired in services/server; `adapters/static.ts`
 * serves fixed data (tests, demos, deployments without work orders).
 * `InvoiceDocuments` is packages/db's billing repository (`documentTransaction`):
 * it stores the rows, core/issuing.ts and core/payments.ts decide.
 */

import type { BillTo, CreditNoteView, CustomerBilling, InvoiceView, IssueTerms, PaymentView, StoredInvoiceLine } from '@hourmeter/domain';

export type {
  BillableWorkSource,
  CompletedWork,
  DowntimeEvent,
  DowntimeSource,
  ServiceCost,
  ServiceCostSource,
  WorkOrderFacts,
} from '@hourmeter/domain';

/** The hour meter's daily totals (the source of metering). */
export interface OperatingTimeSource {
  meterDays(assetIds: string[], fromDay: string, toDay: string): Promise<{ assetId: string; day: string; operatingMs: number; version: number }[]>;
}

/** Offered to the work-order service: which contract covers an asset at an instant. */
export interface ContractCoverage {
  /** The covering contract, preferring PBH over warranty over T&M; undefined when none. */
  coveringContract(assetId: string, at: number): Promise<string | undefined>;
  coverage(assetId: string, at: number): Promise<{ contractId: string; kind: 'pbh' | 'warranty' | 'time_and_materials' }[]>;
}

/** Who forces an invoice's issue before its period has closed, and why (recorded on the invoice). */
export interface ForcedIssue {
  reason: string;
  by: string;
}

/** An invoice's header as issuing and crediting read it. */
export interface InvoiceHeader {
  id: string;
  customerId: string;
  status: 'draft' | 'issued';
  number: string | null;
  currency: string;
  periodEnd: string;
  totalMinor: number;
  taxMinor: number;
  /** Epoch ms; null for a draft. */
  issuedAt: number | null;
}

/** What issuing writes on a draft besides its status. */
export interface IssuedFields {
  number: string;
  issuedAt: number;
  /** Frozen by the tax rule: the sum of the lines' tax, the due date and the addressee. */
  taxMinor?: number | undefined;
  dueDate?: string | undefined;
  billTo?: BillTo | undefined;
  /** Set when the draft was issued before its period closed. */
  forced: ForcedIssue | null;
}

/**
 * The rows of invoices and credit notes inside one transaction: they are
 * loaded and stored here, and `core/issuing.ts` decides (what may be issued
 * and when, which number, how much may be credited or paid).
 */
export interface InvoiceRows {
  /** The header; `lock`: held until the transaction ends (a row lock on PostgreSQL; SQLite has one writer). */
  header(invoiceId: string, lock?: boolean): Promise<InvoiceHeader | undefined>;
  lines(invoiceId: string): Promise<StoredInvoiceLine[]>;
  /** Net and tax of the credit notes against the invoice so far. */
  credited(invoiceId: string): Promise<{ netMinor: number; taxMinor: number }>;
  /** The next value of a gapless counter per series and year; a rollback gives it back. */
  nextNumber(series: 'invoice' | 'credit_note', year: number): Promise<number>;
  setLineTaxes(invoiceId: string, taxes: IssueTerms['taxes']): Promise<void>;
  /** Marks a draft issued; false when it is no longer a draft (a concurrent issue won it). */
  markIssued(invoiceId: string, fields: IssuedFields): Promise<boolean>;
  insertCreditNote(note: Omit<CreditNoteView, 'id'>): Promise<CreditNoteView>;
  /** What payments have settled on the invoice so far. */
  paid(invoiceId: string): Promise<number>;
  insertPayment(payment: Omit<PaymentView, 'id'>): Promise<PaymentView>;
  invoice(invoiceId: string, asOfDay: string): Promise<InvoiceView>;
  /** The customer as issuing freezes it; read in the transaction (SQLite has one connection, and the transaction holds it). */
  customer(customerId: string): Promise<{ name: string; billing?: CustomerBilling | undefined }>;
  /** Appends an event to the integration outbox: it commits with the transaction or not at all. */
  announce(type: string, data: unknown, at: number): Promise<void>;
}

/** Invoices, credit notes and payments, written in one transaction each. */
export interface InvoiceDocuments {
  /** Runs `work` in one transaction: whatever it throws rolls everything back, numbers taken included. `what` names the document in errors. */
  documentTransaction<R>(what: 'invoice' | 'credit note' | 'payment', work: (rows: InvoiceRows) => Promise<R>): Promise<R>;
}
