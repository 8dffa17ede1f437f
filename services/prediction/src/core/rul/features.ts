/**
 * Window features over one engine's history, computed for every cycle at once.
 *
 * Each function returns out[t] using only x[0..t] (no look-ahead), so the value
 * at the last cycle of a truncated history equals the value the same cycle had
 * in the full history: training rows and live predictions see the same thing.
 * Windows shorter than requested at the start of a history use what exists.
 */

/** Exponentially weighted moving average, started at the first value. */
export function ewma(x: ArrayLike<number>, alpha: number): Float64Array {
  const out = new Float64Array(x.length);
  let acc = x[0] ?? 0;
  for (let t = 0; t < x.length; t++) {
    acc = t === 0 ? x[0]! : alpha * x[t]! + (1 - alpha) * acc;
    out[t] = acc;
  }
  return out;
}

function prefix(x: ArrayLike<number>, f: (v: number, t: number) => number): Float64Array {
  const p = new Float64Array(x.length + 1);
  for (let t = 0; t < x.length; t++) p[t + 1] = p[t]! + f(x[t]!, t);
  return p;
}

/** Mean of the last `window` values (Infinity = whole history so far). */
export function rollingMean(x: ArrayLike<number>, window: number): Float64Array {
  const s = prefix(x, (v) => v);
  const out = new Float64Array(x.length);
  for (let t = 0; t < x.length; t++) {
    const a = Math.max(0, t + 1 - window);
    out[t] = (s[t + 1]! - s[a]!) / (t + 1 - a);
  }
  return out;
}

/**
 * Population standard deviation of the last `window` values. Values are
 * centred on the first one before summing so large offsets do not cancel.
 */
export function rollingStd(x: ArrayLike<number>, window: number): Float64Array {
  const shift = x[0] ?? 0;
  const s = prefix(x, (v) => v - shift);
  const s2 = prefix(x, (v) => (v - shift) ** 2);
  const out = new Float64Array(x.length);
  for (let t = 0; t < x.length; t++) {
    const a = Math.max(0, t + 1 - window);
    const n = t + 1 - a;
    const m = (s[t + 1]! - s[a]!) / n;
    out[t] = Math.sqrt(Math.max(0, (s2[t + 1]! - s2[a]!) / n - m * m));
  }
  return out;
}

/**
 * Least-squares slope (per cycle) of the last `window` values; 0 while fewer
 * than two points exist. Uses prefix sums so every cycle costs O(1).
 */
export function rollingSlope(x: ArrayLike<number>, window: number): Float64Array {
  const sy = prefix(x, (v) => v);
  const sty = prefix(x, (v, t) => v * t);
  const out = new Float64Array(x.length);
  for (let t = 0; t < x.length; t++) {
    const a = Math.max(0, t + 1 - window);
    const n = t + 1 - a;
    if (n < 2) continue;
    // Sums of the indices a..t and of their squares, in closed form.
    const st = (n * (a + t)) / 2;
    const stt = (t * (t + 1) * (2 * t + 1) - (a - 1) * a * (2 * a - 1)) / 6;
    const den = n * stt - st * st;
    out[t] = (n * (sty[t + 1]! - sty[a]!) - st * (sy[t + 1]! - sy[a]!)) / den;
  }
  return out;
}

/**
 * Mean of the last `window` values minus the mean of the first `window` values.
 * Engines start with different (unknown) initial wear and manufacturing
 * variation, so drift from the engine's own early baseline separates
 * degradation from unit-to-unit offset. While the history is shorter than
 * two windows the windows overlap and drift tends to 0, as it should.
 */
export function drift(x: ArrayLike<number>, window: number): Float64Array {
  const s = prefix(x, (v) => v);
  const out = new Float64Array(x.length);
  for (let t = 0; t < x.length; t++) {
    const n = Math.min(window, t + 1);
    out[t] = (s[t + 1]! - s[t + 1 - n]!) / n - s[n]! / n;
  }
  return out;
}

/**
 * A window statistic of one channel. `window: 0` means the whole history so far
 * (0 rather than Infinity so the spec survives a JSON round trip).
 */
export type WindowFeature =
  | { readonly kind: 'last' }
  | { readonly kind: 'ewma'; readonly alpha: number }
  | { readonly kind: 'mean'; readonly window: number }
  | { readonly kind: 'std'; readonly window: number }
  | { readonly kind: 'slope'; readonly window: number }
  | { readonly kind: 'drift'; readonly window: number };

const span = (window: number) => (window > 0 ? window : Infinity);

export function computeWindowFeature(x: ArrayLike<number>, f: WindowFeature): Float64Array {
  switch (f.kind) {
    case 'last':
      return Float64Array.from(x);
    case 'ewma':
      return ewma(x, f.alpha);
    case 'mean':
      return rollingMean(x, span(f.window));
    case 'std':
      return rollingStd(x, span(f.window));
    case 'slope':
      return rollingSlope(x, span(f.window));
    case 'drift':
      return drift(x, f.window);
  }
}

export function windowFeatureName(channel: string, f: WindowFeature): string {
  const w = (n: number) => (n > 0 ? String(n) : 'all');
  switch (f.kind) {
    case 'last':
      return `${channel}.last`;
    case 'ewma':
      return `${channel}.ewma${f.alpha}`;
    case 'mean':
      return `${channel}.mean${w(f.window)}`;
    case 'std':
      return `${channel}.std${w(f.window)}`;
    case 'slope':
      return `${channel}.slope${w(f.window)}`;
    case 'drift':
      return `${channel}.drift${f.window}`;
  }
}

/** Which statistics to take of each normalised sensor and of the health index. */
export interface FeatureSpec {
  readonly sensor: readonly WindowFeature[];
  readonly healthIndex: readonly WindowFeature[];
  /** Cycles flown so far: engines start healthy, so age alone bounds RUL from above on average. */
  readonly cycle: boolean;
}

export function featureNames(spec: FeatureSpec, sensorNames: readonly string[], indexNames: readonly string[] = ['hi']): string[] {
  const names: string[] = [];
  if (spec.cycle) names.push('cycle');
  for (const s of sensorNames) for (const f of spec.sensor) names.push(windowFeatureName(s, f));
  for (const h of indexNames) for (const f of spec.healthIndex) names.push(windowFeatureName(h, f));
  return names;
}

/**
 * Feature matrix of one history, row-major (cycle t, feature j at t * width + j),
 * in the order of `featureNames`. `channels[j][t]` are the normalised sensors,
 * `indexes[i][t]` the health indexes (each gets the `healthIndex` statistics).
 */
export function buildFeatureMatrix(
  spec: FeatureSpec,
  channels: readonly Float64Array[],
  indexes: readonly Float64Array[],
): { width: number; rows: number; data: Float64Array } {
  const n = channels[0]?.length ?? indexes[0]?.length ?? 0;
  const width = (spec.cycle ? 1 : 0) + channels.length * spec.sensor.length + indexes.length * spec.healthIndex.length;
  const data = new Float64Array(n * width);
  let col = 0;
  const put = (values: ArrayLike<number>) => {
    for (let t = 0; t < n; t++) data[t * width + col] = values[t]!;
    col++;
  };
  if (spec.cycle) put(Float64Array.from({ length: n }, (_, t) => t + 1));
  for (const ch of channels) for (const f of spec.sensor) put(computeWindowFeature(ch, f));
  for (const h of indexes) for (const f of spec.healthIndex) put(computeWindowFeature(h, f));
  return { width, rows: n, data };
}
