import { describe, expect, it } from 'vitest';
import { bandProbability, conditionUnit, lifeCycles } from './condition.js';

const channels = { settings: ['load'], sensors: ['vib'] };
const at = (age: number, vib: number, load = 1) => ({ ts: age * 1000, values: { load, vib } });
const ageOf = (ts: number) => ts / 1000;

describe('lifeCycles', () => {
  it('averages the readings of each slice of operating hours, repeats the last slice over gaps and back-fills the start', () => {
    const rows = lifeCycles([at(2.5, 1), at(3.5, 3), at(4.2, 5), at(9.9, 7), at(10.1, 100)], ageOf, 5, 2, channels)!;
    expect(rows.map((r) => r.sensors[0])).toEqual([2, 2, 5, 5, 7]);
    expect(rows[0]!.settings).toEqual([1]);
    // A reading missing a channel does not count.
    expect(lifeCycles([{ ts: 1000, values: { vib: 1 } }], ageOf, 2, 2, channels)).toBeUndefined();
  });
});

describe('conditionUnit', () => {
  const readings = Array.from({ length: 40 }, (_, i) => at(i + 0.5, i));
  it('ends a failed life a fraction of a cycle before its failure, in whole cycles of its span', () => {
    const unit = conditionUnit('a', { hours: 21, failed: true }, readings, ageOf, 4, channels)!;
    expect(unit.rows).toHaveLength(5);
    expect(unit.censored).toBeUndefined();
    expect(unit.rulAtEnd).toBeCloseTo(0.25);
  });
  it('passes a life that did not end in a failure as censored, never as a failure, and drops lives under two cycles', () => {
    const unit = conditionUnit('b', { hours: 21, failed: false }, readings, ageOf, 4, channels)!;
    expect(unit).toMatchObject({ censored: true });
    expect(unit.rulAtEnd).toBeUndefined();
    expect(conditionUnit('c', { hours: 7, failed: true }, readings, ageOf, 4, channels)).toBeUndefined();
  });
  it('counts a minimally repaired interval from the age it entered at', () => {
    expect(conditionUnit('d', { hours: 30, startHours: 22, failed: true }, readings, ageOf, 4, channels)!.rows).toHaveLength(2);
  });
});

describe('bandProbability', () => {
  const p = { rul: 100, lower: 60, upper: 160 };
  it('is 0 at no time, the tail at the lower bound, one half at the median, 1 far beyond the upper bound, and never decreases', () => {
    expect(bandProbability(p, 0.9, 0)).toBe(0);
    expect(bandProbability(p, 0.9, 60)).toBeCloseTo(0.05);
    expect(bandProbability(p, 0.9, 100)).toBeCloseTo(0.5);
    expect(bandProbability(p, 0.9, 160)).toBeCloseTo(0.95);
    expect(bandProbability(p, 0.9, 1000)).toBe(1);
    let last = 0;
    for (let x = 0; x <= 400; x += 5) {
      const v = bandProbability(p, 0.9, x);
      expect(v).toBeGreaterThanOrEqual(last);
      last = v;
    }
  });
});
