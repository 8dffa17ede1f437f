import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertAchievable, promiseState, slaDueAt, type Pause } from './sla-clock.js';

const H = 3_600_000;
const START = Date.parse('2026-03-01T08:00:00Z');

/** Pauses that do not overlap, in order, all after START: the shape holds produce (one open hold at a time). */
const disjointPauses = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 48 * H }), fc.integer({ min: 1, max: 24 * H })), { maxLength: 6 })
  .map((gaps) => {
    let t = START;
    return gaps.map(([gap, len]) => {
      const from = t + gap;
      t = from + len;
      return { from, to: t };
    });
  });

describe('SLA clock', () => {
  it('due = start + allowance + the paused time that fell before it; never before start + allowance', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 * H }), disjointPauses, (allowed, pauses) => {
        const now = START + 1000 * H;
        const due = slaDueAt(START, allowed, pauses, now);
        // Independent reference: walk the pauses, each counting in full when it starts before the due time reached so far.
        let expected = START + allowed;
        for (const p of pauses) if (p.from < expected) expected += p.to - p.from;
        expect(due).toBe(expected);
        expect(due).toBeGreaterThanOrEqual(START + allowed);
        expect(due).toBeGreaterThan(START);
      }),
    );
  });

  it('never moves earlier as time passes, also while a hold is still open', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 * H }),
        disjointPauses,
        fc.integer({ min: 0, max: 30 * H }),
        fc.array(fc.integer({ min: 0, max: 300 * H }), { minLength: 2, maxLength: 8 }),
        (allowed, closed, openAfter, offsets) => {
          const last = closed.at(-1)?.to ?? START;
          const pauses: Pause[] = [...closed, { from: last + openAfter }];
          let before = -Infinity;
          for (const now of offsets.map((o) => START + o).sort((a, b) => a - b)) {
            const due = slaDueAt(START, allowed, pauses, now);
            expect(due).toBeGreaterThanOrEqual(before);
            expect(due).toBeGreaterThanOrEqual(START + allowed);
            before = due;
          }
        },
      ),
    );
  });

  it('adding a pause never brings the due time forward; overlapping pauses count once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 * H }), disjointPauses, fc.integer({ min: 0, max: 100 * H }), fc.integer({ min: 1, max: 10 * H }), (allowed, pauses, at, len) => {
        const now = START + 1000 * H;
        const extra = { from: START + at, to: START + at + len };
        expect(slaDueAt(START, allowed, [...pauses, extra], now)).toBeGreaterThanOrEqual(slaDueAt(START, allowed, pauses, now));
        // The same pause twice is the same pause.
        expect(slaDueAt(START, allowed, [...pauses, ...pauses], now)).toBe(slaDueAt(START, allowed, pauses, now));
      }),
    );
  });

  it('ignores pauses before the start and after a breach', () => {
    expect(slaDueAt(START, 4 * H, [{ from: START - 10 * H, to: START - H }], START + 100 * H)).toBe(START + 4 * H);
    // Half of this pause lies before the start: only the other half counts.
    expect(slaDueAt(START, 4 * H, [{ from: START - H, to: START + H }], START + 100 * H)).toBe(START + 5 * H);
    // Waiting on the customer after the due time has passed does not un-breach the order.
    expect(slaDueAt(START, 4 * H, [{ from: START + 5 * H, to: START + 9 * H }], START + 100 * H)).toBe(START + 4 * H);
    // An open hold counts up to now.
    expect(slaDueAt(START, 4 * H, [{ from: START + H }], START + 3 * H)).toBe(START + 6 * H);
  });

  it('at risk in the last quarter of the allowance, breached after it, met when done in time', () => {
    const due = START + 8 * H;
    expect(promiseState(due, 8 * H, undefined, START + 5 * H)).toBe('on_track');
    expect(promiseState(due, 8 * H, undefined, START + 6.5 * H)).toBe('at_risk');
    expect(promiseState(due, 8 * H, undefined, due + 1)).toBe('breached');
    expect(promiseState(due, 8 * H, due, due + 10 * H)).toBe('met');
    expect(promiseState(due, 8 * H, due + 1, due + 10 * H)).toBe('breached');
  });

  it('refuses an SLA that cannot be met by construction', () => {
    expect(() => assertAchievable({ responseMinutes: 0, fixMinutes: 60 })).toThrow(/responseMinutes/);
    expect(() => assertAchievable({ responseMinutes: 60, fixMinutes: 0 })).toThrow(/fixMinutes/);
    expect(() => assertAchievable({ responseMinutes: 240, fixMinutes: 120 })).toThrow(/shorter than responseMinutes/);
    expect(() => assertAchievable({ responseMinutes: 240, fixMinutes: 240 })).not.toThrow();
  });
});
