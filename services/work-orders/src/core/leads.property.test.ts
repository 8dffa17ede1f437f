import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '@hourmeter/runtime';
import { leadPayoutMinor, nextLeadState } from './leads.js';

const STATES = ['open', 'qualified', 'disqualified', 'won', 'lost'] as const;
const won = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const percent = fc.double({ min: 0, max: 100, noNaN: true });

describe('lead payout (property)', () => {
  it('is never negative and never more than the won value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STATES), won, percent, (state, w, p) => {
        const pay = leadPayoutMinor(state, w, p);
        expect(Number.isSafeInteger(pay)).toBe(true);
        expect(pay).toBeGreaterThanOrEqual(0);
        expect(pay).toBeLessThanOrEqual(w);
      }),
    );
  });

  it('is zero unless the lead is won', () => {
    fc.assert(
      fc.property(fc.constantFrom('open', 'qualified', 'disqualified', 'lost' as const), won, percent, (state, w, p) => {
        expect(leadPayoutMinor(state, w, p)).toBe(0);
      }),
    );
  });

  it('is proportional: k times the value pays k times, to within the rounding of one minor unit per lead', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 10_000 }), (w, k, bp) => {
        const p = bp / 100;
        const one = leadPayoutMinor('won', w, p);
        const many = leadPayoutMinor('won', w * k, p);
        expect(many).toBeGreaterThanOrEqual(one * k);
        expect(many).toBeLessThan((one + 1) * k);
        // exact where it divides: 2.5% of 1,000.00 is 25.00
        expect(leadPayoutMinor('won', 100_000, 2.5)).toBe(2_500);
      }),
    );
  });
});

describe('lead transitions', () => {
  const refused = (f: () => unknown) => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('ILLEGAL_TRANSITION');
  };
  it('walks open -> qualified -> won and open -> disqualified; closed leads refuse every decision', () => {
    expect(nextLeadState('led_x', 'open', 'qualify')).toBe('qualified');
    expect(nextLeadState('led_x', 'open', 'disqualify')).toBe('disqualified');
    expect(nextLeadState('led_x', 'qualified', 'win')).toBe('won');
    expect(nextLeadState('led_x', 'qualified', 'lose')).toBe('lost');
    for (const s of ['disqualified', 'won', 'lost'] as const) {
      for (const a of ['qualify', 'disqualify', 'win', 'lose'] as const) {
        refused(() => nextLeadState('led_x', s, a));
      }
    }
    // an open lead must be qualified before it can be won
    refused(() => nextLeadState('led_x', 'open', 'win'));
  });
});
