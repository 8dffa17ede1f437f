import { describe, expect, it } from 'vitest';
import { DAY_MS, dayOf, daysBetween } from './days.js';
import { affectedRange, operatingTime, type MeterSettings, type Sample } from './operating-time.js';

const H = 3_600_000;
const MIN = 60_000;
const D0 = Date.UTC(2026, 5, 1); // a UTC midnight
const boolRule: MeterSettings = { rule: { kind: 'boolean', metric: 'running' }, maxGapMs: 15 * MIN };
const counterRule: MeterSettings = { rule: { kind: 'counter', metric: 'operating_hours', unit: 'hours' }, maxGapMs: 15 * MIN };

/** A sample every `stepMs` from `start`, running while `on(t)`. */
function series(start: number, end: number, stepMs: number, on: (t: number) => boolean): Sample[] {
  const out: Sample[] = [];
  for (let t = start; t <= end; t += stepMs) out.push({ ts: t, value: on(t) ? 1 : 0 });
  return out;
}

function shuffled<T>(items: T[], seed = 42): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('state rules', () => {
  it('counts sample-and-hold running time inside the day', () => {
    // Running from 08:00 to 16:00, a sample every 5 minutes all day.
    const samples = series(D0 - H, D0 + DAY_MS + H, 5 * MIN, (t) => t >= D0 + 8 * H && t < D0 + 16 * H);
    expect(operatingTime(samples, boolRule, D0, D0 + DAY_MS).operatingMs).toBe(8 * H);
  });

  it('gives the same total whatever order the samples arrive in, duplicates included', () => {
    const samples = series(D0, D0 + DAY_MS, 60_000, (t) => Math.floor((t - D0) / (37 * MIN)) % 3 !== 0);
    const inOrder = operatingTime(samples, boolRule, D0, D0 + DAY_MS);
    const messy = operatingTime(shuffled([...samples, ...samples.slice(100, 300)]), boolRule, D0, D0 + DAY_MS);
    expect(messy).toEqual(inOrder);
    // Independent count: each running minute-sample holds for one minute (the last one has no successor).
    const expected = samples.slice(0, -1).filter((s) => s.value === 1).length * MIN;
    expect(inOrder.operatingMs).toBe(expected);
  });

  it('does not count a gap longer than the limit, and reports it', () => {
    // Running all day, but silent from 10:00 to 12:00.
    const samples = series(D0, D0 + DAY_MS, 5 * MIN, () => true).filter((s) => s.ts <= D0 + 10 * H || s.ts >= D0 + 12 * H);
    const total = operatingTime(samples, boolRule, D0, D0 + DAY_MS);
    expect(total.operatingMs).toBe(DAY_MS - 2 * H);
    expect(total.gapMs).toBe(2 * H);
  });

  it('splits an interval across midnight between the two days', () => {
    const samples: Sample[] = [
      { ts: D0 + DAY_MS - 4 * MIN, value: 1 },
      { ts: D0 + DAY_MS + 6 * MIN, value: 0 },
    ];
    expect(operatingTime(samples, boolRule, D0, D0 + DAY_MS).operatingMs).toBe(4 * MIN);
    expect(operatingTime(samples, boolRule, D0 + DAY_MS, D0 + 2 * DAY_MS).operatingMs).toBe(6 * MIN);
  });

  it('applies a threshold rule strictly above the threshold', () => {
    const settings: MeterSettings = { rule: { kind: 'threshold', metric: 'rpm', above: 100 }, maxGapMs: 15 * MIN };
    const samples = [0, 100, 101, 1500, 100, 0].map((value, i) => ({ ts: D0 + i * 10 * MIN, value }));
    // 101 and 1500 hold for 10 minutes each.
    expect(operatingTime(samples, settings, D0, D0 + DAY_MS).operatingMs).toBe(20 * MIN);
  });
});

describe('counter rule', () => {
  it('follows the device counter and spreads increases over their interval', () => {
    const samples = [0, 1, 2, 3].map((i) => ({ ts: D0 + 23 * H + i * 10 * MIN, value: 1000 + i * (10 / 60) }));
    // 30 minutes in day 0; the next sample is on day 1 and spreads 10 minutes over midnight.
    samples.push({ ts: D0 + DAY_MS + 10 * MIN, value: 1000 + 40 / 60 });
    expect(operatingTime(samples, counterRule, D0, D0 + DAY_MS).operatingMs).toBe(30 * MIN);
    expect(operatingTime(samples, counterRule, D0 + DAY_MS, D0 + 2 * DAY_MS).operatingMs).toBe(10 * MIN);
  });

  it('treats a drop as a reset (counting what ran since) and ignores a replacement unit history', () => {
    const samples: Sample[] = [
      { ts: D0, value: 500 },
      { ts: D0 + 10 * MIN, value: 500 + 10 / 60 },
      // Reset to zero 4 minutes into this interval: 6 minutes since.
      { ts: D0 + 20 * MIN, value: 0.1 },
      { ts: D0 + 30 * MIN, value: 0.1 + 10 / 60 },
      // Replaced by a unit that already has 2000 hours: nothing billable in this interval.
      { ts: D0 + 40 * MIN, value: 2000 },
      { ts: D0 + 50 * MIN, value: 2000 + 5 / 60 },
    ];
    const total = operatingTime(samples, counterRule, D0, D0 + DAY_MS);
    expect(total.counterResets).toBe(2);
    expect(total.operatingMs).toBe(10 * MIN + 6 * MIN + 10 * MIN + 0 + 5 * MIN);
  });

  it('never credits an impossible jump and catches up across a gap at the later sample', () => {
    const samples: Sample[] = [
      { ts: D0 + H, value: 10 },
      { ts: D0 + H + 10 * MIN, value: 12 }, // claims 2 h in 10 min: a discontinuity
      { ts: D0 + 5 * H + 10 * MIN, value: 15 }, // 4 h silence, counter ran 3 h
    ];
    const total = operatingTime(samples, counterRule, D0, D0 + DAY_MS);
    expect(total.operatingMs).toBe(3 * H);
    expect(total.counterResets).toBe(1);
  });
});

describe('affected days', () => {
  it('in order, only the interval ending at the sample; out of order, the one it splits too', () => {
    const ts = D0 + 5 * MIN;
    expect(daysBetween(affectedRange(ts, boolRule, false).from, affectedRange(ts, boolRule, false).to)).toEqual([
      dayOf(D0 - DAY_MS),
      dayOf(D0),
    ]);
    const late = affectedRange(D0 + DAY_MS - 5 * MIN, boolRule, true);
    expect(daysBetween(late.from, late.to)).toEqual([dayOf(D0), dayOf(D0 + DAY_MS)]);
    const counterLate = affectedRange(D0, counterRule, true);
    expect(daysBetween(counterLate.from, counterLate.to)).toHaveLength(9);
  });
});
