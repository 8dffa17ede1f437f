import type { Severity } from '@hourmeter/domain';
import { geoPath } from 'd3-geo';
import type { FeatureCollection, MultiLineString } from 'geojson';
import { useMemo } from 'react';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { get } from '../api';
import { markerRadius, siteProjection, type Located } from '../site-map';
import { Badge, ErrorNote, Link, Loading, fmtCount, navigate, useAsync, useLive } from '../ui';

interface MapSite {
  id: string;
  name: string;
  location: { lat: number; lon: number } | null;
  timezone: string;
  customer: { id: string; name: string };
  status: 'alert' | 'offline' | 'ok' | 'empty';
  assets: number;
  online: number;
  offline: number;
  withoutDevice: number;
  withActiveAlerts: number;
  activeAlerts: number;
  worstSeverity: Severity | null;
}

const W = 960;
const H = 500;

const STATUS_TEXT: Record<MapSite['status'], string> = {
  alert: 'open alerts',
  offline: 'device offline',
  ok: 'all online',
  empty: 'no assets',
};

/** The base map ships in the world-atlas package (no tile server is reachable): loaded once, when the map is first opened. */
async function loadBaseMap(): Promise<{ land: FeatureCollection; borders: MultiLineString }> {
  const world = (await import('world-atlas/countries-110m.json')).default as unknown as Topology<{ countries: GeometryCollection; land: GeometryCollection }>;
  return {
    land: feature(world, world.objects.land),
    borders: mesh(world, world.objects.countries, (a, b) => a !== b),
  };
}

function siteSummary(s: MapSite): string {
  if (s.assets === 0) return `${s.name}: no assets`;
  const parts = [`${fmtCount(s.assets)} assets`, `${fmtCount(s.online)} online`];
  if (s.offline > 0) parts.push(`${fmtCount(s.offline)} offline`);
  if (s.withActiveAlerts > 0) parts.push(`${fmtCount(s.withActiveAlerts)} with open alerts (worst ${s.worstSeverity ?? ''})`);
  return `${s.name} (${s.customer.name}): ${parts.join(', ')}`;
}

const fleetOfSite = (s: MapSite) => `/?siteId=${encodeURIComponent(s.id)}`;

function WorldMap({ sites }: { sites: MapSite[] }) {
  const base = useAsync(loadBaseMap, []);
  const located = sites.filter((s): s is MapSite & Located => s.location !== null);
  const projection = useMemo(() => siteProjection(located, W, H), [located.map((s) => `${s.location.lat},${s.location.lon}`).join(';')]);
  const path = geoPath(projection);
  // Worst last, so a site with alerts is drawn over its quiet neighbours.
  const order: MapSite['status'][] = ['empty', 'ok', 'offline', 'alert'];
  const drawn = [...located].sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status));
  return (
    <figure className="site-map">
      <svg viewBox={`0 0 ${W} ${H}`} role="group" aria-label={`Map of ${fmtCount(located.length)} located sites`}>
        <rect className="sea" width={W} height={H} />
        {base.data ? (
          <g aria-hidden="true">
            {base.data.land.features.map((f, i) => (
              <path key={i} className="land" d={path(f) ?? undefined} />
            ))}
            <path className="borders" d={path(base.data.borders) ?? undefined} />
          </g>
        ) : null}
        {drawn.map((s) => {
          const xy = projection([s.location.lon, s.location.lat]);
          if (!xy) return null;
          return (
            <a
              key={s.id}
              href={fleetOfSite(s)}
              aria-label={siteSummary(s)}
              onClick={(e) => {
                e.preventDefault();
                navigate(fleetOfSite(s));
              }}
            >
              <circle className={`marker marker-${s.status}${s.worstSeverity ? ` marker-${s.worstSeverity}` : ''}`} cx={xy[0]} cy={xy[1]} r={markerRadius(s.assets)}>
                <title>{siteSummary(s)}</title>
              </circle>
            </a>
          );
        })}
      </svg>
      <figcaption>
        <span className="legend">
          {(['alert', 'offline', 'ok', 'empty'] as const).map((k) => (
            <span key={k}>
              <svg width="14" height="14" aria-hidden="true">
                <circle className={`marker marker-${k}`} cx="7" cy="7" r="6" />
              </svg>{' '}
              {STATUS_TEXT[k]}
            </span>
          ))}
        </span>
        <span className="small muted"> Base map: Natural Earth via world-atlas. Marker size grows with the number of assets.</span>
      </figcaption>
      <ErrorNote error={base.error} />
    </figure>
  );
}

/**
 * Sites on a map with their assets' status (issue #17 item 7), and the same
 * facts as a table for keyboards, screen readers and sites without
 * coordinates. One request for any fleet size; live events refresh it.
 */
export function SiteMapView() {
  const sites = useAsync(() => get<{ items: MapSite[] }>('/fleet/sites').then((r) => r.items), []);
  useLive(['alert.', 'device.'], sites.reload);
  const list = sites.data ?? [];
  const unlocated = list.filter((s) => s.location === null);
  return (
    <section aria-labelledby="map-h">
      <h1 id="map-h">Sites</h1>
      <ErrorNote error={sites.error} />
      <Loading when={sites.loading && !sites.data} />
      {sites.data ? <WorldMap sites={list} /> : null}
      {unlocated.length > 0 ? (
        <p className="muted">
          {fmtCount(unlocated.length)} {unlocated.length === 1 ? 'site has' : 'sites have'} no coordinates and {unlocated.length === 1 ? 'is' : 'are'} listed below only. An admin can add them on the site.
        </p>
      ) : null}
      {sites.data && list.length === 0 ? <p className="muted">No sites yet.</p> : null}
      {list.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>Sites and the status of their assets</caption>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Customer</th>
                <th scope="col">Status</th>
                <th scope="col">Assets</th>
                <th scope="col">Online</th>
                <th scope="col">Offline</th>
                <th scope="col">With open alerts</th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.id}>
                  <th scope="row" data-label="Site">
                    <Link to={fleetOfSite(s)}>{s.name}</Link>
                  </th>
                  <td data-label="Customer">{s.customer.name}</td>
                  <td data-label="Status">
                    <Badge kind={s.status === 'alert' ? (s.worstSeverity ?? 'high') : s.status === 'ok' ? 'online' : s.status === 'offline' ? 'offline' : 'none'}>{STATUS_TEXT[s.status]}</Badge>
                  </td>
                  <td data-label="Assets" className="num">
                    {fmtCount(s.assets)}
                  </td>
                  <td data-label="Online" className="num">
                    {fmtCount(s.online)}
                  </td>
                  <td data-label="Offline" className="num">
                    {fmtCount(s.offline)}
                  </td>
                  <td data-label="With open alerts" className="num">
                    {fmtCount(s.withActiveAlerts)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
