/**
 * Incremental window features and RUL prediction for one live history.
 *
 * `buildFeatureMatrix` recomputes every cycle of a history at once, which is
 * right for training but makes each live estimate cost the whole run again.
 * Here every feature keeps running sums over its window, so adding a cycle
 * costs O(features) and a prediction O(features + trees), whatever the run's
 * length. Values equal the batch functions of features.ts at the same cycle
 * (to the last bit: the same sums in the same order), which
 * streaming.test.ts checks.
 */
import { assignCondition } from './conditions.js';
import type { WindowFeature } from './features.js';
import type { RulModel, RulPrediction, SerializedRulModel } from './model.js';
import type { CycleReading } from './normalise.js';

/**
 * Prefix sums p[i] = f(x[0]) + ... + f(x[i-1]) of a growing history, keeping
 * only the ones a window of `window` cycles reaches back to. The sums are
 * built in the same order as features.ts builds them, so differences of them
 * round exactly as the batch features do: tree thresholds sit on training
 * values of quantised sensors, and a last-bit difference would flip them.
 */
class WindowPrefix {
  private readonly ring: Float64Array;
  /** Values pushed so far; the next one has index t. */
  t = 0;
  /** p[t] */
  total = 0;
  constructor(
    private readonly window: number,
    private readonly f: (v: number, t: number) => number,
  ) {
    this.ring = new Float64Array(Number.isFinite(window) ? window : 1);
  }
  /** p[i], for max(0, t + 1 - window) <= i <= t. */
  at(i: number): number {
    return this.ring[i % this.ring.length]!;
  }
  /** p[t + 1] if x were the next value. */
  next(x: number): number {
    return this.total + this.f(x, this.t);
  }
  push(x: number): void {
    this.total = this.next(x);
    this.t++;
    // A whole-history window only ever reads p[0] = 0.
    if (Number.isFinite(this.window)) this.ring[this.t % this.ring.length] = this.total;
  }
}

/** One window statistic of one channel: `peek(x)` is its value if x were the next cycle, `push(x)` makes it so. */
export interface StreamingFeature {
  peek(x: number): number;
  push(x: number): void;
}

const span = (window: number) => (window > 0 ? window : Infinity);

function last(): StreamingFeature {
  return { peek: (x) => x, push: () => {} };
}

function ewma(alpha: number): StreamingFeature {
  let acc = 0;
  let started = false;
  const peek = (x: number) => (started ? alpha * x + (1 - alpha) * acc : x);
  return {
    peek,
    push(x) {
      acc = peek(x);
      started = true;
    },
  };
}

function mean(window: number): StreamingFeature {
  const s = new WindowPrefix(window, (v) => v);
  return {
    peek(x) {
      const a = Math.max(0, s.t + 1 - window);
      return (s.next(x) - s.at(a)) / (s.t + 1 - a);
    },
    push: (x) => s.push(x),
  };
}

function std(window: number): StreamingFeature {
  // Centred on the history's first value, as rollingStd does, so large offsets do not cancel.
  let shift = 0;
  const s = new WindowPrefix(window, (v) => v - shift);
  const s2 = new WindowPrefix(window, (v) => (v - shift) ** 2);
  return {
    peek(x) {
      if (s.t === 0) shift = x;
      const a = Math.max(0, s.t + 1 - window);
      const n = s.t + 1 - a;
      const m = (s.next(x) - s.at(a)) / n;
      return Math.sqrt(Math.max(0, (s2.next(x) - s2.at(a)) / n - m * m));
    },
    push(x) {
      if (s.t === 0) shift = x;
      s.push(x);
      s2.push(x);
    },
  };
}

function slope(window: number): StreamingFeature {
  const sy = new WindowPrefix(window, (v) => v);
  const sty = new WindowPrefix(window, (v, t) => v * t);
  return {
    peek(x) {
      const t = sy.t;
      const a = Math.max(0, t + 1 - window);
      const n = t + 1 - a;
      if (n < 2) return 0;
      // Sums of the indices a..t and of their squares, in closed form (as rollingSlope).
      const st = (n * (a + t)) / 2;
      const stt = (t * (t + 1) * (2 * t + 1) - (a - 1) * a * (2 * a - 1)) / 6;
      const den = n * stt - st * st;
      return (n * (sty.next(x) - sty.at(a)) - st * (sy.next(x) - sy.at(a))) / den;
    },
    push(x) {
      sy.push(x);
      sty.push(x);
    },
  };
}

function drift(window: number): StreamingFeature {
  const s = new WindowPrefix(window, (v) => v);
  /** p[window], once reached: the sum of the history's first `window` values. */
  let first: number | undefined;
  return {
    peek(x) {
      const t = s.t;
      const n = Math.min(window, t + 1);
      const next = s.next(x);
      return (next - s.at(t + 1 - n)) / n - (first ?? next) / n;
    },
    push(x) {
      s.push(x);
      if (s.t === window) first = s.total;
    },
  };
}

