import type { SourcingPlan } from '@hourmeter/domain';
import { haversineKm, nearestFirst, type GeoPoint } from '@hourmeter/domain';

export { haversineKm, type GeoPoint };

export interface Location {
  id: string;
  level: 'central' | 'regional' | 'station' | 'van';
  parentId?: string | undefined;
  location: GeoPoint;
}

/**
 * Where a work order's part comes from (docs/domain.md, "Spare parts"): the nearest station that
 * has it available; otherwise the nearest station receives a transfer from the
 * first location up its chain (regional, then central) that has it; otherwise
 * the request is backordered at that station. Ties in distance go to the
 * lower id so the choice is deterministic. Without stations, every location
 * counts as a station.
 */
export function planSourcing(
  site: GeoPoint | undefined,
  locations: readonly Location[],
  available: ReadonlyMap<string, number>,
  quantity: number,
): SourcingPlan & { distanceKm?: number } {
  const stations = locations.filter((l) => l.level === 'station');
  const candidates = stations.length ? stations : locations;
  if (!candidates.length) return { kind: 'backorder', toWarehouseId: null };
  const dist = (l: Location) => (site ? haversineKm(site, l.location) : 0);
  const byDistance = nearestFirst(site, candidates);
  const direct = byDistance.find((l) => (available.get(l.id) ?? 0) >= quantity);
  if (direct) return { kind: 'direct', warehouseId: direct.id, distanceKm: dist(direct) };
  const nearest = byDistance[0]!;
  const byId = new Map(locations.map((l) => [l.id, l]));
  const seen = new Set<string>([nearest.id]);
  for (let up = nearest.parentId ? byId.get(nearest.parentId) : undefined; up && !seen.has(up.id); up = up.parentId ? byId.get(up.parentId) : undefined) {
    seen.add(up.id);
    if ((available.get(up.id) ?? 0) >= quantity) return { kind: 'transfer', fromWarehouseId: up.id, toWarehouseId: nearest.id };
  }
  return { kind: 'backorder', toWarehouseId: nearest.id };
}

export interface ReplenishmentSuggestion {
  warehouseId: string;
  partId: string;
  available: number;
  reorderPoint: number;
  suggestedQuantity: number;
  /** Where to order from: the parent location, or the supplier for a central warehouse. */
  sourceWarehouseId: string | null;
}

/** Locations whose available stock fell to or below their reorder point. */
export function replenishmentSuggestions(
  levels: readonly { warehouseId: string; partId: string; available: number; reorderPoint: number; reorderQuantity: number }[],
  parentOf: ReadonlyMap<string, string | undefined>,
): ReplenishmentSuggestion[] {
  return levels
    .filter((l) => l.reorderPoint > 0 && l.available <= l.reorderPoint)
    .map((l) => ({
      warehouseId: l.warehouseId,
      partId: l.partId,
      available: l.available,
      reorderPoint: l.reorderPoint,
      // Enough to get back above the reorder point, at least the usual lot.
      suggestedQuantity: Math.max(l.reorderQuantity, l.reorderPoint + 1 - l.available),
      sourceWarehouseId: parentOf.get(l.warehouseId) ?? null,
    }));
}
