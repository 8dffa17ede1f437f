import { z } from 'zod';
import { billableOverflow } from './billable-bound.js';
import { idOf } from './ids.js';
import { Currency, Money, NonNegativeMoney } from './money.js';
import { BillTo, PaymentStatus } from './receivables.js';
import { ExclusionCause } from './service.js';
import { EpochMs, IsoDate } from './time.js';

const Stored = { createdAt: EpochMs, updatedAt: EpochMs };

/** Service credit: `percentPerStep` of the period's charge per `stepPoints` below the guarantee, capped. */
export const CreditSchedule = z.object({
  stepPoints: z.number().positive().default(0.5),
  percentPerStep: z.number().positive().max(100),
  capPercent: z.number().positive().max(100),
});

export const PbhTerms = z.object({
  kind: z.literal('pbh'),
  ratePerHourMinor: z.int().nonnegative(),
  annualEscalationPercent: z.number().min(0).max(100).default(0),
  minimumHoursPerPeriod: z.number().nonnegative().default(0),
  availabilityGuaranteePercent: z.number().min(0).max(100),
  creditSchedule: CreditSchedule,
  excludedCauses: z.array(ExclusionCause).default(['customer_use', 'external_damage']),
  scheduledHoursPerPeriod: z.union([z.literal('24x7'), z.number().positive()]).default('24x7'),
});

export const WarrantyTerms = z.object({ kind: z.literal('warranty'), coversParts: z.boolean(), coversLabour: z.boolean() });

export const TimeAndMaterialsTerms = z.object({
  kind: z.literal('time_and_materials'),
  labourRatePerHourMinor: z.int().nonnegative(),
  travelRatePerHourMinor: z.int().nonnegative(),
  partsMarkupPercent: z.number().min(0).max(1000),
});

export const ContractTerms = z.discriminatedUnion('kind', [PbhTerms, WarrantyTerms, TimeAndMaterialsTerms]);

export const Contract = z.object({
  id: idOf('contract'),
  customerId: idOf('customer'),
  assetIds: z.array(idOf('asset')).min(1),
  startsOn: IsoDate,
  endsOn: IsoDate,
  currency: Currency,
  billingPeriod: z.enum(['monthly', 'quarterly']).default('monthly'),
  version: z.int().positive(),
  effectiveFrom: IsoDate,
  terms: ContractTerms,
  ...Stored,
});
export type Contract = z.infer<typeof Contract>;

/** Metered operating hours of one asset on one UTC day; recomputing makes a new version. */
export const UsageRecord = z.object({
  id: idOf('usageRecord'),
  assetId: idOf('asset'),
  day: IsoDate,
  operatingHours: z.number().nonnegative(),
  version: z.int().positive(),
  computedAt: EpochMs,
});
export type UsageRecord = z.infer<typeof UsageRecord>;

export const InvoiceLine = z.object({
  kind: z.enum(['usage', 'minimum_true_up', 'availability_credit', 'adjustment', 'time_and_materials', 'parts']),
  description: z.string(),
  quantity: z.number(),
  unitPriceMinor: z.int(),
  amount: Money,
});

export const Invoice = z.object({
  id: idOf('invoice'),
  contractId: idOf('contract'),
  periodStart: IsoDate,
  periodEnd: IsoDate,
  status: z.enum(['draft', 'issued']),
  /** Gapless per year, assigned on issue: `2026-000123`. */
  number: z.string().optional(),
  lines: z.array(InvoiceLine),
  total: Money,
  issuedAt: EpochMs.optional(),
  ...Stored,
});
export type Invoice = z.infer<typeof Invoice>;

export const CreditNote = z.object({
  id: idOf('creditNote'),
  invoiceId: idOf('invoice'),
  reason: z.string().min(1).max(1000),
  amount: NonNegativeMoney,
  number: z.string(),
  issuedAt: EpochMs,
});
export type CreditNote = z.infer<typeof CreditNote>;

// ---------------------------------------------------------------- contracts: inputs, amendments, billing views
// Additive refinements (issue "Contracts and billing"). Percentages are exact to
// two decimals (they become basis points, integers, before any arithmetic) and
// hour quantities to three (they become integer milliseconds).

const twoDecimals = (n: number) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9;
const threeDecimals = (n: number) => Math.abs(n * 1000 - Math.round(n * 1000)) < 1e-9;
export const Percent = z.number().min(0).max(100).refine(twoDecimals, 'at most two decimals');

