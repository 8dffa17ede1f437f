import { createRulStream, type CycleReading, type RulStream } from '../core/rul/index.js';
import type { ActiveRulModel } from '../registry/registry.js';
import { currentRun, readingsToCycles } from '../registry/training-data.js';
import type { AssetContextSource, RulEstimation, RulEstimator, StoredReading } from '../scoring/ports.js';
import { CycleBuilder } from './cycle-builder.js';

export interface RulAdapterDeps {
  /** The active model of an asset model (cached by the registry, reloaded on activation). */
  registry: { active(assetModelId: string): Promise<ActiveRulModel | undefined> };
  assets: AssetContextSource;
  /** Fewer cycles than this in the window: no estimate (default 5). */
  minCycles?: number;
  /** Failure mode reported with the estimates (default: the asset model's configured one). */
  failureMode?: string;
  /** Readings kept per asset while no model is active or between estimates (default 500). */
  maxPendingReadings?: number;
  /** Completed cycles of the current run kept to rebuild the features when another version becomes active (default 5000). */
  maxKeptCycles?: number;
}

export interface RulAdapter extends RulEstimator {
  /** The cycles a window maps to for a model (exposed for tests and the bench). */
  cycles(window: readonly Pick<StoredReading, 'ts' | 'metrics'>[], hoursPerCycle: number): CycleReading[];
  observe(assetId: string, reading: StoredReading): void;
}

/** One asset's current run as scored by one model version. */
interface LiveRun {
  active: ActiveRulModel;
  builder: CycleBuilder;
  stream: RulStream;
  /** Completed cycles of the run, oldest first (bounded), to rebuild the stream for another version. */
  kept: CycleReading[];
}

interface AssetState {
  /** Readings observed since the last estimate (oldest first). */
  pending: StoredReading[];
  run: LiveRun | undefined;
}

/**
 * RulEstimator over the registry's active model of the asset's model. Readings
 * map to model cycles (a reading per cycle, or readings averaged per
 * `hoursPerCycle`) within the current run (the `cycle` counter going back
 * marks a new engine or an overhaul); remaining cycles and band are converted
 * to hours.
 *
 * Live (the prediction service): `observe` only queues each reading; an
 * estimate folds the queued readings into the asset's cycles and incremental
 * window features (core/rul/streaming.ts) and scores the newest cycle, so its
 * cost does not grow with the run. The features span the whole run from its
 * first observed cycle. Given a window instead (tests, one-off calls), the
 * window is the history and is scored the same way from scratch.
 */
export function createRulAdapter(deps: RulAdapterDeps): RulAdapter {
  const minCycles = deps.minCycles ?? 5;
  const maxPending = deps.maxPendingReadings ?? 500;
  const maxKept = deps.maxKeptCycles ?? 5000;
  const states = new Map<string, AssetState>();
  const cycles = (window: readonly Pick<StoredReading, 'ts' | 'metrics'>[], hoursPerCycle: number) =>
    readingsToCycles(window.slice(currentRun(window)), { hoursPerCycle });

  /** A run scored by `active`; it continues `prev` (cycles so far, open cycle) when both cut cycles alike. */
  function newRun(active: ActiveRulModel, prev?: LiveRun): LiveRun {
    const hoursPerCycle = active.record.hoursPerCycle;
    const continues = prev && prev.active.record.hoursPerCycle === hoursPerCycle;
    const kept = continues ? prev.kept : [];
    const stream = createRulStream(active.model);
    for (const c of kept) stream.push(c);
    return { active, builder: continues ? prev.builder : new CycleBuilder({ hoursPerCycle }), stream, kept };
  }

  function fold(run: LiveRun, readings: readonly Pick<StoredReading, 'ts' | 'metrics'>[]): void {
    for (const r of readings) {
      const step = run.builder.add(r);
      if (!step) continue;
      if ('restart' in step) {
        // A new engine: features start again from its first cycle.
        run.stream = createRulStream(run.active.model);
        run.kept = [];
      } else {
        run.stream.push(step.completed);
        run.kept.push(step.completed);
        if (run.kept.length > maxKept) run.kept.splice(0, run.kept.length - maxKept);
      }
    }
  }

  /** The estimate after the run's newest (open) cycle. */
  function estimation(run: LiveRun): RulEstimation | undefined {
    const open = run.builder.open;
    if (!open || run.stream.cycles + 1 < minCycles) return undefined;
    const p = run.stream.peek(open);
    const h = run.active.record.hoursPerCycle;
    return {
      hours: p.rul * h,
      lowerHours: p.lower * h,
      upperHours: p.upper * h,
      modelVersion: run.active.modelVersion,
      ...(deps.failureMode ? { failureMode: deps.failureMode } : {}),
    };
  }

  return {
    cycles,
    usesWindow: false,

    observe(assetId, reading) {
      let s = states.get(assetId);
      if (!s) states.set(assetId, (s = { pending: [], run: undefined }));
      s.pending.push(reading);
      // Trimmed in halves, not per reading: amortised O(1) while no model is active.
      if (s.pending.length > 2 * maxPending) s.pending.splice(0, s.pending.length - maxPending);
    },

    async estimate(assetId, window): Promise<RulEstimation | undefined> {
      const s = states.get(assetId);
      if (window.length === 0 && !s) return undefined;
      const ctx = await deps.assets.contextFor(assetId);
      if (!ctx) return undefined;
      const active = await deps.registry.active(ctx.assetModelId);
      if (!active) return undefined;
      if (window.length > 0) {
        const once = newRun(active);
        fold(once, window);
        return estimation(once);
      }
      const state = s!;
      if (state.run?.active.modelVersion !== active.modelVersion) state.run = newRun(active, state.run);
      fold(state.run, state.pending);
      state.pending = [];
      return estimation(state.run);
    },
  };
}
