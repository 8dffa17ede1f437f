import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromZoneInput, isTimeZone, toZoneDay, toZoneInput, zoneOffsetMs } from './time';

const ZONES = ['UTC', 'Europe/Oslo', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham'];

describe('the console time rule', () => {
  it('shows an instant as the wall clock of the chosen zone', () => {
    const t = Date.UTC(2026, 6, 1, 12, 30); // summer: Oslo is UTC+2, New York UTC-4
    expect(toZoneInput(t, 'UTC')).toBe('2026-07-01T12:30');
    expect(toZoneInput(t, 'Europe/Oslo')).toBe('2026-07-01T14:30');
    expect(toZoneInput(t, 'America/New_York')).toBe('2026-07-01T08:30');
    expect(toZoneInput(t, 'Asia/Kolkata')).toBe('2026-07-01T18:00');
    expect(toZoneDay(Date.UTC(2026, 0, 1, 23, 30), 'Europe/Oslo')).toBe('2026-01-02');
    expect(zoneOffsetMs(Date.UTC(2026, 0, 15), 'Europe/Oslo')).toBe(3_600_000);
  });

  it('reads back what it shows, for any minute in any zone', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1) / 60_000, max: Date.UTC(2040, 0, 1) / 60_000 }), fc.constantFrom(...ZONES), (minute, zone) => {
        const ms = minute * 60_000;
        const back = fromZoneInput(toZoneInput(ms, zone), zone)!;
        // An hour repeated by a DST change reads as its first occurrence: the same wall clock either way.
        expect(toZoneInput(back, zone)).toBe(toZoneInput(ms, zone));
        expect(Math.abs(back - ms)).toBeLessThanOrEqual(3_600_000);
      }),
      { numRuns: 2000 },
    );
  });

  it('resolves a wall time skipped by DST to after the gap, and refuses what is not a time', () => {
    // 2026-03-29 02:30 does not exist in Oslo (clocks go 02:00 -> 03:00).
    expect(toZoneInput(fromZoneInput('2026-03-29T02:30', 'Europe/Oslo')!, 'Europe/Oslo')).toBe('2026-03-29T03:30');
    // 02:30 on 2026-10-25 happens twice; the first is 00:30 UTC.
    expect(fromZoneInput('2026-10-25T02:30', 'Europe/Oslo')).toBe(Date.UTC(2026, 9, 25, 0, 30));
    for (const bad of ['', '2026-07-01', 'yesterday', '2026-07-01 12:00']) expect(fromZoneInput(bad, 'UTC')).toBeUndefined();
    expect(isTimeZone('Europe/Oslo')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
