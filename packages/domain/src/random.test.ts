import { describe, expect, it } from 'vitest';
import { seededRandom, shuffled } from './random.js';

describe('seededRandom', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const take = (seed: number) => Array.from({ length: 50 }, seededRandom(seed));
    expect(take(7)).toEqual(take(7));
    expect(take(7)).not.toEqual(take(8));
  });

  it('is uniform on [0, 1)', () => {
    const next = seededRandom(42);
    const xs = Array.from({ length: 20_000 }, () => next());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const deciles = Array.from({ length: 10 }, (_, d) => xs.filter((x) => Math.floor(x * 10) === d).length);
    for (const n of deciles) expect(Math.abs(n - 2_000)).toBeLessThan(200);
  });
});

describe('shuffled', () => {
  it('returns a permutation of a copy, reproducibly', () => {
    const items = Array.from({ length: 30 }, (_, i) => i);
    const a = shuffled(items, seededRandom(3));
    expect(a).not.toEqual(items);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(shuffled(items, seededRandom(3))).toEqual(a);
    expect(items[0]).toBe(0);
  });
});
