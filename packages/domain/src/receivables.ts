import { z } from 'zod';
import { Currency } from './money.js';
import { EpochMs, IsoDate } from './time.js';

// ---------------------------------------------------------------- who receives an invoice, and how it is taxed

/** ISO 3166-1 alpha-2 country code, upper case. */
export const CountryCode = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as DE');

export const BillingAddress = z.object({
  line1: z.string().trim().min(1).max(200),
  line2: z.string().trim().max(200).optional(),
  postalCode: z.string().trim().min(1).max(20),
  city: z.string().trim().min(1).max(100),
  country: CountryCode,
});
export type BillingAddress = z.infer<typeof BillingAddress>;

/**
 * Standard VAT rates in basis points (19 % = 1900) by the billing address's
 * country: EU member states, the UK, Switzerland and Norway as in force in
 * 2025. A customer whose rate differs (a reduced rate, a country not listed)
 * names it with `taxTreatment.ratePercent`.
 */
export const STANDARD_VAT_BASIS_POINTS: Readonly<Record<string, number>> = Object.freeze({
  AT: 2000, BE: 2100, BG: 2000, HR: 2500, CY: 1900, CZ: 2100, DK: 2500, EE: 2400, FI: 2550, FR: 2000,
  DE: 1900, GR: 2400, HU: 2700, IE: 2300, IT: 2200, LV: 2100, LT: 2100, LU: 1700, MT: 1800, NL: 2100,
  PL: 2300, PT: 2300, RO: 2100, SK: 2300, SI: 2200, ES: 2100, SE: 2500, GB: 2000, CH: 810, NO: 2500,
});

const twoDecimals = (n: number) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9;

/**
 * How the customer's invoices are taxed:
 * - `vat`: VAT at the standard rate of the billing country, or at `ratePercent`;
 * - `reverse_charge`: no VAT charged, the customer accounts for it (needs its tax id);
 * - `exempt`: no VAT, with the legal reason printed on the invoice.
 */
export const TaxTreatment = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('vat'), ratePercent: z.number().min(0).max(100).refine(twoDecimals, 'at most two decimals').optional() }),
  z.object({ kind: z.literal('reverse_charge') }),
  z.object({ kind: z.literal('exempt'), reason: z.string().trim().min(1).max(300) }),
]);
export type TaxTreatment = z.infer<typeof TaxTreatment>;

export const DEFAULT_PAYMENT_TERMS_DAYS = 30;

export const CustomerBilling = z
  .object({
    /** The name the invoice is addressed to (registered company name). */
    legalName: z.string().trim().min(1).max(200),
    address: BillingAddress,
    /** VAT identification number or other tax id, as printed on invoices. */
    taxId: z
      .string()
      .trim()
      .min(2)
      .max(32)
      .regex(/^[A-Za-z0-9][A-Za-z0-9 .\-/]*$/, 'letters, digits, spaces and . - / only')
      .optional(),
    taxTreatment: TaxTreatment,
    /** Net days: an invoice is due this many days after its issue day. */
    paymentTermsDays: z.int().min(0).max(365).default(DEFAULT_PAYMENT_TERMS_DAYS),
  })
  .superRefine((b, ctx) => {
    if (b.taxTreatment.kind === 'reverse_charge' && !b.taxId) {
      ctx.addIssue({ code: 'custom', path: ['taxId'], message: 'reverse charge needs the customer’s tax id (it is printed on every invoice)' });
    }
    if (b.taxTreatment.kind === 'vat' && b.taxTreatment.ratePercent === undefined && STANDARD_VAT_BASIS_POINTS[b.address.country] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['taxTreatment', 'ratePercent'],
        message: `no standard VAT rate is known for country ${b.address.country}: give taxTreatment.ratePercent`,
      });
    }
  });
export type CustomerBilling = z.infer<typeof CustomerBilling>;

