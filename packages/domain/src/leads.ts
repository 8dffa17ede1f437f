import { z } from 'zod';
import { Email } from './access.js';
import { idOf } from './ids.js';
import { Currency } from './money.js';
import { EpochMs } from './time.js';

/**
 * Sales leads from service visits and satisfaction answers (issue #19; docs/domain.md,
 * "Service as a business"). Service staff hear needs on site; a lead recorded on the
 * work order goes to the account manager, and the technician earns a payout when it is won.
 */
export const LeadState = z.enum(['open', 'qualified', 'disqualified', 'won', 'lost']);
export type LeadState = z.infer<typeof LeadState>;

const Text = (max: number) => z.string().trim().min(1).max(max);
const PositiveMinor = z.int().positive().refine(Number.isSafeInteger, 'must be a safe integer');

/** What a technician or engineer records on a work order. */
export const LeadInput = z.object({
  need: Text(2000).describe('what the customer needs, in their words'),
  product: Text(200),
  estimated: z.object({ amountMinor: PositiveMinor, currency: Currency }).describe('estimated value, minor units'),
  contact: z
    .object({
      name: Text(200),
      email: Email.optional(),
      phone: z
        .string()
        .trim()
        .min(3)
        .max(40)
        .regex(/^[+0-9 ()./-]+$/, 'digits, spaces and + ( ) . / - only')
        .optional(),
    })
    .refine((c) => c.email !== undefined || c.phone !== undefined, 'an e-mail or a phone number to reach the contact'),
});
export type LeadInput = z.infer<typeof LeadInput>;

/** The account manager's decisions; each one is a transition of the lead. */
export const LeadDecision = z.discriminatedUnion('action', [
  z.object({ action: z.literal('qualify') }),
  z.object({ action: z.literal('disqualify'), reason: Text(2000) }),
  z.object({ action: z.literal('win'), wonMinor: PositiveMinor.describe('won value, minor units of the lead currency') }),
  z.object({ action: z.literal('lose'), reason: Text(2000) }),
]);
export type LeadDecision = z.infer<typeof LeadDecision>;

export const Lead = z.object({
  id: idOf('lead'),
  workOrderId: idOf('workOrder'),
  customerId: idOf('customer'),
  /** The work order's technician (free text until technicians are records; the dispatch branch). */
  technician: z.string(),
  region: z.string().nullable(),
  need: z.string(),
  product: z.string(),
  estimatedMinor: z.int(),
  currency: Currency,
  contact: z.object({ name: z.string(), email: z.string().nullable(), phone: z.string().nullable() }),
  state: LeadState,
  reason: z.string().nullable(),
  wonMinor: z.int().nullable(),
  /** Credited to the technician when won; frozen on the lead at that moment. */
  payoutMinor: z.int().nullable(),
  recordedBy: z.string().nullable(),
  decidedBy: z.string().nullable(),
  closedAt: EpochMs.nullable(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type Lead = z.infer<typeof Lead>;

/** One Net Promoter answer for a visit: 0..10, 9-10 promoter, 0-6 detractor. */
export const NpsInput = z.object({
  score: z.int().min(0).max(10),
  comment: z.string().trim().max(2000).optional(),
  respondedAt: EpochMs.optional().describe('when the customer answered; default now'),
});
export type NpsInput = z.infer<typeof NpsInput>;

export const NpsResponse = z.object({
  workOrderId: idOf('workOrder'),
  customerId: idOf('customer'),
  score: z.int(),
  comment: z.string().nullable(),
  recordedBy: z.string().nullable(),
  respondedAt: EpochMs,
});
export type NpsResponse = z.infer<typeof NpsResponse>;
