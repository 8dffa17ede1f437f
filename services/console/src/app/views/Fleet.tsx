import type { Asset } from '@hourmeter/domain';
import { useMemo, useState } from 'react';
import { loadHealth, loadRegistry, severityRank, type AssetHealth, type ReliabilityEstimate, type Registry } from '../data';
import { Badge, ErrorNote, Link, Loading, fmtHours, fmtTime, useAsync, useLive } from '../ui';

type SortKey = 'serial' | 'model' | 'site' | 'customer' | 'status' | 'rul' | 'risk' | 'alerts';

interface Row {
  asset: Asset;
  model: string;
  site: string;
  customer: string;
  health: AssetHealth | undefined;
}

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'serial', label: 'Asset' },
  { key: 'model', label: 'Model' },
  { key: 'site', label: 'Site' },
  { key: 'customer', label: 'Customer' },
  { key: 'status', label: 'Device' },
  { key: 'rul', label: 'RUL' },
  { key: 'risk', label: 'Failure probability' },
  { key: 'alerts', label: 'Open alerts' },
];

function sortValue(r: Row, key: SortKey): string | number {
  switch (key) {
    case 'serial':
      return r.asset.serialNumber;
    case 'model':
      return r.model;
    case 'site':
      return r.site;
    case 'customer':
      return r.customer;
    case 'status':
      return r.health?.online ? 1 : 0;
    case 'rul':
      return r.health?.rul?.hours ?? Number.POSITIVE_INFINITY;
    case 'risk':
      return r.health?.risk?.failureProbability ?? -1;
    case 'alerts':
      return (r.health?.openAlerts ?? 0) * 10 + (r.health?.worstSeverity ? severityRank(r.health.worstSeverity) : 0);
  }
}

/** Probability of failing within the lead time, its failure mode and the model that says so; or why there is no number. */
function RiskCell({ risk }: { risk: ReliabilityEstimate | undefined }) {
  if (!risk) return <>–</>;
  if (risk.status !== 'estimated') return <span className="small muted">{risk.status === 'no_failures' ? 'no failures recorded yet' : 'not trained yet'}</span>;
  const p = risk.failureProbability ?? 0;
  return (
    <span title={`${risk.modelVersion}: RUL ${fmtHours(risk.rulHours, 0)} (${fmtHours(risk.lowerHours, 0)}–${fmtHours(risk.upperHours, 0)})`}>
      <Badge kind={p >= 0.8 ? 'critical' : p >= 0.5 ? 'high' : p >= 0.2 ? 'medium' : 'low'}>{(p * 100).toFixed(p < 0.1 ? 1 : 0)} %</Badge>
      <span className="small muted">
        {' '}
        {risk.failureMode} in {risk.leadTimeHours} h
      </span>
    </span>
  );
}

