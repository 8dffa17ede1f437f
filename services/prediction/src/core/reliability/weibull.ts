/**
 * Two-parameter Weibull life model fitted by maximum likelihood with
 * right-censoring: the population reliability of an asset model and failure
 * mode, on operating hours.
 *
 * A failure contributes the density f(t) to the likelihood, a censored life
 * (a unit still running, or a component replaced before it failed) only the
 * survival S(t): "it lasted at least this long". Dropping censored lives
 * instead would fit only the units that failed early and make the population
 * look far less reliable than it is.
 *
 *   S(t) = exp(-(t/eta)^beta)      h(t) = (beta/eta) (t/eta)^(beta-1)
 *   l(beta, eta) = r ln beta - r beta ln eta + (beta-1) sum_F ln t - sum_all (t/eta)^beta
 *
 * A life may enter observation at an age s > 0 (left truncation): it then
 * contributes f(t)/S(s) or S(t)/S(s). That is how minimal repair is fitted
 * (after a repair the unit goes on at the age it failed at, so the failures
 * of one unit form a power-law process with the same beta and eta), and how
 * units already running before records began are counted.
 *
 *   l = r ln beta - r beta ln eta + (beta-1) sum_F ln t - sum_all ((t/eta)^beta - (s/eta)^beta)
 *
 * For a given shape the scale has a closed form, eta(beta) = (sum (t^beta - s^beta) / r)^(1/beta),
 * so the fit solves one monotone equation in beta (bisection on ln beta).
 * Confidence bounds come from the observed Fisher information at the MLE
 * (Wald intervals on the log scale, the delta method for derived figures).
 */
import { lnGamma } from './gamma.js';

export interface Life {
  /** Operating hours (or the calendar fallback) from the start of the life to its end or to now. */
  hours: number;
  /** true: the life ended in the failure mode; false: right-censored. */
  failed: boolean;
  /** Age at which observation began (left truncation; minimal repair); default 0. */
  startHours?: number | undefined;
}

export interface WeibullFitOptions {
  /** Two-sided confidence level of the bounds (default 0.9). */
  confidence?: number;
  /**
   * Fix the shape instead of estimating it (e.g. 1 for the exponential model,
   * or a shape known from engineering when failures are few): only the scale
   * is fitted, and its bounds ignore the shape's uncertainty.
   */
  shape?: number;
}

export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
}

export interface WeibullParameters {
  shape: number;
  scale: number;
}

/** Why no fit exists: no failure yet, or data that pins no finite shape. */
export type WeibullFitFailure =
  | { status: 'no_failures'; lives: number; censored: number }
  | { status: 'degenerate'; lives: number; failures: number; reason: string };

export interface WeibullFit extends WeibullParameters {
  status: 'fitted';
  lives: number;
  failures: number;
  censored: number;
  confidence: number;
  shapeInterval: Interval;
  scaleInterval: Interval;
  logLikelihood: number;
  /** Covariance of (shape, scale) from the observed information; shape terms 0 when the shape is fixed. */
  covariance: [[number, number], [number, number]];
  shapeFixed: boolean;
}

const DEFAULT_CONFIDENCE = 0.9;

export function survival(p: WeibullParameters, hours: number): number {
  return hours <= 0 ? 1 : Math.exp(-Math.pow(hours / p.scale, p.shape));
}

export function hazard(p: WeibullParameters, hours: number): number {
  if (hours <= 0) return p.shape < 1 ? Number.POSITIVE_INFINITY : p.shape === 1 ? 1 / p.scale : 0;
  return (p.shape / p.scale) * Math.pow(hours / p.scale, p.shape - 1);
}

/** Hours by which a fraction `q` of the population has failed (B10: q = 0.1). */
export function lifeQuantile(p: WeibullParameters, q: number): number {
  return p.scale * Math.pow(-Math.log1p(-q), 1 / p.shape);
}

/** Mean time to failure, eta * Gamma(1 + 1/beta). */
export function mttf(p: WeibullParameters): number {
  return p.scale * Math.exp(lnGamma(1 + 1 / p.shape));
}

/** Probability that a unit that has survived `age` hours fails within the next `horizon` hours. */
export function conditionalFailureProbability(p: WeibullParameters, age: number, horizon: number): number {
  const a = Math.pow(Math.max(0, age) / p.scale, p.shape);
  const b = Math.pow((Math.max(0, age) + Math.max(0, horizon)) / p.scale, p.shape);
  return -Math.expm1(a - b);
}