/** The tax rate a treatment charges, in basis points (0 for reverse charge and exempt). */
export function taxRateBasisPoints(billing: CustomerBilling | undefined): number {
  if (!billing || billing.taxTreatment.kind !== 'vat') return 0;
  const explicit = billing.taxTreatment.ratePercent;
  return explicit !== undefined ? Math.round(explicit * 100) : STANDARD_VAT_BASIS_POINTS[billing.address.country]!;
}

/** What an issued invoice is addressed to, frozen at issue (a later change of the customer never rewrites it). */
export const BillTo = z.object({
  customerName: z.string(),
  legalName: z.string().nullable(),
  address: BillingAddress.nullable(),
  taxId: z.string().nullable(),
  taxTreatment: TaxTreatment.nullable(),
  /** The sentence printed under the tax lines: rate, reverse charge, exemption reason. */
  taxNote: z.string(),
  paymentTermsDays: z.int(),
});
export type BillTo = z.infer<typeof BillTo>;

// ---------------------------------------------------------------- payments and receivables

const SafeMinor = z.int().refine(Number.isSafeInteger, 'must be a safe integer');

export const PaymentInput = z.object({
  amountMinor: SafeMinor.refine((n) => n > 0, 'must be positive'),
  currency: Currency,
  receivedOn: IsoDate,
  reference: z.string().trim().min(1).max(200).optional(),
  /** Consent to keep what exceeds the open amount as a credit of the customer; without it an overpayment is refused. */
  excessAsCredit: z.boolean().default(false),
});
export type PaymentInput = z.infer<typeof PaymentInput>;

export const PaymentView = z.object({
  id: z.string(),
  invoiceId: z.string(),
  customerId: z.string(),
  amountMinor: z.int(),
  /** The part that settles the invoice. */
  appliedMinor: z.int(),
  /** The part kept as the customer's credit (an overpayment accepted with `excessAsCredit`). */
  creditMinor: z.int(),
  currency: Currency,
  receivedOn: IsoDate,
  reference: z.string().nullable(),
  createdAt: EpochMs,
});
export type PaymentView = z.infer<typeof PaymentView>;

/** Where an issued invoice stands with its customer; null for a draft. */
export const PaymentStatus = z.enum(['unpaid', 'partly_paid', 'paid', 'overdue']);
export type PaymentStatus = z.infer<typeof PaymentStatus>;

export const AGEING_BUCKETS = ['current', '1-30', '31-60', '61-90', '90+'] as const;
export const AgeingBucket = z.enum(AGEING_BUCKETS);
export type AgeingBucket = z.infer<typeof AgeingBucket>;

// ---------------------------------------------------------------- rates and currencies (issue 16, rule 10)

export const RateCardInput = z.object({
  /** Omitted: the organisation's default; otherwise the service region it applies to. */
  region: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits and . _ - only').optional(),
  currency: Currency,
  labourRatePerHourMinor: SafeMinor.refine((n) => n >= 0, 'must not be negative'),
  travelRatePerHourMinor: SafeMinor.refine((n) => n >= 0, 'must not be negative'),
  effectiveFrom: IsoDate,
});
export type RateCardInput = z.infer<typeof RateCardInput>;
export const RateCard = RateCardInput.extend({ id: z.string(), region: z.string().nullable(), createdAt: EpochMs });
export type RateCard = z.infer<typeof RateCard>;

/** A decimal rate with at most 8 decimals, as text so that no float ever carries it: "1.08532". */
export const DecimalRate = z.string().regex(/^(0|[1-9]\d{0,6})(\.\d{1,8})?$/, 'a positive decimal with at most 8 decimals, such as 1.0853').refine((s) => Number(s) > 0, 'must be positive');

export const ExchangeRateInput = z
  .object({
    from: Currency,
    to: Currency,
    /** Units of `to` for one unit of `from`. */
    rate: DecimalRate,
    /** The day the rate was fixed (the rate applies to amounts of that day or later, until a newer one). */
    asOf: IsoDate,
  })
  .refine((r) => r.from !== r.to, { message: 'from and to must differ', path: ['to'] });
export type ExchangeRateInput = z.infer<typeof ExchangeRateInput>;
export const ExchangeRate = z.object({ id: z.string(), from: Currency, to: Currency, rate: z.string(), asOf: IsoDate, createdAt: EpochMs });
export type ExchangeRate = z.infer<typeof ExchangeRate>;