function FleetTable({ rows, sort, setSort, caption }: { rows: Row[]; sort: { key: SortKey; asc: boolean }; setSort: (k: SortKey) => void; caption: string }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c.key} scope="col" aria-sort={sort.key === c.key ? (sort.asc ? 'ascending' : 'descending') : 'none'}>
                <button type="button" className="sort" onClick={() => setSort(c.key)}>
                  {c.label}
                  <span aria-hidden="true">{sort.key === c.key ? (sort.asc ? ' ▲' : ' ▼') : ''}</span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.asset.id}>
              <td>
                <Link to={`/assets/${r.asset.id}`}>{r.asset.serialNumber}</Link>
              </td>
              <td>{r.model}</td>
              <td>{r.site}</td>
              <td>{r.customer}</td>
              <td>
                {r.health?.online == null ? (
                  <Badge kind="none">no device</Badge>
                ) : r.health.online ? (
                  <Badge kind="online">online</Badge>
                ) : (
                  <Badge kind="offline">offline</Badge>
                )}
                <span className="small muted"> {r.health?.lastSeenAt ? `seen ${fmtTime(r.health.lastSeenAt)}` : ''}</span>
              </td>
              <td>
                {r.health?.rul ? (
                  <span title={`band ${fmtHours(r.health.rul.lowerHours, 0)} – ${fmtHours(r.health.rul.upperHours, 0)}`}>
                    {fmtHours(r.health.rul.hours, 0)}
                    <span className="small muted">
                      {' '}
                      ({fmtHours(r.health.rul.lowerHours, 0)}–{fmtHours(r.health.rul.upperHours, 0)})
                    </span>
                  </span>
                ) : (
                  '–'
                )}
              </td>
              <td>
                <RiskCell risk={r.health?.risk} />
              </td>
              <td>
                {r.health?.openAlerts ? (
                  <Link to={`/alerts?assetId=${r.asset.id}`}>
                    <Badge kind={r.health.worstSeverity ?? 'low'}>
                      {r.health.openAlerts} {r.health.worstSeverity}
                    </Badge>
                  </Link>
                ) : (
                  '0'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function FleetView() {
  const reg = useAsync<Registry>(loadRegistry, []);
  const health = useAsync(async () => (reg.data ? loadHealth(reg.data.assets) : new Map<string, AssetHealth>()), [reg.data]);
  useLive(['alert.', 'device.'], health.reload);
  const [filter, setFilter] = useState({ siteId: '', customerId: '', assetModelId: '' });
  const [sort, setSortState] = useState<{ key: SortKey; asc: boolean }>({ key: 'alerts', asc: false });
  const [grouped, setGrouped] = useState(true);
  const setSort = (key: SortKey) => setSortState((s) => ({ key, asc: s.key === key ? !s.asc : key !== 'alerts' }));

  const rows = useMemo<Row[]>(() => {
    const r = reg.data;
    if (!r) return [];
    return r.assets
      .filter((a) => (!filter.siteId || a.siteId === filter.siteId) && (!filter.assetModelId || a.assetModelId === filter.assetModelId))
      .map((a) => {
        const site = r.sites.get(a.siteId);
        return {
          asset: a,
          model: r.models.get(a.assetModelId)?.name ?? a.assetModelId,
          site: site?.name ?? a.siteId,
          customerId: site?.customerId ?? '',
          customer: (site && r.customers.get(site.customerId)?.name) ?? '',
          health: health.data?.get(a.id),
        };
      })
      .filter((row) => !filter.customerId || row.customerId === filter.customerId)
      .sort((x, y) => {
        const a = sortValue(x, sort.key);
        const b = sortValue(y, sort.key);
        const c = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
        return sort.asc ? c : -c;
      });
  }, [reg.data, health.data, filter, sort]);

  const r = reg.data;
  const groups = grouped ? [...new Set(rows.map((x) => x.site))].sort().map((site) => ({ site, rows: rows.filter((x) => x.site === site) })) : [{ site: '', rows }];
  const online = rows.filter((x) => x.health?.online).length;
  const alerting = rows.filter((x) => (x.health?.openAlerts ?? 0) > 0).length;
  return (
    <section aria-labelledby="fleet-h">
      <h1 id="fleet-h">Fleet</h1>
      <p className="kpis">
        <span>
          <strong>{rows.length}</strong> assets
        </span>
        <span>
          <strong>{online}</strong> online
        </span>
        <span>
          <strong>{alerting}</strong> with open alerts
        </span>
      </p>
      <form className="filters" aria-label="Filter the fleet" onSubmit={(e) => e.preventDefault()}>
        <label>
          Site
          <select value={filter.siteId} onChange={(e) => setFilter({ ...filter, siteId: e.target.value })}>
            <option value="">All sites</option>
            {[...(r?.sites.values() ?? [])].map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Customer
          <select value={filter.customerId} onChange={(e) => setFilter({ ...filter, customerId: e.target.value })}>
            <option value="">All customers</option>
            {[...(r?.customers.values() ?? [])].map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Asset model
          <select value={filter.assetModelId} onChange={(e) => setFilter({ ...filter, assetModelId: e.target.value })}>
            <option value="">All models</option>
            {[...(r?.models.values() ?? [])].map((m) => (
              <option key={m.id} value={m.id}>
                {m.code}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          <input type="checkbox" checked={grouped} onChange={(e) => setGrouped(e.target.checked)} /> Group by site
        </label>
      </form>
      <ErrorNote error={reg.error ?? health.error} />
      <Loading when={reg.loading && !reg.data} />
      {groups.map((g) => (
        <FleetTable key={g.site || 'all'} rows={g.rows} sort={sort} setSort={setSort} caption={g.site ? `Site: ${g.site}` : 'All assets'} />
      ))}
      {r && rows.length === 0 ? <p className="muted">No assets match these filters.</p> : null}
    </section>
  );
}
