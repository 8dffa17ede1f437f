import { describe, expect, it } from 'vitest';
import { buildFeatureMatrix, computeWindowFeature, drift, ewma, featureNames, rollingMean, rollingSlope, rollingStd, type FeatureSpec } from './features.js';

const close = (actual: ArrayLike<number>, expected: number[]) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, 10));
};

describe('window features (hand-computed)', () => {
  it('ewma starts at the first value', () => {
    close(ewma([1, 2, 3], 0.5), [1, 1.5, 2.25]);
  });
  it('rolling mean uses the shorter window at the start; window 0 is the whole history', () => {
    close(rollingMean([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5]);
    close(computeWindowFeature([1, 2, 3, 4], { kind: 'mean', window: 0 }), [1, 1.5, 2, 2.5]);
  });
  it('rolling std is the population deviation of the window', () => {
    close(rollingStd([1, 3, 5], 2), [0, 1, 1]);
    // Large offsets must not cancel catastrophically.
    close(rollingStd([1e9 + 1, 1e9 + 3, 1e9 + 5], 3), [0, 1, Math.sqrt(8 / 3)]);
  });
  it('rolling slope is the least-squares slope per cycle', () => {
    // t=2: x=0,1,2 y=1,3,2 -> 1/2; t=3: x=1,2,3 y=3,2,5 -> 2/2.
    close(rollingSlope([1, 3, 2, 5], 3), [0, 2, 0.5, 1]);
    close(computeWindowFeature([0, 2, 4, 6, 8], { kind: 'slope', window: 0 }), [0, 2, 2, 2, 2]);
  });
  it('drift compares the recent mean with the early baseline', () => {
    close(drift([1, 2, 3, 4, 5, 6], 2), [0, 0, 1, 2, 3, 4]);
  });
});

describe('feature matrix', () => {
  const spec: FeatureSpec = {
    cycle: true,
    sensor: [{ kind: 'last' }, { kind: 'mean', window: 2 }],
    healthIndex: [{ kind: 'slope', window: 0 }],
  };
  const channels = [Float64Array.from([1, 3, 5]), Float64Array.from([0, 0, 6])];
  const hi = Float64Array.from([10, 8, 6]);

  it('lays out features row-major in the order of featureNames', () => {
    expect(featureNames(spec, ['s2', 's3'])).toEqual(['cycle', 's2.last', 's2.mean2', 's3.last', 's3.mean2', 'hi.slopeall']);
    const m = buildFeatureMatrix(spec, channels, [hi]);
    expect(m.width).toBe(6);
    expect(m.rows).toBe(3);
    expect(Array.from(m.data.subarray(2 * 6, 3 * 6))).toEqual([3, 5, 4, 6, 3, -2]);
  });

  it('never looks ahead: a truncated history gives the same rows as the full one', () => {
    const full = buildFeatureMatrix(spec, channels, [hi]);
    const cut = buildFeatureMatrix(
      spec,
      channels.map((c) => c.subarray(0, 2)),
      [hi.subarray(0, 2)],
    );
    expect(Array.from(cut.data)).toEqual(Array.from(full.data.subarray(0, 2 * full.width)));
  });
});
