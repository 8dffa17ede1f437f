import { z } from 'zod';

/** ISO 4217 alphabetic code. */
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');
export type Currency = z.infer<typeof Currency>;

/** Money is an integer count of the currency's minor unit (cents), never a float. */
export const Money = z.object({
  amountMinor: z.int().refine(Number.isSafeInteger, 'must be a safe integer'),
  currency: Currency,
});
export type Money = z.infer<typeof Money>;

export const NonNegativeMoney = Money.extend({
  amountMinor: z.int().nonnegative().refine(Number.isSafeInteger, 'must be a safe integer'),
});

export function money(amountMinor: number, currency: string): Money {
  return { amountMinor, currency };
}
