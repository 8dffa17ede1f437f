import { describe, expect, it } from 'vitest';
import { customerValueIndex, rankQueue, urgency, valueComponents, DEFAULT_VALUE_INDEX } from './value-index.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('customer value index', () => {
  const strong = {
    annualRevenueMinor: 10_000_000_00, // = the reference revenue: scores 1
    onTimePaymentRate: 0.9,
    customerSince: '2016-01-01', // 10 years (3653 days / 365.25 > 10): loyalty 1
    annualCostToServeMinor: 2_000_000_00, // 20 % of revenue: 0.8
    size: 'large' as const, // 0.75
    influence: 0.5,
  };

  it('scores each input 0..1', () => {
    expect(valueComponents(strong, NOW)).toEqual({ revenue: 1, onTimePayment: 0.9, loyalty: 1, costToServe: 0.8, size: 0.75, influence: 0.5 });
  });

  it('combines them with the default weights', () => {
    // 0.3*1 + 0.15*0.9 + 0.15*1 + 0.15*0.8 + 0.15*0.75 + 0.1*0.5 = 0.8675
    expect(customerValueIndex(strong, NOW)).toBe(86.75);
    // revenue 0, payment 1, loyalty 0, cost 1 (no cost), size small 0.25, influence 0:
    // 0.15*1 + 0.15*1 + 0.15*0.25 = 0.3375
    expect(customerValueIndex({ annualRevenueMinor: 0, onTimePaymentRate: 1, annualCostToServeMinor: 0, size: 'small', influence: 0 }, NOW)).toBe(33.75);
  });

  it('takes configurable weights (normalised)', () => {
    const onlyInfluence = { ...DEFAULT_VALUE_INDEX, weights: { revenue: 0, onTimePayment: 0, loyalty: 0, costToServe: 0, size: 0, influence: 2 } };
    expect(customerValueIndex(strong, NOW, onlyInfluence)).toBe(50);
    const none = { ...DEFAULT_VALUE_INDEX, weights: { revenue: 0, onTimePayment: 0, loyalty: 0, costToServe: 0, size: 0, influence: 0 } };
    expect(customerValueIndex(strong, NOW, none)).toBe(0);
  });

  it('gives no cost-to-serve credit when cost exceeds revenue', () => {
    expect(valueComponents({ ...strong, annualCostToServeMinor: 20_000_000_00 }, NOW).costToServe).toBe(0);
    expect(valueComponents({ ...strong, annualRevenueMinor: 0 }, NOW).costToServe).toBe(0);
  });
});

describe('urgency and queue order', () => {
  it('scores severity, RUL and SLA', () => {
    expect(urgency({ severity: 'critical', rulHours: 0, slaDueAt: NOW - 1 }, NOW)).toBe(1);
    // low (0.25) x 0.4, RUL beyond the 720 h horizon, no SLA
    expect(urgency({ severity: 'low', rulHours: 800 }, NOW)).toBeCloseTo(0.1, 10);
    // RUL 360 h of 720: 0.5 x 0.35; SLA due in 36 h of 72: 0.5 x 0.25
    expect(urgency({ rulHours: 360, slaDueAt: NOW + 36 * 3_600_000 }, NOW)).toBeCloseTo(0.175 + 0.125, 10);
    expect(urgency({}, NOW)).toBe(0);
  });

  it('puts urgency before value, value before age', () => {
    const mk = (id: string, createdAt: number, extra: object) => ({ id, createdAt, ...extra });
    const valueOf = (x: { id: string }) => ({ a: 86.75, b: 33.75, c: 90, d: 90 })[x.id as 'a' | 'b' | 'c' | 'd'];
    const ranked = rankQueue(
      [
        mk('a', 1, { severity: 'low', rulHours: 800 }), // 0.7*0.1 + 0.3*0.8675 = 0.33025
        mk('b', 2, { severity: 'critical', rulHours: 0, slaDueAt: NOW - 1 }), // 0.7*1 + 0.3*0.3375 = 0.80125
        mk('c', 4, {}), // 0.3*0.9 = 0.27
        mk('d', 3, {}), // same as c, older
      ],
      valueOf,
      NOW,
    );
    expect(ranked.map((e) => e.item.id)).toEqual(['b', 'a', 'd', 'c']);
    expect(ranked[0]!.priority).toBeCloseTo(0.80125, 3);
    expect(ranked[3]!.priority).toBe(0.27);
  });
});
