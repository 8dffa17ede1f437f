import { AppError } from '@hourmeter/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InvoiceHeader } from '../ports.js';
import { applyPayment } from './payments.js';

/**
 * The payment rule on random inputs (the store-backed flow, payments at
 * once included, is in receivables.property.test.ts): a payment settles at
 * most what is open, the rest is the customer's credit only with consent,
 * and nothing is lost or made up: applied + credit = amount.
 */

const ISSUED_AT = Date.parse('2026-02-03T10:00:00Z');
const inv = (over: Partial<InvoiceHeader> = {}): InvoiceHeader => ({
  id: 'inv_1',
  customerId: 'cus_1',
  status: 'issued',
  number: '2026-000001',
  currency: 'EUR',
  periodEnd: '2026-01-31',
  totalMinor: 0,
  taxMinor: 0,
  issuedAt: ISSUED_AT,
  ...over,
});

describe('payment rule (property)', () => {
  it('settles at most the open amount; the excess is kept as credit only with consent', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 50_000_000 }), fc.integer({ min: 1, max: 60_000_000 }), fc.boolean(), (open, amountMinor, excessAsCredit) => {
        const input = { amountMinor, currency: 'EUR', receivedOn: '2026-02-03', excessAsCredit };
        const openNow = Math.max(open, 0);
        try {
          const { appliedMinor, creditMinor } = applyPayment(inv(), open, input);
          expect(appliedMinor + creditMinor).toBe(amountMinor);
          expect(appliedMinor).toBe(Math.min(amountMinor, openNow));
          expect(creditMinor > 0).toBe(amountMinor > openNow);
          if (creditMinor > 0) expect(excessAsCredit).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe('CONFLICT');
          expect(excessAsCredit).toBe(false);
          expect((err as AppError).details).toEqual({ openMinor: openNow, excessMinor: amountMinor - openNow });
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses drafts, another currency and a day before the issue, whatever the amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60_000_000 }), fc.boolean(), (amountMinor, excessAsCredit) => {
        const input = { amountMinor, currency: 'EUR', receivedOn: '2026-02-03', excessAsCredit };
        const code = (f: () => unknown) => {
          try {
            f();
          } catch (err) {
            return (err as AppError).code;
          }
          return undefined;
        };
        expect(code(() => applyPayment(inv({ status: 'draft', number: null, issuedAt: null }), amountMinor, input))).toBe('ILLEGAL_TRANSITION');
        expect(code(() => applyPayment(inv(), amountMinor, { ...input, currency: 'USD' }))).toBe('VALIDATION_FAILED');
        expect(code(() => applyPayment(inv(), amountMinor, { ...input, receivedOn: '2026-02-02' }))).toBe('VALIDATION_FAILED');
        expect(code(() => applyPayment(inv(), amountMinor, input))).toBeUndefined();
      }),
    );
  });
});
