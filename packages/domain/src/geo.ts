export interface GeoPoint {
  lat: number;
  lon: number;
}

const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance in km (haversine formula). */
export function haversineKm(a: GeoPoint, b: GeoPoint): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Locations ordered by distance from `from`, ties (and every location when
 * `from` is unknown) by id, so the choice is deterministic.
 */
export function nearestFirst<L extends { id: string; location: GeoPoint }>(from: GeoPoint | undefined, locations: readonly L[]): L[] {
  const dist = (l: L) => (from ? haversineKm(from, l.location) : 0);
  return [...locations].sort((a, b) => dist(a) - dist(b) || a.id.localeCompare(b.id));
}
