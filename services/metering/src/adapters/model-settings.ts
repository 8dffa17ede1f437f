import type { Repositories } from '@hourmeter/db';
import type { MeterSettings } from '../core/operating-time.js';
import type { SettingsSource } from '../ports.js';

const CACHE_MS = 60_000;

/**
 * The hour meter's rule per asset comes from its asset model. Cached briefly:
 * every stored batch asks, and a model edit shows within a minute. A recompute
 * through the API asks for fresh settings, so it applies the edit to past days
 * at once; the fresh answer replaces the cached one, so the periodic pass that
 * follows does not put the old rule back.
 */
export function modelSettingsSource(repos: Repositories, now: () => number = Date.now): SettingsSource {
  const cache = new Map<string, { at: number; settings: MeterSettings | undefined }>();
  return {
    async settingsFor(assetId, opts = {}) {
      const hit = cache.get(assetId);
      if (!opts.fresh && hit && now() - hit.at < CACHE_MS) return hit.settings;
      const asset = await repos.assets.find(assetId);
      const model = asset && (await repos.assetModels.find(asset.assetModelId));
      const settings = model && { rule: model.runningRule, maxGapMs: model.maxGapSeconds * 1000 };
      cache.set(assetId, { at: now(), settings });
      return settings;
    },
  };
}
