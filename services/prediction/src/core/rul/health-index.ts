import { Matrix, solve } from 'ml-matrix';

/**
 * Linear health index: a ridge regression from the normalised sensors of one
 * cycle to the capped RUL. Each sensor alone is noisy; their learned weighted
 * sum averages the noise out and orders cycles by degradation, which gives the
 * window features of the index (trend, level) far more signal than any single
 * sensor. Linear and heavily sample-backed (few weights, thousands of rows), so
 * using it as a feature for the tree model on the same rows barely overfits.
 */
export interface HealthIndex {
  readonly weights: number[];
  readonly intercept: number;
}

export function fitHealthIndex(channels: readonly Float64Array[][], targets: readonly Float64Array[], lambda = 1): HealthIndex {
  const p = channels[0]?.length ?? 0;
  let n = 0;
  for (const t of targets) n += t.length;
  // Normal equations with an unpenalised intercept column: (X'X + lambda I) w = X'y.
  const xtx = Matrix.zeros(p + 1, p + 1);
  const xty = Matrix.zeros(p + 1, 1);
  const row = new Float64Array(p + 1);
  channels.forEach((unit, u) => {
    const y = targets[u]!;
    for (let t = 0; t < y.length; t++) {
      for (let j = 0; j < p; j++) row[j] = unit[j]![t]!;
      row[p] = 1;
      for (let i = 0; i <= p; i++) {
        xty.set(i, 0, xty.get(i, 0) + row[i]! * y[t]!);
        for (let j = i; j <= p; j++) xtx.set(i, j, xtx.get(i, j) + row[i]! * row[j]!);
      }
    }
  });
  for (let i = 0; i <= p; i++) for (let j = 0; j < i; j++) xtx.set(i, j, xtx.get(j, i));
  for (let i = 0; i < p; i++) xtx.set(i, i, xtx.get(i, i) + lambda);
  if (n === 0) throw new Error('fitHealthIndex: no rows');
  const w = solve(xtx, xty).getColumn(0);
  return { weights: w.slice(0, p), intercept: w[p]! };
}

export function healthIndexSeries(hi: HealthIndex, channels: readonly Float64Array[]): Float64Array {
  const n = channels[0]?.length ?? 0;
  const out = new Float64Array(n).fill(hi.intercept);
  hi.weights.forEach((w, j) => {
    const ch = channels[j]!;
    for (let t = 0; t < n; t++) out[t]! += w * ch[t]!;
  });
  return out;
}
