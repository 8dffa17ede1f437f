import { seededRandom } from '@hourmeter/testkit';
import { describe, expect, it } from 'vitest';
import { fitGbt, predictGbt, type DenseMatrix } from './gbt.js';
import { rmse } from './metrics.js';

function dataset(n: number, seed: number): { X: DenseMatrix; y: Float64Array } {
  const random = seededRandom(seed);
  const cols = 3;
  const data = new Float64Array(n * cols);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = random();
    const b = random();
    data[i * cols] = a;
    data[i * cols + 1] = b;
    data[i * cols + 2] = random(); // pure noise feature
    // A step plus an interaction: what trees model and a linear fit cannot.
    y[i] = (a > 0.5 ? 10 : 0) + (b > 0.3 && a < 0.5 ? 5 : 0) + (random() - 0.5);
  }
  return { X: { rows: n, cols, data }, y };
}

describe('fitGbt', () => {
  const train = dataset(3000, 1);
  const test = dataset(1000, 2);

  it('learns a non-linear function to near the noise floor', () => {
    const { model } = fitGbt(train.X, train.y, { rounds: 200, learningRate: 0.1, earlyStopping: 20 });
    const pred = Array.from({ length: test.X.rows }, (_, i) => predictGbt(model, test.X.data, i * test.X.cols));
    // Noise is uniform(-0.5, 0.5): RMSE floor ~0.29; a constant predictor gets ~5.
    expect(rmse(pred, test.y)).toBeLessThan(0.6);
  });

  it('stops early on validation data and keeps the best round only', () => {
    const result = fitGbt(train.X, train.y, { rounds: 2000, learningRate: 0.3, earlyStopping: 10 }, test);
    expect(result.bestRounds).toBeLessThan(2000);
    expect(result.model.trees).toHaveLength(result.bestRounds);
  });

  it('is deterministic for a seed and survives a JSON round trip', () => {
    const a = fitGbt(train.X, train.y, { rounds: 30, seed: 5 }).model;
    const b = fitGbt(train.X, train.y, { rounds: 30, seed: 5 }).model;
    expect(b).toEqual(a);
    const restored = JSON.parse(JSON.stringify(a)) as typeof a;
    for (let i = 0; i < 50; i++) expect(predictGbt(restored, test.X.data, i * 3)).toBe(predictGbt(a, test.X.data, i * 3));
  });
});
