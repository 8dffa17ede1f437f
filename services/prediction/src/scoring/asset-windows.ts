import type { RulEstimateRecord } from '@hourmeter/domain';
import { createAnomalyDetector, newAssetState, type AssetDetectorState, type MetricScore } from '../anomaly/detector.js';
import type { RegimeRule } from '../anomaly/regime.js';
import type { ModelPredictionConfig, PredictionConfig } from './config.js';
import { failureModeMapper, type FailureModeMapper } from './failure-modes.js';
import type { AssetContext, AssetContextSource, RulEstimation, StoredReading } from './ports.js';

/** What one evaluation window saw of one failure mode's metrics. */
export interface ModeWindow {
  flagged: boolean;
  strength: number;
  signals: Map<string, { metric: string; score: number; trendPerHour: number }>;
}

/** Readings of one asset within `windowMs` (reading time), aggregated per failure mode. */
export interface Window {
  from: number;
  to: number;
  modes: Map<string, ModeWindow>;
}

/** Everything scoring keeps per asset. */
export interface AssetRuntime {
  ctx: AssetContext;
  model: ModelPredictionConfig;
  det: AssetDetectorState;
  mapper: FailureModeMapper;
  opts: { regime: RegimeRule; ignore: (m: string) => boolean };
  sink: (s: MetricScore) => void;
  window: Window | undefined;
  /** Windows closed and not yet handed to alerting. */
  closed: Window[];
  /** Recent readings, only for RUL estimators that read a window. */
  recent: StoredReading[];
  /** Reading time from which the next RUL estimate is due. */
  nextRulAt: number;
  /** The newest RUL estimate, with the reading time it was made at. */
  rul: (RulEstimation & { ts: number }) | undefined;
  /** The last estimate stored for the asset's RUL trend (rul-recording.ts decides which are). */
  storedRul: RulEstimateRecord | undefined;
}

const globs = (patterns: readonly string[]) => {
  const res = patterns.map((g) => new RegExp(`^${g.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`));
  const cache = new Map<string, boolean>();
  return (m: string) => {
    let hit = cache.get(m);
    if (hit === undefined) cache.set(m, (hit = res.some((r) => r.test(m))));
    return hit;
  };
};

export interface AssetWindows {
  /** The asset's runtime, created from its context on first use; undefined for an unknown asset. */
  runtimeFor(assetId: string): Promise<AssetRuntime | undefined>;
  /** An already created runtime (no lookup). */
  existing(assetId: string): AssetRuntime | undefined;
  /**
   * Scores one reading (newer than the asset's last) into the open window; a reading
   * past the window's span first closes it onto `rt.closed`. Throws when the detector does.
   */
  observe(rt: AssetRuntime, r: StoredReading): void;
  /** Forgets what the detector learnt of these metrics: what they show now is the new normal. */
  reset(rt: AssetRuntime, metrics: readonly string[]): void;
  snapshot(): Record<string, AssetDetectorState>;
  restore(states: Record<string, AssetDetectorState>): void;
}

/**
 * Per-asset windows: the streaming anomaly detector's state, the asset
 * model's prediction settings and the window of readings detections are
 * aggregated in (per failure mode) before alerting looks at them.
 */
export function createAssetWindows(cfg: PredictionConfig, assets: AssetContextSource): AssetWindows {
  const detector = createAnomalyDetector(cfg.detector);
  const runtimes = new Map<string, AssetRuntime>();
  const restored = new Map<string, AssetDetectorState>();

  const modelConfig = (ctx: AssetContext): ModelPredictionConfig => ({
    ...(cfg.models[ctx.assetModelId] ?? (ctx.assetModelCode ? cfg.models[ctx.assetModelCode] : undefined) ?? {}),
    ...ctx.prediction,
  });

  function create(ctx: AssetContext): AssetRuntime {
    const model = modelConfig(ctx);
    const ignorePatterns = [...cfg.ignoreMetrics, ...(model.ignoreMetrics ?? [])];
    if (ctx.runningRule) ignorePatterns.push(ctx.runningRule.metric);
    const running = ctx.runningRule;
    // Default: a load-like metric; else the hour meter's running state; else one regime.
    const regime: RegimeRule =
      model.regime ??
      (running && running.kind !== 'counter'
        ? { kind: 'auto', running: { metric: running.metric, ...(running.kind === 'threshold' ? { above: running.above } : {}) } }
        : { kind: 'auto' });
    const rt: AssetRuntime = {
      ctx,
      model,
      det: restored.get(ctx.assetId) ?? newAssetState(),
      mapper: failureModeMapper(model.failureModes),
      opts: { regime, ignore: globs(ignorePatterns) },
      sink: () => {},
      window: undefined,
      closed: [],
      recent: [],
      nextRulAt: Number.NEGATIVE_INFINITY,
      storedRul: undefined,
      rul: undefined,
    };
    rt.sink = (s) => {
      const w = rt.window;
      if (!w) return;
      const fm = rt.mapper.failureModeOf(s.metric);
      let mw = w.modes.get(fm);
      if (!mw) w.modes.set(fm, (mw = { flagged: false, strength: 0, signals: new Map() }));
      if (!s.flagged) return;
      mw.flagged = true;
      const strength = Math.max(Math.abs(s.levelZ), s.cusum);
      if (strength > mw.strength) mw.strength = strength;
      const prev = mw.signals.get(s.metric);
      if (!prev || Math.abs(s.levelZ) >= Math.abs(prev.score)) mw.signals.set(s.metric, { metric: s.metric, score: s.levelZ, trendPerHour: s.trendPerHour });
    };
    return rt;
  }

  return {
    async runtimeFor(assetId) {
      const existing = runtimes.get(assetId);
      if (existing) return existing;
      const ctx = await assets.contextFor(assetId);
      if (!ctx) return undefined;
      // Another batch may have created it while the context was looked up.
      const rt = runtimes.get(assetId) ?? create(ctx);
      runtimes.set(assetId, rt);
      return rt;
    },

    existing: (assetId) => runtimes.get(assetId),

    observe(rt, r) {
      if (rt.window && r.ts >= rt.window.from + cfg.windowMs) {
        rt.closed.push(rt.window);
        rt.window = undefined;
      }
      rt.window ??= { from: r.ts, to: r.ts, modes: new Map() };
      rt.window.to = r.ts;
      detector.observe(rt.det, r.ts, r.metrics, rt.opts, rt.sink);
    },

    reset(rt, metrics) {
      detector.reset(rt.det, metrics);
    },

    snapshot() {
      const out: Record<string, AssetDetectorState> = {};
      for (const [id, rt] of runtimes) out[id] = JSON.parse(JSON.stringify(rt.det)) as AssetDetectorState;
      return out;
    },

    restore(states) {
      for (const [id, s] of Object.entries(states)) {
        restored.set(id, s);
        const rt = runtimes.get(id);
        if (rt) rt.det = s;
      }
    },
  };
}