/**
 * Remaining hours by which a unit that has survived `age` hours has failed
 * with probability `q` (q = 0.5: the median residual life, the population RUL).
 * Closed form: S(age + x) / S(age) = 1 - q.
 */
export function residualLifeQuantile(p: WeibullParameters, age: number, q: number): number {
  const a = Math.max(0, age);
  const cumulative = Math.pow(a / p.scale, p.shape) - Math.log1p(-q);
  return Math.max(0, p.scale * Math.pow(cumulative, 1 / p.shape) - a);
}

/** Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

function validate(lives: readonly Life[]): void {
  for (const [i, l] of lives.entries()) {
    if (!Number.isFinite(l.hours) || l.hours < 0) throw new RangeError(`life ${i}: hours must be a finite number >= 0, got ${l.hours}`);
    const s = l.startHours ?? 0;
    if (!Number.isFinite(s) || s < 0 || s > l.hours) throw new RangeError(`life ${i}: startHours must be within 0..hours, got ${s}`);
  }
}

/**
 * Maximum-likelihood Weibull fit with right-censoring. Lives of 0 hours carry
 * no information about the shape and are ignored (a failure at 0 hours is
 * infant mortality the model cannot represent). Times are scaled by the
 * largest one inside the solver so t^beta never overflows.
 */
export function fitWeibull(allLives: readonly Life[], options: WeibullFitOptions = {}): WeibullFit | WeibullFitFailure {
  validate(allLives);
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  // A life observed for no time at all carries no information.
  const lives = allLives.filter((l) => l.hours > (l.startHours ?? 0));
  const failures = lives.filter((l) => l.failed).length;
  if (failures === 0) return { status: 'no_failures', lives: allLives.length, censored: allLives.length };

  const tMax = Math.max(...lives.map((l) => l.hours));
  const logs = lives.map((l) => Math.log(l.hours / tMax)); // <= 0
  const startLogs = lives.map((l) => ((l.startHours ?? 0) > 0 ? Math.log(l.startHours! / tMax) : undefined));
  const failLogMean = lives.reduce((s, l, i) => s + (l.failed ? logs[i]! : 0), 0) / failures;

  /** sum of (t/tMax)^beta - (s/tMax)^beta, and of the same terms times their logs. */
  const sums = (beta: number) => {
    let s0 = 0;
    let s1 = 0;
    for (let i = 0; i < logs.length; i++) {
      const z = logs[i]!;
      const w = Math.exp(beta * z);
      s0 += w;
      s1 += w * z;
      const zs = startLogs[i];
      if (zs !== undefined) {
        const ws = Math.exp(beta * zs);
        s0 -= ws;
        s1 -= ws * zs;
      }
    }
    return { s0, s1 };
  };

  let shape: number;
  if (options.shape !== undefined) {
    if (!(options.shape > 0 && Number.isFinite(options.shape))) throw new RangeError(`shape must be > 0, got ${options.shape}`);
    shape = options.shape;
  } else {
    // Profile score g(beta) = s1/s0 - 1/beta - mean_F ln t: increasing in beta.
    const g = (beta: number) => {
      const { s0, s1 } = sums(beta);
      return s1 / s0 - 1 / beta - failLogMean;
    };
    let lo = 1e-3;
    let hi = 1e3;
    if (g(hi) < 0) {
      return { status: 'degenerate', lives: allLives.length, failures, reason: 'the failures sit at the longest lives only: no finite shape fits (more failures or censored lives needed)' };
    }
    if (g(lo) > 0) return { status: 'degenerate', lives: allLives.length, failures, reason: 'the lives are too spread for a Weibull shape above 0.001' };
    for (let i = 0; i < 200 && hi / lo > 1 + 1e-12; i++) {
      const mid = Math.sqrt(lo * hi);
      if (g(mid) > 0) hi = mid;
      else lo = mid;
    }
    shape = Math.sqrt(lo * hi);
  }
  const { s0 } = sums(shape);
  const scale = tMax * Math.pow(s0 / failures, 1 / shape);

  // Observed information at (shape, scale); u = t/scale, z = ln u.
  let su = 0;
  let suz = 0;
  let suzz = 0;
  let sumFailLogT = 0;
  for (const l of lives) {
    for (const [t, sign] of [[l.hours, 1], [l.startHours ?? 0, -1]] as const) {
      if (t <= 0) continue;
      const z = Math.log(t / scale);
      const w = sign * Math.pow(t / scale, shape);
      su += w;
      suz += w * z;
      suzz += w * z * z;
    }
    if (l.failed) sumFailLogT += Math.log(l.hours);
  }
  const r = failures;
  const logLikelihood = r * Math.log(shape) - r * shape * Math.log(scale) + (shape - 1) * sumFailLogT - su;
  const iBB = r / (shape * shape) + suzz;
  const iEE = -(r * shape) / (scale * scale) + (shape * (1 + shape) * su) / (scale * scale);
  const iBE = (r - su - shape * suz) / scale;
  let covariance: [[number, number], [number, number]];
  if (options.shape !== undefined) {
    covariance = [
      [0, 0],
      [0, 1 / iEE],
    ];
  } else {
    const det = iBB * iEE - iBE * iBE;
    covariance = [
      [iEE / det, -iBE / det],
      [-iBE / det, iBB / det],
    ];
  }
  const z = normalQuantile(0.5 + confidence / 2);
  const logInterval = (estimate: number, variance: number): Interval => {
    const f = Math.exp((z * Math.sqrt(Math.max(0, variance))) / estimate);
    return { estimate, lower: estimate / f, upper: estimate * f };
  };
  return {
    status: 'fitted',
    shape,
    scale,
    lives: allLives.length,
    failures,
    censored: allLives.length - failures,
    confidence,
    shapeInterval: logInterval(shape, covariance[0][0]),
    scaleInterval: logInterval(scale, covariance[1][1]),
    logLikelihood,
    covariance,
    shapeFixed: options.shape !== undefined,
  };
}

