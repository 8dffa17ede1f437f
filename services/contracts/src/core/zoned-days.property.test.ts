import { localDayTotals, QUARTER_MS, QUARTERS_PER_DAY, zonedDayStart, type UtcDayTotal } from '@hourmeter/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from './calendar.js';

/** Every zone this Node knows (IANA), so the property covers half-hour, 45-minute and southern daylight-saving zones too. */
const zones = Intl.supportedValuesOf('timeZone');

/** UTC days from `start`, each with 96 quarter hours (or, sometimes, only a total recorded before quarters were kept). */
const meterDays = fc
  .record({
    start: fc.date({ min: new Date('2000-01-02T00:00:00Z'), max: new Date('2037-12-01T00:00:00Z'), noInvalidDate: true }),
    days: fc.array(fc.oneof(fc.array(fc.integer({ min: 0, max: QUARTER_MS }), { minLength: QUARTERS_PER_DAY, maxLength: QUARTERS_PER_DAY }), fc.integer({ min: 0, max: 86_400_000 })), { minLength: 1, maxLength: 40 }),
  })
  .map(({ start, days }): UtcDayTotal[] => {
    const first = start.toISOString().slice(0, 10);
    return days.map((d, i) => (typeof d === 'number' ? { day: addDays(first, i), operatingMs: d, quarterMs: null } : { day: addDays(first, i), operatingMs: d.reduce((s, q) => s + q, 0), quarterMs: d }));
  });

const sum = (m: Map<string, number>) => [...m.values()].reduce((s, v) => s + v, 0);

describe('days on the customer clock, cut from the stored UTC figures', () => {
  it('every metered millisecond lands on exactly one local day, for any zone and range', () => {
    fc.assert(
      fc.property(meterDays, fc.constantFrom(...zones), (days, zone) => {
        const local = localDayTotals(days, zone);
        expect(sum(local)).toBe(days.reduce((s, d) => s + d.operatingMs, 0));
        for (const ms of local.values()) expect(ms).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });

  it('a meter running all the time fills each inner local day with exactly its length (23, 24 or 25 h)', () => {
    fc.assert(
      fc.property(meterDays, fc.constantFrom(...zones), (days, zone) => {
        const running = days.map((d) => ({ day: d.day, operatingMs: 86_400_000, quarterMs: new Array<number>(QUARTERS_PER_DAY).fill(QUARTER_MS) }));
        const local = localDayTotals(running, zone);
        const from = Date.parse(`${running[0]!.day}T00:00:00Z`);
        const to = Date.parse(`${running.at(-1)!.day}T00:00:00Z`) + 86_400_000;
        for (const [day, ms] of local) {
          const start = zonedDayStart(day, zone);
          const end = zonedDayStart(addDays(day, 1), zone);
          if (start >= from && end <= to) expect(ms).toBe(end - start);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('Berlin has a 23 h last Sunday of March and a 25 h last Sunday of October; Tokyo days start at 15:00 UTC', () => {
    const full = (day: string): UtcDayTotal => ({ day, operatingMs: 86_400_000, quarterMs: new Array<number>(QUARTERS_PER_DAY).fill(QUARTER_MS) });
    const berlin = localDayTotals(['2026-03-28', '2026-03-29', '2026-03-30', '2026-10-24', '2026-10-25', '2026-10-26'].map(full), 'Europe/Berlin');
    expect(berlin.get('2026-03-29')).toBe(23 * 3_600_000);
    expect(berlin.get('2026-10-25')).toBe(25 * 3_600_000);
    expect(berlin.get('2026-03-30')).toBe(24 * 3_600_000);
    // One hour run 15:00-16:00 UTC on 28 February is 00:00-01:00 on 1 March in Tokyo: March there, February in UTC.
    const quarters = new Array<number>(QUARTERS_PER_DAY).fill(0).map((_, k) => (k >= 60 && k < 64 ? QUARTER_MS : 0));
    const tokyo = localDayTotals([{ day: '2026-02-28', operatingMs: 3_600_000, quarterMs: quarters }], 'Asia/Tokyo');
    expect(tokyo.get('2026-03-01')).toBe(3_600_000);
    expect(tokyo.get('2026-02-28') ?? 0).toBe(0);
  });
});
