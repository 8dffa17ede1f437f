import type { Repositories } from '@hourmeter/db';
import type { AssetContext, AssetContextSource } from './ports.js';

const CACHE_MS = 60_000;

/** Asset context from the registry, cached briefly (every stored batch asks). */
export function registryAssetContext(repos: Pick<Repositories, 'assets' | 'assetModels'>, now: () => number = Date.now): AssetContextSource {
  const cache = new Map<string, { at: number; ctx: AssetContext | undefined }>();
  return {
    async contextFor(assetId) {
      const hit = cache.get(assetId);
      if (hit && now() - hit.at < CACHE_MS) return hit.ctx;
      const asset = await repos.assets.find(assetId);
      const model = asset && (await repos.assetModels.find(asset.assetModelId));
      const ctx: AssetContext | undefined = model && {
        assetId,
        assetModelId: model.id,
        assetModelCode: model.code,
        leadTimeHours: model.leadTimeHours,
        runningRule: model.runningRule,
        prediction: model.prediction,
      };
      cache.set(assetId, { at: now(), ctx });
      return ctx;
    },
  };
}
