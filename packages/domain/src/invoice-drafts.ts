import type { BillTo } from './receivables.js';
import type { StoredInvoiceLine } from './contracts.js';

/**
 * What the invoice computation (services/contracts, core/invoice.ts) and the
 * store of invoices (packages/db, the billing repository) exchange: the
 * metered days, a draft's header and lines, and what the contract's other
 * invoices hold. Shared types only; the rules that use them are in
 * services/contracts/src/core.
 */

/** One asset's metered operating time on one day of its contract's clock (UTC unless its site or customer says otherwise). */
export interface UsageDay {
  assetId: string;
  day: string;
  operatingMs: number;
  version: number;
}

/** The key of an asset's day in maps of usage and billed time. */
export const usageKey = (assetId: string, day: string): string => `${assetId}|${day}`;

/** A computed line; its tax is added by the caller's tax rule (0 when none). */
export type NewInvoiceLine = Omit<StoredInvoiceLine, 'lineNo' | 'taxRateBasisPoints' | 'taxMinor'> & Partial<Pick<StoredInvoiceLine, 'taxRateBasisPoints' | 'taxMinor'>>;

/** What issuing freezes besides the number: the lines' tax at the customer's treatment, the due date and the addressee. */
export interface IssueTerms {
  taxes: { lineNo: number; taxRateBasisPoints: number; taxMinor: number }[];
  dueDate: string;
  billTo: BillTo;
}

export interface BilledUsage {
  assetId: string;
  day: string;
  billedMs: number;
  usageVersion: number;
}

/** What the invoice computation sees inside the invoice's transaction. */
export interface DraftContext {
  invoiceId: string;
  /** Usage records of the contract's assets over [usageFrom, periodEnd]. */
  usage: UsageDay[];
  /** Operating time billed per asset and day by the contract's other invoices (sum of their deltas). */
  billed: Map<string, number>;
  /** Periods of the contract's issued invoices, oldest first. */
  issuedPeriods: { start: string; end: string }[];
  /** Work orders already billed on another invoice of this contract. */
  billedWorkOrders: Set<string>;
  /** The charge lines (usage, minimum true-up, availability credit, adjustments) of the contract's other invoices. */
  chargedLines: ChargedLine[];
}

/** A line of a period's PBH charge, with the period of the invoice it is on. */
export interface ChargedLine {
  periodStart: string;
  kind: string;
  assetId: string | null;
  fromDay: string | null;
  amountMinor: number;
  adjustsPeriod: string | null;
  adjustsKind: 'usage' | 'minimum_true_up' | 'availability_credit' | null;
}

export interface DraftResult {
  lines: NewInvoiceLine[];
  usage: BilledUsage[];
}

export interface DraftHeader {
  contractId: string;
  customerId: string;
  periodStart: string;
  periodEnd: string;
  currency: string;
  runId: string | null;
  assetIds: string[];
  usageFrom: string;
}

/** One contract's draft to create or refresh, and how to compute its lines. */
export interface DraftItem {
  header: DraftHeader;
  compute: (ctx: DraftContext) => DraftResult;
}

export type DraftOutcome = { outcome: 'created' | 'refreshed' | 'already_issued'; invoiceId: string; totalMinor: number };