/** Labour, travel and parts pricing of out-of-contract work. */
export const ExtraWorkRates = z.object({
  labourRatePerHourMinor: z.int().nonnegative(),
  travelRatePerHourMinor: z.int().nonnegative(),
  partsMarkupPercent: z.number().min(0).max(1000).refine(twoDecimals, 'at most two decimals'),
});
export type ExtraWorkRates = z.infer<typeof ExtraWorkRates>;

/** PBH terms as the API accepts them: the draft above plus exactness rules and the extra-work rates. */
export const PbhTermsInput = PbhTerms.extend({
  annualEscalationPercent: Percent.default(0),
  minimumHoursPerPeriod: z.number().nonnegative().max(1_000_000).refine(threeDecimals, 'at most three decimals').default(0),
  availabilityGuaranteePercent: Percent,
  creditSchedule: z
    .object({
      stepPoints: z.number().positive().max(100).refine(twoDecimals, 'at most two decimals').default(0.5),
      percentPerStep: Percent.refine((n) => n > 0, 'must be positive'),
      capPercent: Percent.refine((n) => n > 0, 'must be positive'),
    })
    .refine((s) => s.capPercent >= s.percentPerStep, { message: 'capPercent must be at least percentPerStep', path: ['capPercent'] }),
  scheduledHoursPerPeriod: z.union([z.literal('24x7'), z.number().positive().max(100_000).refine(threeDecimals, 'at most three decimals')]).default('24x7'),
  /** Prices downtime work excluded from availability (customer use, external damage): billed as extra work. */
  extraWorkRates: ExtraWorkRates.optional(),
});
export type PbhTermsInput = z.infer<typeof PbhTermsInput>;

/**
 * T&M terms as the API accepts them. Labour and travel rates left out come from
 * the rate card of the asset's service region (or the organisation's) in force
 * on the day of the work, converted to the contract's currency.
 */
export const TimeAndMaterialsTermsInput = TimeAndMaterialsTerms.extend({
  labourRatePerHourMinor: z.int().nonnegative().optional(),
  travelRatePerHourMinor: z.int().nonnegative().optional(),
  partsMarkupPercent: z.number().min(0).max(1000).refine(twoDecimals, 'at most two decimals'),
});

export const ContractTermsInput = z.discriminatedUnion('kind', [PbhTermsInput, WarrantyTerms, TimeAndMaterialsTermsInput]);
export type ContractTermsInput = z.infer<typeof ContractTermsInput>;

export const BillingPeriod = z.enum(['monthly', 'quarterly']);

export const ContractInput = z
  .object({
    customerId: idOf('customer'),
    assetIds: z.array(idOf('asset')).min(1).max(1000),
    startsOn: IsoDate,
    endsOn: IsoDate,
    currency: Currency,
    billingPeriod: BillingPeriod.default('monthly'),
    terms: ContractTermsInput,
  })
  .refine((c) => c.endsOn >= c.startsOn, { message: 'endsOn must not be before startsOn', path: ['endsOn'] })
  .refine((c) => new Set(c.assetIds).size === c.assetIds.length, { message: 'assetIds must not repeat', path: ['assetIds'] })
  .superRefine((c, ctx) => {
    // Checked at creation so an overflowing term never reaches an invoice run (where every run would fail).
    const overflow = billableOverflow({ startsOn: c.startsOn, endsOn: c.endsOn, assetCount: c.assetIds.length, terms: c.terms });
    if (overflow) ctx.addIssue({ code: 'custom', message: overflow.message, path: overflow.path.split('.') });
  });
export type ContractInput = z.infer<typeof ContractInput>;

/** An amendment: a new version effective from a date; omitted fields carry over. The kind cannot change. */
export const AmendmentInput = z.object({
  effectiveFrom: IsoDate,
  assetIds: z.array(idOf('asset')).min(1).max(1000).optional(),
  endsOn: IsoDate.optional(),
  terms: ContractTermsInput.optional(),
  reason: z.string().trim().min(1).max(1000).optional(),
});
export type AmendmentInput = z.infer<typeof AmendmentInput>;

export const ContractVersion = z.object({
  version: z.int().positive(),
  effectiveFrom: IsoDate,
  endsOn: IsoDate,
  assetIds: z.array(z.string()),
  terms: ContractTermsInput,
  reason: z.string().nullable(),
  createdAt: EpochMs,
});
export type ContractVersion = z.infer<typeof ContractVersion>;