export function streamingFeature(f: WindowFeature): StreamingFeature {
  switch (f.kind) {
    case 'last':
      return last();
    case 'ewma':
      return ewma(f.alpha);
    case 'mean':
      return mean(span(f.window));
    case 'std':
      return std(span(f.window));
    case 'slope':
      return slope(span(f.window));
    case 'drift':
      return drift(f.window);
  }
}

/** A live history scored by one model: push completed cycles, peek at the RUL after a (possibly partial) next one. */
export interface RulStream {
  /** Completed cycles pushed so far. */
  readonly cycles: number;
  push(row: CycleReading): void;
  /** The model's prediction after `row` as the next cycle (equals `model.predict([...history, row])`). */
  peek(row: CycleReading): RulPrediction;
}

/**
 * The ensemble's trees in one set of typed arrays (a node's children are
 * absolute indexes), walked without the JSON form's nested arrays: several
 * times faster, and summed in predictEnsemble's order, so the same number.
 */
function compileEnsemble(members: SerializedRulModel['gbt']): (x: Float64Array) => number {
  const nodes = members.reduce((a, m) => a + m.trees.reduce((b, t) => b + t.feature.length, 0), 0);
  const feature = new Int32Array(nodes);
  const threshold = new Float64Array(nodes);
  const left = new Int32Array(nodes);
  const right = new Int32Array(nodes);
  const value = new Float64Array(nodes);
  const roots = members.map(() => [] as number[]);
  let at = 0;
  members.forEach((m, k) => {
    for (const t of m.trees) {
      roots[k]!.push(at);
      for (let i = 0; i < t.feature.length; i++) {
        feature[at + i] = t.feature[i]!;
        threshold[at + i] = t.threshold[i]!;
        left[at + i] = at + t.left[i]!;
        right[at + i] = at + t.right[i]!;
        value[at + i] = t.value[i]!;
      }
      at += t.feature.length;
    }
  });
  const rootArrays = roots.map((r) => Int32Array.from(r));
  const bases = members.map((m) => m.base);
  return (x) => {
    let total = 0;
    for (let k = 0; k < rootArrays.length; k++) {
      let sum = bases[k]!;
      for (const root of rootArrays[k]!) {
        let node = root;
        while (feature[node]! >= 0) node = x[feature[node]!]! <= threshold[node]! ? left[node]! : right[node]!;
        sum += value[node]!;
      }
      total += sum;
    }
    return total / rootArrays.length;
  };
}

export function createRulStream(model: RulModel): RulStream {
  const { conditions, normaliser, healthIndexes, features, gbt } = model.toJSON();
  const ensemble = compileEnsemble(gbt);
  const nChannels = normaliser.sensors.length;
  // Feature columns in buildFeatureMatrix's order: cycle, per channel its statistics, per index its statistics.
  const channelFeatures = normaliser.sensors.map(() => features.sensor.map(streamingFeature));
  const indexFeatures = healthIndexes.map(() => features.healthIndex.map(streamingFeature));
  const z = new Float64Array(nChannels);
  const hi = new Float64Array(healthIndexes.length);
  const x = new Float64Array(model.metadata.featureNames.length);
  let cycles = 0;

  const transform = (row: CycleReading) => {
    const c = assignCondition(conditions, row.settings);
    const m = normaliser.mean[c]!;
    const s = normaliser.std[c]!;
    for (let j = 0; j < nChannels; j++) z[j] = (row.sensors[normaliser.sensors[j]!]! - m[j]!) / s[j]!;
    for (let i = 0; i < healthIndexes.length; i++) {
      const h = healthIndexes[i]!;
      let v = h.intercept;
      for (let j = 0; j < nChannels; j++) v += h.weights[j]! * z[j]!;
      hi[i] = v;
    }
  };

  return {
    get cycles() {
      return cycles;
    },
    push(row) {
      transform(row);
      for (let j = 0; j < nChannels; j++) for (const f of channelFeatures[j]!) f.push(z[j]!);
      for (let i = 0; i < hi.length; i++) for (const f of indexFeatures[i]!) f.push(hi[i]!);
      cycles++;
    },
    peek(row) {
      transform(row);
      let col = 0;
      if (features.cycle) x[col++] = cycles + 1;
      for (let j = 0; j < nChannels; j++) for (const f of channelFeatures[j]!) x[col++] = f.peek(z[j]!);
      for (let i = 0; i < hi.length; i++) for (const f of indexFeatures[i]!) x[col++] = f.peek(hi[i]!);
      return model.withBand(ensemble(x));
    },
  };
}
