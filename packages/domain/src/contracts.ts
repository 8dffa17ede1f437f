import { z } from 'zod';
import { idOf } from './ids.js';
import { Currency, Money, NonNegativeMoney } from './money.js';
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
  excludedCauses: z.array(z.enum(['customer_use', 'external_damage'])).default(['customer_use', 'external_damage']),
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