/** A contract with its full version history (the newest last). Header fields reflect the newest version. */
export const ContractWithHistory = z.object({
  id: z.string(),
  customerId: z.string(),
  kind: z.enum(['pbh', 'warranty', 'time_and_materials']),
  currency: Currency,
  billingPeriod: BillingPeriod,
  startsOn: IsoDate,
  endsOn: IsoDate,
  version: z.int().positive(),
  versions: z.array(ContractVersion),
  ...Stored,
});
export type ContractWithHistory = z.infer<typeof ContractWithHistory>;

export const InvoiceLineKind = z.enum([
  'usage',
  'minimum_true_up',
  'availability_credit',
  'adjustment',
  'time_and_materials',
  'travel',
  'parts',
]);

/** A stored invoice line: integer minor units, the quantity only for display. */
export const StoredInvoiceLine = z.object({
  lineNo: z.int().positive(),
  kind: InvoiceLineKind,
  description: z.string(),
  assetId: z.string().nullable(),
  workOrderId: z.string().nullable(),
  fromDay: IsoDate.nullable(),
  toDay: IsoDate.nullable(),
  quantity: z.number(),
  unitPriceMinor: z.int(),
  amountMinor: z.int(),
  /** Tax on this line: `amountMinor x taxRateBasisPoints / 10,000`, rounded half-even once. */
  taxRateBasisPoints: z.int(),
  taxMinor: z.int(),
  /** An adjustment line: the start of the issued period it corrects. */
  adjustsPeriod: IsoDate.nullable().optional(),
  /** An adjustment line: the part of that period's charge it corrects. */
  adjustsKind: z.enum(['usage', 'minimum_true_up', 'availability_credit']).nullable().optional(),
});
export type StoredInvoiceLine = z.infer<typeof StoredInvoiceLine>;

export const InvoiceView = z.object({
  id: z.string(),
  contractId: z.string(),
  customerId: z.string(),
  periodStart: IsoDate,
  periodEnd: IsoDate,
  currency: Currency,
  status: z.enum(['draft', 'issued']),
  number: z.string().nullable(),
  totalMinor: z.int().describe('net: the sum of the lines'),
  taxMinor: z.int().describe('the sum of the lines\' tax'),
  grossMinor: z.int().describe('totalMinor + taxMinor: what the customer owes before credits and payments'),
  creditedMinor: z.int().describe('sum of credit notes against it (net)'),
  creditedGrossMinor: z.int().describe('sum of credit notes against it, tax included'),
  paidMinor: z.int().describe('payments applied to it'),
  openMinor: z.int().describe('what the customer still owes: grossMinor - creditedGrossMinor - paidMinor, at least 0'),
  refundDueMinor: z.int().describe('what the customer is owed back when credit notes came after payments: the negative balance, else 0'),
  dueDate: IsoDate.nullable(),
  paymentStatus: PaymentStatus.nullable(),
  issuedAt: EpochMs.nullable(),
  /** Addressee, frozen at issue; for a draft, the customer as it is now. */
  billTo: BillTo,
  /** Display names of the ids the invoice refers to (contract, assets, work orders). */
  names: z.record(z.string(), z.string()),
  /** A draft of a period that has not closed (end + grace for late data): its figures may still change. */
  provisional: z.boolean().optional(),
  /** A draft: when it can be issued (period end + grace); earlier only by an admin, with a reason. */
  issuableAt: EpochMs.nullable().optional(),
  /** Why an admin issued it before its period closed (null when it was not forced). */
  issueForcedReason: z.string().nullable().optional(),
  issueForcedBy: z.string().nullable().optional(),
  lines: z.array(StoredInvoiceLine),
  ...Stored,
});
export type InvoiceView = z.infer<typeof InvoiceView>;

export const CreditNoteInput = z.object({
  amountMinor: z.int().positive().refine(Number.isSafeInteger, 'must be a safe integer'),
  reason: z.string().trim().min(1).max(1000),
});
export type CreditNoteInput = z.infer<typeof CreditNoteInput>;

export const CreditNoteView = z.object({
  id: z.string(),
  invoiceId: z.string(),
  number: z.string(),
  reason: z.string(),
  amountMinor: z.int(),
  /** The tax credited with it, at the invoice's rate. */
  taxMinor: z.int(),
  currency: Currency,
  issuedAt: EpochMs,
});
export type CreditNoteView = z.infer<typeof CreditNoteView>;
