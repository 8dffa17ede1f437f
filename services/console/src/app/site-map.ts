import { geoNaturalEarth1, type GeoProjection } from 'd3-geo';
import type { Feature, Polygon } from 'geojson';

export interface Located {
  location: { lat: number; lon: number };
}

/** The smallest frame the map zooms to, in degrees: one site, or sites a street apart, still show their country. */
const MIN_SPAN_LON = 24;
const MIN_SPAN_LAT = 12;

/** The box around the sites, widened to the minimum span and kept on the globe. */
export function sitesBox(sites: readonly Located[]): { west: number; east: number; south: number; north: number } {
  if (sites.length === 0) return { west: -180, east: 180, south: -60, north: 80 };
  const lons = sites.map((s) => s.location.lon);
  const lats = sites.map((s) => s.location.lat);
  let west = Math.min(...lons);
  let east = Math.max(...lons);
  let south = Math.min(...lats);
  let north = Math.max(...lats);
  const padLon = Math.max(0, MIN_SPAN_LON - (east - west)) / 2 + (east - west) * 0.1;
  const padLat = Math.max(0, MIN_SPAN_LAT - (north - south)) / 2 + (north - south) * 0.1;
  west = Math.max(-180, west - padLon);
  east = Math.min(180, east + padLon);
  south = Math.max(-85, south - padLat);
  north = Math.min(85, north + padLat);
  return { west, east, south, north };
}

/** The box as a polygon with points along its edges, so the fit follows the projection's curved parallels. */
function boxFeature(b: ReturnType<typeof sitesBox>): Feature<Polygon> {
  const steps = 16;
  const ring: [number, number][] = [];
  for (let i = 0; i <= steps; i++) ring.push([b.west + ((b.east - b.west) * i) / steps, b.south]);
  for (let i = 0; i <= steps; i++) ring.push([b.east, b.south + ((b.north - b.south) * i) / steps]);
  for (let i = 0; i <= steps; i++) ring.push([b.east - ((b.east - b.west) * i) / steps, b.north]);
  for (let i = 0; i <= steps; i++) ring.push([b.west, b.north - ((b.north - b.south) * i) / steps]);
  // GeoJSON's spherical polygons wind clockwise around their inside in d3-geo's convention.
  ring.reverse();
  return { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } };
}

/** A Natural Earth projection framing every located site inside width × height with a margin. */
export function siteProjection(sites: readonly Located[], width: number, height: number, margin = 16): GeoProjection {
  return geoNaturalEarth1().fitExtent(
    [
      [margin, margin],
      [width - margin, height - margin],
    ],
    boxFeature(sitesBox(sites)),
  );
}

/** Marker radius in px: area grows with the number of assets, so a site of 100 is not drawn 100 times wider than one of 1. */
export function markerRadius(assets: number): number {
  return Math.min(18, 5 + 2 * Math.sqrt(assets));
}