/**
 * Delta-method interval of a positive figure f(shape, scale) on the log
 * scale, with the gradient taken by central differences.
 */
function deltaInterval(fit: WeibullFit, f: (p: WeibullParameters) => number): Interval {
  const estimate = f(fit);
  const hB = fit.shape * 1e-5;
  const hE = fit.scale * 1e-5;
  const lf = (shape: number, scale: number) => Math.log(f({ shape, scale }));
  const gB = fit.shapeFixed ? 0 : (lf(fit.shape + hB, fit.scale) - lf(fit.shape - hB, fit.scale)) / (2 * hB);
  const gE = (lf(fit.shape, fit.scale + hE) - lf(fit.shape, fit.scale - hE)) / (2 * hE);
  const [[vBB, vBE], [, vEE]] = fit.covariance;
  const variance = gB * gB * vBB + 2 * gB * gE * vBE + gE * gE * vEE;
  const z = normalQuantile(0.5 + fit.confidence / 2);
  const k = Math.exp(z * Math.sqrt(Math.max(0, variance)));
  return { estimate, lower: estimate / k, upper: estimate * k };
}

/** Bq life with bounds (q = 0.1 for B10). */
export function lifeQuantileInterval(fit: WeibullFit, q: number): Interval {
  return deltaInterval(fit, (p) => lifeQuantile(p, q));
}

export function mttfInterval(fit: WeibullFit): Interval {
  return deltaInterval(fit, mttf);
}

/**
 * Survival with bounds, through the cumulative hazard H = (t/eta)^beta:
 * bounds on ln H keep S inside (0, 1).
 */
export function survivalInterval(fit: WeibullFit, hours: number): Interval {
  if (hours <= 0) return { estimate: 1, lower: 1, upper: 1 };
  const h = deltaInterval(fit, (p) => Math.pow(hours / p.scale, p.shape));
  return { estimate: Math.exp(-h.estimate), lower: Math.exp(-h.upper), upper: Math.exp(-h.lower) };
}

export interface SurvivalPoint {
  hours: number;
  survival: number;
  lower: number;
  upper: number;
}

/** Points of the fitted survival curve from 0 to `maxHours`, for charts. */
export function survivalCurve(fit: WeibullFit, maxHours: number, points = 50): SurvivalPoint[] {
  return Array.from({ length: points + 1 }, (_, i) => {
    const hours = (maxHours * i) / points;
    const s = survivalInterval(fit, hours);
    return { hours, survival: s.estimate, lower: s.lower, upper: s.upper };
  });
}
