import { describe, expect, it } from 'vitest';
import { seededRandom } from '@hourmeter/domain';
import { lnGamma } from './gamma.js';
import {
  conditionalFailureProbability,
  fitWeibull,
  hazard,
  lifeQuantile,
  lifeQuantileInterval,
  mttf,
  mttfInterval,
  normalQuantile,
  residualLifeQuantile,
  survival,
  survivalCurve,
  type Life,
  type WeibullFit,
} from './weibull.js';

const FAILURES = [120, 340, 510, 800, 1100];
const CENSORED = [600, 900, 1500, 1500, 2000];
const lives: Life[] = [...FAILURES.map((hours) => ({ hours, failed: true })), ...CENSORED.map((hours) => ({ hours, failed: false }))];
const failuresOnly: Life[] = FAILURES.map((hours) => ({ hours, failed: true }));

function fitted(l: readonly Life[], opts?: Parameters<typeof fitWeibull>[1]): WeibullFit {
  const f = fitWeibull(l, opts);
  if (f.status !== 'fitted') throw new Error(`expected a fit, got ${f.status}`);
  return f;
}

describe('Weibull MLE with right-censoring', () => {
  it('exponential special case (shape fixed at 1): scale = total time on test / failures, censored time included', () => {
    // Closed form: eta = sum of all hours / r = (2870 + 6500) / 5 = 1874; dropping the censored lives: 2870 / 5 = 574.
    expect(fitted(lives, { shape: 1 }).scale).toBeCloseTo(1874, 9);
    expect(fitted(failuresOnly, { shape: 1 }).scale).toBeCloseTo(574, 9);
  });

  it('matches an independent maximisation of the likelihood, and censoring changes the fit', () => {
    // Reference: scipy.optimize Nelder-Mead on the censored Weibull log-likelihood
    // (xatol 1e-12), B10 = eta (-ln 0.9)^(1/beta), MTTF = eta Gamma(1 + 1/beta) with scipy's gamma.
    const withCensored = fitted(lives);
    expect(withCensored.shape).toBeCloseTo(1.0620197, 5);
    expect(withCensored.scale).toBeCloseTo(1820.58571, 2);
    expect(lifeQuantile(withCensored, 0.1)).toBeCloseTo(218.757283, 3);
    expect(mttf(withCensored)).toBeCloseTo(1778.165014, 2);
    expect(withCensored.logLikelihood).toBeCloseTo(-42.6675978, 6);
    expect(withCensored).toMatchObject({ failures: 5, censored: 5, lives: 10 });

    const dropped = fitted(failuresOnly);
    expect(dropped.shape).toBeCloseTo(1.6869051, 5);
    expect(dropped.scale).toBeCloseTo(642.69836, 2);
    expect(lifeQuantile(dropped, 0.1)).toBeCloseTo(169.296933, 3);
    expect(mttf(dropped)).toBeCloseTo(573.752816, 2);
    // Dropping the censored lives makes the population look three times less durable.
    expect(mttf(withCensored) / mttf(dropped)).toBeGreaterThan(3);
  });

  it('bounds from the observed Fisher information (90 %, log-scale Wald)', () => {
    // Reference: inverse of a finite-difference Hessian of the log-likelihood at the MLE (numpy).
    const f = fitted(lives);
    expect(f.covariance[0][0]).toBeCloseTo(0.172216, 4);
    expect(f.covariance[1][1] / 693720.3).toBeCloseTo(1, 4);
    expect(f.covariance[0][1]).toBeCloseTo(-135.0967, 1);
    expect(f.shapeInterval.lower).toBeCloseTo(0.558465, 4);
    expect(f.shapeInterval.upper).toBeCloseTo(2.019616, 4);
    expect(f.scaleInterval.lower).toBeCloseTo(857.8338, 1);
    expect(f.scaleInterval.upper).toBeCloseTo(3863.8397, 1);
    const b10 = lifeQuantileInterval(f, 0.1);
    expect(b10.lower).toBeLessThan(b10.estimate);
    expect(b10.upper).toBeGreaterThan(b10.estimate);
    const m = mttfInterval(f);
    expect(m.lower).toBeLessThan(m.estimate);
    // More data of the same shape narrows the bounds.
    const tenfold = fitted(Array.from({ length: 10 }, () => lives).flat());
    expect(tenfold.shape).toBeCloseTo(f.shape, 8);
    expect(tenfold.shapeInterval.upper - tenfold.shapeInterval.lower).toBeLessThan((f.shapeInterval.upper - f.shapeInterval.lower) / 2.5);
  });

  it('minimal repair: intervals entering at the age of the last failure (left truncation)', () => {
    // One unit, failures at ages 400, 900, 1200, observed to 1500, each repair leaving the age as it was:
    // the power-law process (Crow-AMSAA) whose MLE has the closed form beta = n / sum ln(T / t_i), eta = T / n^(1/beta).
    const unit: Life[] = [
      { startHours: 0, hours: 400, failed: true },
      { startHours: 400, hours: 900, failed: true },
      { startHours: 900, hours: 1200, failed: true },
      { startHours: 1200, hours: 1500, failed: false },
    ];
    const beta = 3 / (Math.log(1500 / 400) + Math.log(1500 / 900) + Math.log(1500 / 1200));
    const f = fitted(unit);
    expect(f.shape).toBeCloseTo(beta, 8);
    expect(f.scale).toBeCloseTo(1500 / Math.pow(3, 1 / beta), 5);
    // Two units (the second fails at 700, runs on to 1000): scipy Nelder-Mead on the same likelihood.
    const two = fitted([...unit, { hours: 700, failed: true }, { startHours: 700, hours: 1000, failed: false }]);
    expect(two.shape).toBeCloseTo(1.7517714, 5);
    expect(two.scale).toBeCloseTo(854.11973, 2);
    expect(two.logLikelihood).toBeCloseTo(-29.1827285, 6);
    // Exponential with truncation: eta = exposure / failures = (1500 + 1000) / 4, whatever the entry ages.
    expect(fitted([...unit, { hours: 700, failed: true }, { startHours: 700, hours: 1000, failed: false }], { shape: 1 }).scale).toBeCloseTo(625, 9);
    // Treating the repaired unit as renewed (each interval from age 0) is a different model with a different fit.
    const renewed = fitted(unit.map((l) => ({ hours: l.hours - (l.startHours ?? 0), failed: l.failed })));
    expect(Math.abs(renewed.shape - f.shape)).toBeGreaterThan(0.5);
    expect(() => fitWeibull([{ startHours: 10, hours: 5, failed: true }])).toThrow(/startHours/);
  });

  it('says so instead of a number when no failure has been recorded, and when no finite shape fits', () => {
    expect(fitWeibull(CENSORED.map((hours) => ({ hours, failed: false })))).toEqual({ status: 'no_failures', lives: 5, censored: 5 });
    expect(fitWeibull([])).toMatchObject({ status: 'no_failures', lives: 0 });
    // One failure at the longest life and nothing else to compare: the likelihood grows without bound in the shape.
    expect(fitWeibull([{ hours: 100, failed: true }, { hours: 50, failed: false }]).status).toBe('degenerate');
    expect(() => fitWeibull([{ hours: Number.NaN, failed: true }])).toThrow(/life 0/);
  });

  it('survival, hazard and residual life are consistent with each other', () => {
    const p = { shape: 2, scale: 1000 };
    expect(survival(p, 1000)).toBeCloseTo(Math.exp(-1), 12);
    expect(hazard(p, 500)).toBeCloseTo(0.001, 12); // (2/1000) (0.5)^1
    expect(survival(p, lifeQuantile(p, 0.1))).toBeCloseTo(0.9, 12);
    // Median residual life at age 500: ((0.25 + ln 2)^(1/2)) * 1000 - 500.
    expect(residualLifeQuantile(p, 500, 0.5)).toBeCloseTo(Math.sqrt(0.25 + Math.LN2) * 1000 - 500, 9);
    expect(conditionalFailureProbability(p, 500, residualLifeQuantile(p, 500, 0.5))).toBeCloseTo(0.5, 12);
    // Exponential: memoryless.
    const e = { shape: 1, scale: 200 };
    expect(conditionalFailureProbability(e, 0, 100)).toBeCloseTo(conditionalFailureProbability(e, 5000, 100), 12);
  });

  it('survival curve bounds bracket the estimate and decrease with hours', () => {
    const curve = survivalCurve(fitted(lives), 3000, 30);
    expect(curve).toHaveLength(31);
    expect(curve[0]).toEqual({ hours: 0, survival: 1, lower: 1, upper: 1 });
    for (let i = 1; i < curve.length; i++) {
      const c = curve[i]!;
      expect(c.lower).toBeLessThan(c.survival);
      expect(c.upper).toBeGreaterThan(c.survival);
      expect(c.survival).toBeLessThan(curve[i - 1]!.survival);
    }
  });

  it('recovers the parameters of large simulated censored samples', () => {
    const rand = seededRandom(7);
    for (const [shape, scale] of [[0.7, 300], [1, 5000], [1.8, 12_000], [3.5, 40_000]] as const) {
      const sample: Life[] = Array.from({ length: 3000 }, () => {
        const life = scale * Math.pow(-Math.log(1 - rand()), 1 / shape);
        const cut = rand() * scale * 2; // random right-censoring (observation ends)
        return life <= cut ? { hours: life, failed: true } : { hours: cut, failed: false };
      });
      const f = fitted(sample);
      expect(Math.abs(f.shape / shape - 1)).toBeLessThan(0.1);
      expect(Math.abs(f.scale / scale - 1)).toBeLessThan(0.1);
      expect(f.shapeInterval.lower).toBeLessThan(shape * 1.05);
      expect(f.shapeInterval.upper).toBeGreaterThan(shape * 0.95);
    }
  });

  it('normal quantile and ln Gamma', () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536, 6);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.3263479, 6);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });
});
