import { describe, expect, it } from 'vitest';
import { DAY_MS, dayOf, daysBetween } from './days.js';
import { affectedRange, operatingTime, quarterHours, sampleWindow, type MeterSettings, type Sample } from './operating-time.js';

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

  it('counts a gap exactly at the limit and not one a millisecond longer', () => {
    const at = (gap: number): Sample[] => [
      { ts: D0 + H, value: 1 },
      { ts: D0 + H + gap, value: 0 },
    ];
    expect(operatingTime(at(15 * MIN), boolRule, D0, D0 + DAY_MS)).toMatchObject({ operatingMs: 15 * MIN, gapMs: 0 });
    expect(operatingTime(at(15 * MIN + 1), boolRule, D0, D0 + DAY_MS)).toMatchObject({ operatingMs: 0, gapMs: 15 * MIN + 1 });
  });

  it('splits a state interval at midnight to the millisecond', () => {
    const samples: Sample[] = [
      { ts: D0 + DAY_MS - 1_234, value: 1 },
      { ts: D0 + DAY_MS + 5_678, value: 0 },
    ];
    expect(operatingTime(samples, boolRule, D0, D0 + DAY_MS).operatingMs).toBe(1_234);
    expect(operatingTime(samples, boolRule, D0 + DAY_MS, D0 + 2 * DAY_MS).operatingMs).toBe(5_678);
  });

  it('resolves two readings with one timestamp the same way whatever the store order: the larger value', () => {
    const twins: Sample[] = [
      { ts: D0 + H, value: 0 },
      { ts: D0 + H, value: 1 },
    ];
    const after: Sample = { ts: D0 + H + 10 * MIN, value: 0 };
    for (const samples of [[...twins, after], [twins[1]!, twins[0]!, after]]) {
      expect(operatingTime(samples, boolRule, D0, D0 + DAY_MS).operatingMs).toBe(10 * MIN);
    }
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

describe('counter rule: coarse counters and catch-up', () => {
  const days = (samples: Sample[], settings: MeterSettings, first: number, n: number) =>
    Array.from({ length: n }, (_, i) => operatingTime(samples, settings, first + i * DAY_MS, first + (i + 1) * DAY_MS));

  it('counts a whole-hour counter read every minute', () => {
    // Runs 08:00-18:00; the counter shows whole hours run, so it ticks at 09:00, 10:00, ..., 18:00.
    const samples = series(D0, D0 + DAY_MS, MIN, () => false).map((s) => ({
      ts: s.ts,
      value: 100 + Math.floor(Math.min(Math.max(s.ts - D0 - 8 * H, 0), 10 * H) / H),
    }));
    expect(operatingTime(samples, counterRule, D0, D0 + DAY_MS)).toMatchObject({ operatingMs: 10 * H, counterResets: 0 });
  });

  it('counts a J1939 counter in 0.05 h steps read every 10 s, and its resolution bounds a plausible jump', () => {
    const j1939: MeterSettings = { ...counterRule, rule: { ...counterRule.rule, resolution: 0.05 } as MeterSettings['rule'] };
    // Runs 06:00-08:00: 40 steps of 3 minutes.
    const samples = series(D0, D0 + 12 * H, 10_000, () => false).map((s) => ({
      ts: s.ts,
      value: 2000 + Math.floor(Math.min(Math.max(s.ts - D0 - 6 * H, 0), 2 * H) / (3 * MIN)) * 0.05,
    }));
    expect(operatingTime(samples, j1939, D0, D0 + DAY_MS).operatingMs).toBe(2 * H);
    // A whole hour within 10 s is more than one 0.05 h step beyond the elapsed time: a discontinuity.
    const jump: Sample[] = [
      { ts: D0 + 20 * H, value: 100 },
      { ts: D0 + 20 * H + 10_000, value: 101 },
    ];
    expect(operatingTime(jump, j1939, D0, D0 + DAY_MS)).toMatchObject({ operatingMs: 0, counterResets: 1 });
    // With the default resolution (1 h) the same tick is plausible and credits the elapsed time (+2%).
    expect(operatingTime(jump, counterRule, D0, D0 + DAY_MS)).toMatchObject({ operatingMs: 10_200, counterResets: 0 });
  });

  it('spreads a catch-up after days offline over the days before the reading, at most a day each', () => {
    // Last heard at D0 10:00; back at D3 00:00 having run 40 h.
    const samples: Sample[] = [
      { ts: D0 + 9 * H, value: 500 },
      { ts: D0 + 10 * H, value: 500 },
      { ts: D0 + 3 * DAY_MS, value: 540 },
    ];
    const [d0, d1, d2, d3] = days(samples, counterRule, D0, 4);
    expect([d0, d1, d2, d3].map((d) => d!.operatingMs)).toEqual([0, 16 * H, 24 * H, 0]);
    expect(d1!.gapMs + d2!.gapMs).toBe(2 * DAY_MS);
    // The reading at D3 00:00 belongs to D3 and its credit starts at D1 08:00.
    expect(d3).toMatchObject({ samples: 1, creditStartsBefore: [D0 + DAY_MS + 8 * H] });
  });

  it('never gives a day more than its length when credits overlap by the tolerance', () => {
    const samples: Sample[] = [
      { ts: D0, value: 0 },
      { ts: D0 + 12 * H, value: 12.24 },
      { ts: D0 + 24 * H, value: 24.48 },
    ];
    expect(operatingTime(samples, counterRule, D0, D0 + DAY_MS).operatingMs).toBe(DAY_MS);
  });

  it('splits credits at midnight in whole milliseconds: the days add up to the credits exactly', () => {
    // Irregular readings, sometimes hours apart, rising by odd fractions of an hour.
    const samples: Sample[] = [{ ts: D0 + 17 * MIN, value: 7.123456 }];
    for (let i = 0; samples.at(-1)!.ts < D0 + 6 * DAY_MS; i++) {
      const { ts, value } = samples.at(-1)!;
      const elapsed = 43 * MIN + (i % 7) * 97 * MIN + 1_009;
      samples.push({ ts: ts + elapsed, value: value + ((i % 10) / 11) * (elapsed / H) });
    }
    const credits = samples.slice(1).reduce((sum, s, i) => sum + Math.round((s.value - samples[i]!.value) * H), 0);
    const all = days(samples, counterRule, D0, 7);
    expect(all.reduce((sum, d) => sum + d.operatingMs, 0)).toBe(credits);
    expect(all.every((d) => d.counterResets === 0)).toBe(true);
  });

  it('gives each day from its sample window what it gets from all readings', () => {
    const samples: Sample[] = [
      { ts: D0 - 5 * DAY_MS, value: 10 },
      { ts: D0 + 9 * H, value: 500 },
      { ts: D0 + 10 * H, value: 500 },
      { ts: D0 + 3 * DAY_MS, value: 540 },
      ...series(D0 + 3 * DAY_MS + MIN, D0 + 5 * DAY_MS, 30 * MIN, () => true).map((s, i) => ({ ts: s.ts, value: 540 + i * 0.5 })),
    ];
    for (let from = D0 - 6 * DAY_MS; from < D0 + 6 * DAY_MS; from += DAY_MS) {
      const w = sampleWindow(counterRule, from, from + DAY_MS);
      const inWindow = samples.filter((s) => s.ts >= w.from && s.ts < w.to);
      expect(operatingTime(inWindow, counterRule, from, from + DAY_MS), dayOf(from)).toEqual(operatingTime(samples, counterRule, from, from + DAY_MS));
    }
  });

  it('resolves counter twins to the larger value', () => {
    const samples: Sample[] = [
      { ts: D0, value: 10 },
      { ts: D0 + H, value: 10.5 },
      { ts: D0 + H, value: 10.25 },
    ];
    expect(operatingTime(samples, counterRule, D0, D0 + DAY_MS).operatingMs).toBe(30 * MIN);
    expect(operatingTime([samples[0]!, samples[2]!, samples[1]!], counterRule, D0, D0 + DAY_MS).operatingMs).toBe(30 * MIN);
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

describe('quarter hours (days on any clock, issue #16 rule 12)', () => {
  it('puts running time into the quarter hours it happened in, summing to the day', () => {
    // Running 08:10 to 09:00 and 23:50 to 01:00 the next day, a sample every 5 minutes.
    const on = (t: number) => (t >= D0 + 8 * H + 10 * MIN && t < D0 + 9 * H) || t >= D0 + 23 * H + 50 * MIN;
    const samples = series(D0 - H, D0 + DAY_MS + H, 5 * MIN, on);
    const quarters = quarterHours(samples, boolRule, D0);
    expect(quarters).toHaveLength(96);
    expect(quarters.reduce((s, q) => s + q, 0)).toBe(operatingTime(samples, boolRule, D0, D0 + DAY_MS).operatingMs);
    expect(quarters.slice(32, 36)).toEqual([5 * MIN, 15 * MIN, 15 * MIN, 15 * MIN]);
    expect(quarters[95]).toBe(10 * MIN);
    expect(quarters.filter((q, k) => q > 0 && (k < 32 || (k > 35 && k < 95)))).toEqual([]);
  });

  it("places a counter's credit where its time ran, capped like the day", () => {
    // The counter steps 2 h at 14:00 after standing since 11:00: the credit is 12:00-14:00.
    const samples: Sample[] = [...series(D0 + 11 * H, D0 + 13 * H + 55 * MIN, 5 * MIN, () => true).map((s) => ({ ts: s.ts, value: 100 })), ...series(D0 + 14 * H, D0 + 16 * H, 5 * MIN, () => true).map((s) => ({ ts: s.ts, value: 102 }))];
    const quarters = quarterHours(samples, counterRule, D0);
    expect(quarters.reduce((s, q) => s + q, 0)).toBe(operatingTime(samples, counterRule, D0, D0 + DAY_MS).operatingMs);
    expect(quarters.slice(48, 56)).toEqual(new Array(8).fill(15 * MIN));
  });
});
