import { seededRandom } from '@hourmeter/domain';

/**
 * Small seeded pseudo-random generators. The simulators must be reproducible
 * from `--seed` alone, so nothing here touches Math.random. The uniform source
 * is the project's seeded generator (@hourmeter/domain `seededRandom`, mulberry32): a
 * 32-bit generator with a 2^32 period: plenty for one asset's stream, tiny, and
 * fast enough for 10k devices.
 */

export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Standard normal (Box-Muller), scaled. */
  normal(mean?: number, sd?: number): number;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** Weibull with shape k and scale lambda: the textbook wear-out life law. */
  weibull(shape: number, scale: number): number;
  /** Picks an index with the given (non-negative) weights. */
  pick(weights: readonly number[]): number;
  /** true with probability p. */
  chance(p: number): boolean;
}

export function mulberry32(seed: number): Prng {
  let spare: number | undefined;
  const next = seededRandom(seed);
  const prng: Prng = {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    normal: (mean = 0, sd = 1) => {
      if (spare !== undefined) {
        const z = spare;
        spare = undefined;
        return mean + sd * z;
      }
      // 1 - next() is in (0, 1]: log never sees 0.
      const r = Math.sqrt(-2 * Math.log(1 - next()));
      const theta = 2 * Math.PI * next();
      spare = r * Math.sin(theta);
      return mean + sd * r * Math.cos(theta);
    },
    exponential: (mean) => -mean * Math.log(1 - next()),
    weibull: (shape, scale) => scale * Math.pow(-Math.log(1 - next()), 1 / shape),
    pick: (weights) => {
      const total = weights.reduce((s, w) => s + w, 0);
      let x = next() * total;
      for (let i = 0; i < weights.length; i++) {
        x -= weights[i]!;
        if (x < 0) return i;
      }
      return weights.length - 1;
    },
    chance: (p) => p > 0 && next() < p,
  };
  return prng;
}

/**
 * Derives independent seeds from (global seed, asset index, stream name), so
 * that e.g. turning fault injection on does not change an asset's physics:
 * each concern draws from its own stream. FNV-1a over the parts, then a
 * murmur3 finaliser to spread the bits.
 */
export function deriveSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = `${String(part)}\u0000`;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function prngFor(...parts: (string | number)[]): Prng {
  return mulberry32(deriveSeed(...parts));
}
