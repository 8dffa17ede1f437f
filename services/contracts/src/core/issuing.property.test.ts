import { AppError } from '@hourmeter/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InvoiceHeader } from '../ports.js';
import { creditNoteCap, creditNoteNumber, invoiceNumber, issueGate } from './issuing.js';

/**
 * The issuing rules on random inputs (the store-backed flows are in
 * billing.test.ts, invoices.test.ts and billing.property.test.ts):
 * - credit notes, in any sequence of requested amounts, never credit more
 *   than the invoice's net total; each is accepted exactly when it fits the
 *   remainder, and a refusal names the remainder;
 * - a draft is never credited, an issued invoice never issued again;
 * - the gate lets a draft through exactly when its period has closed, or
 *   earlier when forced, and records the force only then;
 * - numbers of a series sort in the order they were taken.
 */

const header = (over: Partial<InvoiceHeader>): InvoiceHeader => ({
  id: 'inv_1',
  customerId: 'cus_1',
  status: 'issued',
  number: '2026-000001',
  currency: 'EUR',
  periodEnd: '2026-01-31',
  totalMinor: 0,
  taxMinor: 0,
  issuedAt: null,
  ...over,
});

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return err.code;
  }
};

describe('credit-note cap (property)', () => {
  it('never credits more than the net total; accepts a note exactly when it fits what is left', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50_000_000 }), fc.array(fc.integer({ min: 1, max: 60_000_000 }), { maxLength: 30 }), (total, requests) => {
        const inv = header({ totalMinor: total });
        let credited = 0;
        for (const amount of requests) {
          const left = total - credited;
          try {
            expect(creditNoteCap(inv, credited, amount)).toBe(left);
            expect(amount).toBeLessThanOrEqual(left);
            credited += amount;
          } catch (err) {
            expect(err).toBeInstanceOf(AppError);
            expect((err as AppError).code).toBe('CONFLICT');
            expect(amount).toBeGreaterThan(left);
            expect((err as AppError).details).toEqual({ remainingMinor: left });
          }
          expect(credited).toBeLessThanOrEqual(total);
        }
        // Crediting what is left always fits, and then nothing more does.
        if (total > credited) expect(creditNoteCap(inv, credited, total - credited)).toBe(total - credited);
        expect(codeOf(() => creditNoteCap(inv, total, 1))).toBe('CONFLICT');
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any credit note on a draft', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50_000_000 }), fc.integer({ min: 1, max: 50_000_000 }), (total, amount) => {
        expect(codeOf(() => creditNoteCap(header({ status: 'draft', number: null, totalMinor: total }), 0, amount))).toBe('ILLEGAL_TRANSITION');
      }),
    );
  });
});

describe('issue gate (property)', () => {
  const instant = fc.integer({ min: 0, max: 4_000_000_000_000 });
  const forcedBy = fc.option(fc.record({ reason: fc.string({ minLength: 1 }), by: fc.string({ minLength: 1 }) }), { nil: undefined });

  it('issues a draft once its period has closed, earlier only when forced, and records the force only then', () => {
    fc.assert(
      fc.property(instant, fc.option(instant, { nil: undefined }), forcedBy, (at, closesAt, forced) => {
        const early = closesAt !== undefined && at < closesAt;
        const code = codeOf(() => issueGate(header({ status: 'draft', number: null }), at, closesAt, forced));
        if (early && !forced) {
          expect(code).toBe('PERIOD_NOT_CLOSED');
          return;
        }
        expect(code).toBeUndefined();
        expect(issueGate(header({ status: 'draft', number: null }), at, closesAt, forced)).toEqual(early ? forced : null);
      }),
      { numRuns: 500 },
    );
  });

  it('never issues an invoice twice, whatever the clock or force', () => {
    fc.assert(
      fc.property(instant, fc.option(instant, { nil: undefined }), forcedBy, (at, closesAt, forced) => {
        expect(codeOf(() => issueGate(header({ status: 'issued' }), at, closesAt, forced))).toBe('ILLEGAL_TRANSITION');
      }),
    );
  });
});

describe('document numbers (property)', () => {
  it('sort in the order they were taken within a year, and years in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2000, max: 2999 }), fc.integer({ min: 1, max: 999_998 }), fc.integer({ min: 1, max: 999_999 }), (year, a, b) => {
        for (const numberOf of [invoiceNumber, creditNoteNumber]) {
          const [x, y] = [numberOf(year, a), numberOf(year, b)];
          expect(x < y).toBe(a < b);
          expect(x === y).toBe(a === b);
          expect(numberOf(year, a) < numberOf(year + 1, 1)).toBe(true);
          expect(x.endsWith(String(a).padStart(6, '0'))).toBe(true);
        }
      }),
    );
  });
});
