import type { CycleReading } from '../core/rul/index.js';
import type { ActiveRulModel } from '../registry/registry.js';
import { currentRun, readingsToCycles } from '../registry/training-data.js';
import type { AssetContextSource, RulEstimation, RulEstimator, StoredReading } from '../scoring/ports.js';

export interface RulAdapterDeps {
  /** The active model of an asset model (cached by the registry, reloaded on activation). */
  registry: { active(assetModelId: string): Promise<ActiveRulModel | undefined> };
  assets: AssetContextSource;
  /** Fewer cycles than this in the window: no estimate (default 5). */
  minCycles?: number;
  /** Failure mode reported with the estimates (default: the asset model's configured one). */
  failureMode?: string;
}

export interface RulAdapter extends RulEstimator {
  /** The cycles a window maps to for a model (exposed for tests and the bench). */
  cycles(window: readonly Pick<StoredReading, 'ts' | 'metrics'>[], hoursPerCycle: number): CycleReading[];
}

/**
 * RulEstimator over the registry's active model of the asset's model. The
 * window (oldest first) is cut to the current run (the `cycle` counter going
 * back marks a new engine or an overhaul), mapped to model cycles (a reading
 * per cycle, or readings averaged per `hoursPerCycle`), and the predicted
 * remaining cycles and band are converted to hours.
 *
 * The model's features use the run's whole history from its first cycle, so
 * the prediction service's `rulWindowReadings` must cover a run (default 500
 * readings; C-MAPSS runs are at most 362 / 378 cycles in FD001 / FD002).
 */
export function createRulAdapter(deps: RulAdapterDeps): RulAdapter {
  const minCycles = deps.minCycles ?? 5;
  const cycles = (window: readonly Pick<StoredReading, 'ts' | 'metrics'>[], hoursPerCycle: number) =>
    readingsToCycles(window.slice(currentRun(window)), { hoursPerCycle });
  return {
    cycles,
    async estimate(assetId, window): Promise<RulEstimation | undefined> {
      if (window.length === 0) return undefined;
      const ctx = await deps.assets.contextFor(assetId);
      if (!ctx) return undefined;
      const active = await deps.registry.active(ctx.assetModelId);
      if (!active) return undefined;
      const rows = cycles(window, active.record.hoursPerCycle);
      if (rows.length < minCycles) return undefined;
      const p = active.model.predict(rows);
      const h = active.record.hoursPerCycle;
      return {
        hours: p.rul * h,
        lowerHours: p.lower * h,
        upperHours: p.upper * h,
        modelVersion: active.modelVersion,
        ...(deps.failureMode ? { failureMode: deps.failureMode } : {}),
      };
    },
  };
}
