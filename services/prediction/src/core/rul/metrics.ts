/** Root-mean-square error. */
export function rmse(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  if (predicted.length !== actual.length) throw new Error(`rmse: ${predicted.length} predictions for ${actual.length} targets`);
  if (predicted.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < predicted.length; i++) {
    const d = predicted[i]! - actual[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum / predicted.length);
}

/**
 * RMSE against the truth capped at `cap` (C-MAPSS: 125), the convention of
 * the published results: a model trained on the capped target cannot know
 * how far beyond the cap a healthy unit is, so only the capped error is
 * comparable with the literature. The uncapped `rmse` stays the stricter figure.
 */
export function rmseCapped(predicted: ArrayLike<number>, actual: ArrayLike<number>, cap: number): number {
  return rmse(predicted, Array.from(actual, (a) => Math.min(a, cap)));
}

/**
 * PHM08 challenge score (Saxena et al. 2008): asymmetric exponential penalty,
 * d = predicted - true; late predictions (d > 0) cost more than early ones
 * because a missed failure is worse than an early overhaul.
 */
export function phm08Score(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  if (predicted.length !== actual.length) throw new Error(`phm08Score: ${predicted.length} predictions for ${actual.length} targets`);
  let sum = 0;
  for (let i = 0; i < predicted.length; i++) {
    const d = predicted[i]! - actual[i]!;
    sum += d < 0 ? Math.exp(-d / 13) - 1 : Math.exp(d / 10) - 1;
  }
  return sum;
}

/** Quantile with linear interpolation between order statistics (type 7, as R/numpy default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
