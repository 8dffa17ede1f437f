import { regimeMetric, regimeOf, resolveRegime, type RegimeRule, type ResolvedRegime } from './regime.js';

/**
 * Streaming anomaly detection, per asset, metric and operating regime.
 *
 * Baseline: an exponentially weighted mean and mean absolute deviation (scale
 * = 1.2533 * MAD, the normal-consistent factor), learnt with 1/n weights during
 * warm-up and `alpha` afterwards. Updates are winsorised at `winsorZ` scales and
 * suspended while the CUSUM is building up, so neither spikes nor the anomaly
 * being detected (a step, a slow drift) are absorbed into the baseline.
 *
 * Flagging: two-sided CUSUM on the z-score clipped to +-`zClip`
 * (S+ = max(0, S+ + z - k)); a series is flagged while S+ or S- exceeds `h`.
 * With zClip 3, k 0.5 and h 12 a single spike adds at most 2.5 and a flag needs
 * about five consecutive 3-scale departures, or a persistent 1-scale shift for
 * ~24 readings; a slow drift accumulates the same way once it leaves the band.
 * The sums are capped at 2h so a series returns to normal soon after the signal does.
 *
 * Everything is plain numbers in plain objects: deterministic, and the state is
 * JSON-serialisable (`JSON.stringify(state)` / `JSON.parse`).
 */

export interface DetectorConfig {
  /** Baseline updates per series (metric and regime) before it may flag. */
  warmup: number;
  /** Weight of a new reading in the baseline after warm-up (~1/alpha readings of memory). */
  alpha: number;
  /** Readings are clamped to mean +- winsorZ scales before updating the baseline. */
  winsorZ: number;
  /** z-scores are clipped to +-zClip before entering the CUSUM (one spike adds little). */
  zClip: number;
  /** CUSUM reference value (half the smallest shift, in scales, worth detecting fast). */
  cusumK: number;
  /** CUSUM decision threshold. */
  cusumH: number;
  /** The baseline is not updated while a CUSUM sum exceeds this (a departure building up). */
  freezeAbove: number;
  /** Weight of the short level used for the level score (how far the recent signal sits from normal). */
  shortAlpha: number;
  /**
   * Weights of the two averages whose difference, divided by the difference of
   * their time centroids, is the trend (robust to noise and irregular sampling).
   */
  trendFastAlpha: number;
  trendSlowAlpha: number;
  /** Readings skipped after a regime change (transients between operating points). */
  settleReadings: number;
  /** Scale floor relative to |mean| (quantised or constant signals). */
  minScaleRel: number;
  /** Absolute scale floor. */
  minScaleAbs: number;
}

export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = Object.freeze({
  warmup: 60,
  alpha: 0.001,
  winsorZ: 3,
  zClip: 3,
  cusumK: 0.5,
  cusumH: 12,
  freezeAbove: 4,
  shortAlpha: 0.1,
  trendFastAlpha: 0.02,
  trendSlowAlpha: 0.002,
  settleReadings: 3,
  minScaleRel: 1e-3,
  minScaleAbs: 1e-9,
});

export interface SeriesState {
  /** Baseline updates so far. */
  n: number;
  mean: number;
  /** Exponentially weighted mean absolute deviation. */
  mad: number;
  hi: number;
  lo: number;
  /** Readings seen (the baseline may have skipped some). */
  m: number;
  /** Short level of the raw signal. */
  level: number;
  /** Fast and slow averages of value and time, for the trend. */
  fx: number;
  ft: number;
  sx: number;
  st: number;
}

export interface AssetDetectorState {
  /** The regime rule, with `auto` resolved on the first reading. */
  regime?: ResolvedRegime;
  current?: string;
  /** Readings left to skip after a regime change. */
  settle: number;
  /** Newest reading time seen; older or equal readings are ignored. */
  lastTs: number;
  /** Keyed `${metric}|${regime}`. */
  series: Record<string, SeriesState>;
}

/** What a scored reading says about one metric; one object is reused per call (copy what you keep). */
export interface MetricScore {
  metric: string;
  regime: string;
  value: number;
  /** (value - baseline mean) / scale. */
  z: number;
  /** (short level - baseline mean) / scale: how far the recent signal sits from normal. */
  levelZ: number;
  /** max(S+, S-) / h: >= 1 while flagged. */
  cusum: number;
  flagged: boolean;
  /** Recent slope of the signal, units per hour. */
  trendPerHour: number;
  /** Baseline mean and scale, for evidence. */
  mean: number;
  scale: number;
}

export type ScoreSink = (score: MetricScore) => void;

export interface ObserveOptions {
  regime: RegimeRule;
  /** Metrics never monitored (counters, the running rule's metric...). */
  ignore?: (metric: string) => boolean;
}

const HOUR_MS = 3_600_000;
const MAD_TO_SIGMA = 1.2533;

export function newAssetState(): AssetDetectorState {
  return { settle: 0, lastTs: Number.NEGATIVE_INFINITY, series: {} };
}

