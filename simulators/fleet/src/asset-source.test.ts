import { describe, expect, it } from 'vitest';
import { AssetSource } from './asset-source.js';
import { AssetSim } from './physics/asset.js';
import { MODELS } from './physics/models.js';

const NOW = Date.parse('2026-12-07T12:00:00Z');

describe('a simulated asset that follows the clock', () => {
  it('catches up on its past at full speed, then keeps pace with the clock and never runs ahead of it', () => {
    let clock = NOW;
    const sim = new AssetSim({ spec: MODELS.pump, seed: 1, index: 0, startMs: NOW - 3_600_000, initialWear: 0.2 });
    const source = new AssetSource(sim, 600, () => clock);
    const ts: number[] = [];
    for (let i = 0; i < 10; i++) ts.push(source.next().ts);
    // Six 10-minute steps reach the clock; after that it waits for the clock instead of running into the future.
    expect(ts.slice(0, 7)).toEqual([0, 1, 2, 3, 4, 5, 6].map((k) => NOW - 3_600_000 + k * 600_000));
    expect(Math.max(...ts)).toBeLessThanOrEqual(NOW + 3);
    expect(new Set(ts).size).toBe(ts.length);
    clock += 1_000;
    expect(source.next().ts).toBeGreaterThanOrEqual(NOW + 1_000);
    expect(source.next().ts).toBeLessThanOrEqual(NOW + 1_002);
  });

  it('keeps the fixed interval without a clock to follow', () => {
    const sim = new AssetSim({ spec: MODELS.pump, seed: 1, index: 0, startMs: NOW, initialWear: 0.2 });
    const source = new AssetSource(sim, 600);
    const ts = [source.next().ts, source.next().ts, source.next().ts];
    expect(ts).toEqual([NOW, NOW + 600_000, NOW + 1_200_000]);
  });
});