const KIND_LABEL = { pbh: 'Power-by-the-hour', warranty: 'Warranty', time_and_materials: 'Time-and-materials' } as const;
/** How a contract is named to a person: `Power-by-the-hour contract 2026-01-01 to 2027-12-31`. */
export function contractName(c: { kind: string; startsOn: string; endsOn: string }): string {
  return `${KIND_LABEL[c.kind as keyof typeof KIND_LABEL] ?? c.kind} contract ${c.startsOn} to ${c.endsOn}`;
}

/** The sentence an invoice prints under its tax lines. */
export function taxNote(billing: CustomerBilling | undefined): string {
  if (!billing) return 'No tax treatment is recorded for this customer: no tax charged';
  const t = billing.taxTreatment;
  if (t.kind === 'reverse_charge') return 'Reverse charge: VAT to be accounted for by the recipient (Art. 196 Council Directive 2006/112/EC)';
  if (t.kind === 'exempt') return `Exempt from VAT: ${t.reason}`;
  const bp = taxRateBasisPoints(billing);
  return `VAT ${bp / 100}%${t.ratePercent === undefined ? ` (standard rate, ${billing.address.country})` : ''}`;
}

/** The addressee of a customer's invoices as it is now. */
export function billToOf(customer: { name: string; billing?: CustomerBilling | undefined }): BillTo {
  const b = customer.billing;
  return {
    customerName: customer.name,
    legalName: b?.legalName ?? null,
    address: b?.address ?? null,
    taxId: b?.taxId ?? null,
    taxTreatment: b?.taxTreatment ?? null,
    taxNote: taxNote(b),
    paymentTermsDays: b?.paymentTermsDays ?? DEFAULT_PAYMENT_TERMS_DAYS,
  };
}

/**
 * Where an issued invoice stands on `asOfDay`: settled when nothing is open
 * (paid, or credited), overdue when something is open after the due date,
 * otherwise partly paid or unpaid. A draft has no payment status.
 */
export function paymentStatusOf(inv: { status: string; openMinor: number; paidMinor: number; dueDate: string | null }, asOfDay: string): PaymentStatus | null {
  if (inv.status !== 'issued') return null;
  if (inv.openMinor <= 0) return 'paid';
  if (inv.dueDate !== null && asOfDay > inv.dueDate) return 'overdue';
  return inv.paidMinor > 0 ? 'partly_paid' : 'unpaid';
}

/**
 * The customer value index's "on-time payment" input, computed from payments:
 * of what the customer owed on invoices that have fallen due by `asOfDay`
 * (gross less credit notes), the share paid on or before each due date. 1 when
 * nothing has fallen due yet (no history is no late payment).
 */
export function paymentPromptness(
  invoices: readonly { owedMinor: number; dueDate: string; payments: readonly { appliedMinor: number; receivedOn: string }[] }[],
  asOfDay: string,
): number {
  let owed = 0;
  let onTime = 0;
  for (const inv of invoices) {
    if (inv.dueDate >= asOfDay || inv.owedMinor <= 0) continue;
    const paidByDue = inv.payments.filter((p) => p.receivedOn <= inv.dueDate).reduce((s, p) => s + p.appliedMinor, 0);
    owed += inv.owedMinor;
    onTime += Math.min(paidByDue, inv.owedMinor);
  }
  return owed === 0 ? 1 : Math.round((onTime / owed) * 10_000) / 10_000;
}

/** The bucket of an open amount by days past its due date on `asOfDay`. */
export function ageingBucket(dueDate: string, asOfDay: string): AgeingBucket {
  const late = Math.round((Date.parse(`${asOfDay}T00:00:00Z`) - Date.parse(`${dueDate}T00:00:00Z`)) / 86_400_000);
  if (late <= 0) return 'current';
  if (late <= 30) return '1-30';
  if (late <= 60) return '31-60';
  if (late <= 90) return '61-90';
  return '90+';
}