export interface AnomalyDetector {
  readonly config: DetectorConfig;
  /**
   * Scores one reading of an asset and learns from it. Calls `sink` for every
   * numeric metric whose series is past warm-up. Returns false when the reading
   * was skipped (older than the newest seen, or settling after a regime change).
   */
  observe(state: AssetDetectorState, ts: number, metrics: Readonly<Record<string, number | boolean>>, opts: ObserveOptions, sink: ScoreSink): boolean;
  /** Forgets the baselines of some metrics (all regimes): after a repair or a "no fault found". */
  reset(state: AssetDetectorState, metrics: readonly string[]): void;
}

export function createAnomalyDetector(overrides: Partial<DetectorConfig> = {}): AnomalyDetector {
  const c: DetectorConfig = { ...DEFAULT_DETECTOR_CONFIG, ...overrides };
  const cap = 2 * c.cusumH;
  const out: MetricScore = {
    metric: '',
    regime: '',
    value: 0,
    z: 0,
    levelZ: 0,
    cusum: 0,
    flagged: false,
    trendPerHour: 0,
    mean: 0,
    scale: 0,
  };

  function update(s: SeriesState, x: number, ts: number, sink: ScoreSink, metric: string, regime: string): void {
    if (s.m === 0) {
      s.n = s.m = 1;
      s.mean = s.level = s.fx = s.sx = x;
      s.ft = s.st = ts;
      return;
    }
    // Short level and the trend averages (1/m weights until they have history).
    const m1 = ++s.m;
    const w = 1 / m1;
    const as = w > c.shortAlpha ? w : c.shortAlpha;
    const af = w > c.trendFastAlpha ? w : c.trendFastAlpha;
    const al = w > c.trendSlowAlpha ? w : c.trendSlowAlpha;
    s.level += as * (x - s.level);
    s.fx += af * (x - s.fx);
    s.ft += af * (ts - s.ft);
    s.sx += al * (x - s.sx);
    s.st += al * (ts - s.st);
    const dev = s.mad * MAD_TO_SIGMA;
    const floor = c.minScaleRel * Math.abs(s.mean);
    const scale = dev > floor ? (dev > c.minScaleAbs ? dev : c.minScaleAbs) : floor > c.minScaleAbs ? floor : c.minScaleAbs;
    const z = (x - s.mean) / scale;

    const ready = s.n >= c.warmup;
    if (ready) {
      const zc = z > c.zClip ? c.zClip : z < -c.zClip ? -c.zClip : z;
      const hi = s.hi + zc - c.cusumK;
      const lo = s.lo - zc - c.cusumK;
      s.hi = hi < 0 ? 0 : hi > cap ? cap : hi;
      s.lo = lo < 0 ? 0 : lo > cap ? cap : lo;
      const sum = s.hi > s.lo ? s.hi : s.lo;
      out.metric = metric;
      out.regime = regime;
      out.value = x;
      out.z = z;
      out.levelZ = (s.level - s.mean) / scale;
      out.cusum = sum / c.cusumH;
      out.flagged = sum > c.cusumH;
      const dt = s.ft - s.st;
      out.trendPerHour = dt > 0 ? ((s.fx - s.sx) / dt) * HOUR_MS : 0;
      out.mean = s.mean;
      out.scale = scale;
      sink(out);
      if (sum > c.freezeAbove) return;
    }
    // Baseline update: 1/n during warm-up, then alpha; winsorised once a scale exists.
    const n1 = s.n + 1;
    const a = 1 / n1 > c.alpha ? 1 / n1 : c.alpha;
    let xw = x;
    if (s.n >= 10) {
      const lim = c.winsorZ * scale;
      if (x > s.mean + lim) xw = s.mean + lim;
      else if (x < s.mean - lim) xw = s.mean - lim;
    }
    const d = xw - s.mean;
    s.mad += a * ((d < 0 ? -d : d) - s.mad);
    s.mean += a * d;
    s.n = n1;
  }

  return {
    config: c,

    observe(state, ts, metrics, opts, sink) {
      if (!(ts > state.lastTs)) return false;
      if (!state.regime) {
        const resolved = resolveRegime(opts.regime, metrics);
        if (!resolved) return false;
        state.regime = resolved;
      }
      state.lastTs = ts;
      const regime = regimeOf(state.regime, metrics) ?? state.current;
      if (regime === undefined) return false;
      if (regime !== state.current) {
        // The first regime seen needs no settling; later changes do.
        state.settle = state.current === undefined ? 0 : c.settleReadings;
        state.current = regime;
      }
      if (state.settle > 0) {
        state.settle--;
        return false;
      }
      const skip = regimeMetric(state.regime);
      for (const metric in metrics) {
        const v = metrics[metric];
        if (typeof v !== 'number' || v !== v || v === Infinity || v === -Infinity) continue;
        if (metric === skip || opts.ignore?.(metric)) continue;
        const key = metric + '|' + regime;
        let s = state.series[key];
        if (!s) state.series[key] = s = { n: 0, mean: 0, mad: 0, hi: 0, lo: 0, m: 0, level: 0, fx: 0, ft: 0, sx: 0, st: 0 };
        update(s, v, ts, sink, metric, regime);
      }
      return true;
    },

    reset(state, metrics) {
      const drop = new Set(metrics);
      for (const key of Object.keys(state.series)) {
        if (drop.has(key.slice(0, key.lastIndexOf('|')))) delete state.series[key];
      }
    },
  };
}
