import { seededRandom } from '@hourmeter/domain';

/** Deterministic standard normal noise for tests and benchmarks (Box-Muller over the seeded generator). */
export function gaussian(seed: number): () => number {
  const uniform = seededRandom(seed);
  return () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}
