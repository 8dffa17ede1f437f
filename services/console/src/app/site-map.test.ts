import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markerRadius, siteProjection, sitesBox } from './site-map';

const W = 800;
const H = 450;
const site = (lat: number, lon: number) => ({ location: { lat, lon } });

describe('the site map frame', () => {
  it('places every site inside the drawing, wherever the sites are', () => {
    const located = fc.record({ lat: fc.double({ min: -80, max: 80, noNaN: true }), lon: fc.double({ min: -179, max: 179, noNaN: true }) });
    fc.assert(
      fc.property(fc.array(located, { minLength: 1, maxLength: 12 }), (points) => {
        const sites = points.map((p) => site(p.lat, p.lon));
        const project = siteProjection(sites, W, H);
        for (const s of sites) {
          const xy = project([s.location.lon, s.location.lat]);
          expect(xy).not.toBeNull();
          const [x, y] = xy!;
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(W);
          expect(y).toBeGreaterThanOrEqual(0);
          expect(y).toBeLessThanOrEqual(H);
        }
      }),
    );
  });

  it('zooms to a region but never closer than the minimum span, so two sites in one town stay on a readable map', () => {
    const box = sitesBox([site(60.39, 5.32), site(60.4, 5.33)]);
    expect(box.east - box.west).toBeGreaterThanOrEqual(24);
    expect(box.north - box.south).toBeGreaterThanOrEqual(12);
    // Norway's west coast is framed, not the world: the two sites are far from the edges and far from each other's pixel.
    const project = siteProjection([site(60.39, 5.32), site(59.91, 10.75)], W, H);
    const [bx] = project([5.32, 60.39])!;
    const [ox] = project([10.75, 59.91])!;
    expect(ox - bx).toBeGreaterThan(50);
  });

  it('shows the whole world when no site has coordinates', () => {
    expect(sitesBox([])).toEqual({ west: -180, east: 180, south: -60, north: 80 });
  });

  it('grows markers with the number of assets, slowly and up to a cap', () => {
    expect(markerRadius(0)).toBe(5);
    expect(markerRadius(4)).toBeLessThan(markerRadius(16));
    expect(markerRadius(10_000)).toBe(18);
  });
});
