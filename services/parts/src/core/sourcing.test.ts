import { describe, expect, it } from 'vitest';
import { haversineKm, planSourcing, replenishmentSuggestions, type Location } from './sourcing.js';

describe('haversineKm', () => {
  it('matches known distances', () => {
    // Paris - London ~ 343.5 km; one degree of latitude ~ 111.19 km.
    expect(haversineKm({ lat: 48.8566, lon: 2.3522 }, { lat: 51.5074, lon: -0.1278 })).toBeCloseTo(343.5, 0);
    expect(haversineKm({ lat: 0, lon: 0 }, { lat: 1, lon: 0 })).toBeCloseTo(111.19, 1);
    expect(haversineKm({ lat: 10, lon: 10 }, { lat: 10, lon: 10 })).toBe(0);
  });
});

describe('planSourcing', () => {
  const central: Location = { id: 'whs_C', level: 'central', location: { lat: 50, lon: 10 } };
  const north: Location = { id: 'whs_RN', level: 'regional', parentId: 'whs_C', location: { lat: 53, lon: 10 } };
  const south: Location = { id: 'whs_RS', level: 'regional', parentId: 'whs_C', location: { lat: 48, lon: 11 } };
  const hamburg: Location = { id: 'whs_S1', level: 'station', parentId: 'whs_RN', location: { lat: 53.55, lon: 10 } };
  const munich: Location = { id: 'whs_S2', level: 'station', parentId: 'whs_RS', location: { lat: 48.14, lon: 11.58 } };
  const all = [central, north, south, hamburg, munich];
  const siteNearHamburg = { lat: 53.6, lon: 9.9 };

  it('reserves at the nearest station that has the quantity', () => {
    expect(planSourcing(siteNearHamburg, all, new Map([['whs_S1', 2], ['whs_S2', 5]]), 2)).toMatchObject({ kind: 'direct', warehouseId: 'whs_S1' });
    // The nearest lacks it: the next nearest station with stock serves.
    expect(planSourcing(siteNearHamburg, all, new Map([['whs_S1', 1], ['whs_S2', 5]]), 2)).toMatchObject({ kind: 'direct', warehouseId: 'whs_S2' });
  });

  it('asks the next level up of the nearest station when no station has it', () => {
    expect(planSourcing(siteNearHamburg, all, new Map([['whs_RN', 3], ['whs_C', 9]]), 2)).toEqual({ kind: 'transfer', fromWarehouseId: 'whs_RN', toWarehouseId: 'whs_S1' });
    // The sibling region's stock is not in the chain; central is.
    expect(planSourcing(siteNearHamburg, all, new Map([['whs_RS', 3], ['whs_C', 2]]), 2)).toEqual({ kind: 'transfer', fromWarehouseId: 'whs_C', toWarehouseId: 'whs_S1' });
  });

  it('backorders at the nearest station when the chain is empty', () => {
    expect(planSourcing(siteNearHamburg, all, new Map([['whs_RS', 3]]), 2)).toEqual({ kind: 'backorder', toWarehouseId: 'whs_S1' });
    expect(planSourcing(siteNearHamburg, [], new Map(), 1)).toEqual({ kind: 'backorder', toWarehouseId: null });
  });
});

describe('replenishmentSuggestions', () => {
  it('suggests enough to pass the reorder point, at least the usual lot, from the parent', () => {
    const levels = [
      { warehouseId: 'whs_S1', partId: 'prt_A', available: 1, reorderPoint: 3, reorderQuantity: 2 },
      { warehouseId: 'whs_S1', partId: 'prt_B', available: 2, reorderPoint: 2, reorderQuantity: 10 },
      { warehouseId: 'whs_S1', partId: 'prt_C', available: 4, reorderPoint: 3, reorderQuantity: 10 },
      { warehouseId: 'whs_C', partId: 'prt_A', available: 0, reorderPoint: 0, reorderQuantity: 0 },
    ];
    expect(replenishmentSuggestions(levels, new Map([['whs_S1', 'whs_RN']]))).toEqual([
      { warehouseId: 'whs_S1', partId: 'prt_A', available: 1, reorderPoint: 3, suggestedQuantity: 3, sourceWarehouseId: 'whs_RN' },
      { warehouseId: 'whs_S1', partId: 'prt_B', available: 2, reorderPoint: 2, suggestedQuantity: 10, sourceWarehouseId: 'whs_RN' },
    ]);
  });
});
