import type { AssetModel, Customer, Site } from '@hourmeter/domain';
import { useEffect, useMemo, useRef, useState } from 'react';
import { all, get, onLive } from '../api';
import { applyLiveEvent, type FleetItem, type FleetSummary } from '../fleet-live';
import { Badge, ErrorNote, Link, Loading, fmtCount, fmtHours, fmtPct, fmtTime, useAsync, useLocation } from '../ui';

type SortKey = 'serial' | 'model' | 'site' | 'customer' | 'status' | 'rul' | 'risk' | 'alerts' | 'hours';
const PAGE = 100;
/** Events about assets off this page change the totals; the server is asked again at most this often for them. */
const RESYNC_MS = 15_000;

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'serial', label: 'Asset' },
  { key: 'model', label: 'Model' },
  { key: 'site', label: 'Site' },
  { key: 'customer', label: 'Customer' },
  { key: 'status', label: 'Device' },
  { key: 'rul', label: 'RUL' },
  { key: 'risk', label: 'Failure probability' },
  { key: 'alerts', label: 'Open alerts' },
  { key: 'hours', label: 'Operating hours' },
];

interface Query {
  siteId: string;
  customerId: string;
  assetModelId: string;
  sort: SortKey;
  order: 'asc' | 'desc';
  offset: number;
}

/** Probability of failing within the lead time, its failure mode and the model that says so; or why there is no number. */
function RiskCell({ risk }: { risk: FleetItem['risk'] }) {
  if (!risk) return <>–</>;
  if (risk.status !== 'estimated') return <span className="small muted">{risk.status === 'no_failures' ? 'no failures recorded yet' : 'not trained yet'}</span>;
  const p = risk.failureProbability ?? 0;
  return (
    <span title={`${risk.modelVersion ?? ''}: RUL ${fmtHours(risk.rulHours, 0)} (${fmtHours(risk.lowerHours, 0)}–${fmtHours(risk.upperHours, 0)})`}>
      <Badge kind={p >= 0.8 ? 'critical' : p >= 0.5 ? 'high' : p >= 0.2 ? 'medium' : 'low'}>{fmtPct(p * 100, p < 0.1 ? 1 : 0)}</Badge>
      <span className="small muted">
        {' '}
        {risk.failureMode} in {fmtHours(risk.leadTimeHours, 0)}
      </span>
    </span>
  );
}

function FleetRow({ r }: { r: FleetItem }) {
  return (
    <tr>
      <th scope="row" data-label="Asset">
        <Link to={`/assets/${r.assetId}`}>{r.serialNumber}</Link>
      </th>
      <td data-label="Model">{r.assetModel.name}</td>
      <td data-label="Site">{r.site.name}</td>
      <td data-label="Customer">{r.customer.name}</td>
      <td data-label="Device">
        {r.online == null ? <Badge kind="none">no device</Badge> : r.online ? <Badge kind="online">online</Badge> : <Badge kind="offline">offline</Badge>}
        <span className="small muted"> {r.lastSeenAt ? `seen ${fmtTime(r.lastSeenAt)}` : ''}</span>
      </td>
      <td data-label="RUL">
        {r.rul ? (
          <span title={`band ${fmtHours(r.rul.lowerHours, 0)} – ${fmtHours(r.rul.upperHours, 0)}`}>
            {fmtHours(r.rul.hours, 0)}
            <span className="small muted">
              {' '}
              ({fmtHours(r.rul.lowerHours, 0)}–{fmtHours(r.rul.upperHours, 0)})
            </span>
          </span>
        ) : (
          '–'
        )}
      </td>
      <td data-label="Failure probability">
        <RiskCell risk={r.risk} />
      </td>
      <td data-label="Open alerts">
        {r.activeAlerts.length > 0 ? (
          <Link to={`/alerts?assetId=${r.assetId}`}>
            <Badge kind={r.worstSeverity ?? 'low'}>
              {r.activeAlerts.length} {r.worstSeverity}
            </Badge>
          </Link>
        ) : (
          '0'
        )}
      </td>
      <td data-label="Operating hours" className="num">
        {fmtHours(r.operatingHours, 0)}
      </td>
    </tr>
  );
}

function FleetTable({ rows, query, setSort, caption }: { rows: FleetItem[]; query: Query; setSort: (k: SortKey) => void; caption: string }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c.key} scope="col" aria-sort={query.sort === c.key ? (query.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
                <button type="button" className="sort" onClick={() => setSort(c.key)}>
                  {c.label}
                  <span aria-hidden="true">{query.sort === c.key ? (query.order === 'asc' ? ' ▲' : ' ▼') : ''}</span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <FleetRow key={r.assetId} r={r} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

const RANK = { low: 1, medium: 2, high: 3, critical: 4 } as const;

/** The order GET /fleet/summary sorts in (ties by serial number), applied to the rows at hand. */
function sortPage(items: readonly FleetItem[], key: SortKey, order: 'asc' | 'desc'): FleetItem[] {
  const value = (i: FleetItem): string | number => {
    switch (key) {
      case 'serial':
        return i.serialNumber;
      case 'model':
        return i.assetModel.name;
      case 'site':
        return i.site.name;
      case 'customer':
        return i.customer.name;
      case 'status':
        return i.online === null ? -1 : i.online ? 1 : 0;
      case 'rul':
        return i.rul?.hours ?? Number.POSITIVE_INFINITY;
      case 'risk':
        return i.risk?.failureProbability ?? -1;
      case 'alerts':
        return i.activeAlerts.length * 10 + (i.worstSeverity ? RANK[i.worstSeverity] : 0);
      case 'hours':
        return i.operatingHours;
    }
  };
  const dir = order === 'asc' ? 1 : -1;
  return [...items].sort((x, y) => {
    const a = value(x);
    const b = value(y);
    const c = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
    return c * dir || x.serialNumber.localeCompare(y.serialNumber);
  });
}

/** Sites, customers and models for the filters: three requests however large the fleet. */
async function loadChoices(): Promise<{ sites: Site[]; customers: Customer[]; models: AssetModel[] }> {
  const [sites, customers, models] = await Promise.all([all<Site>('/sites'), all<Customer>('/customers'), all<AssetModel>('/asset-models')]);
  return { sites, customers, models };
}

/**
 * The fleet, one page of GET /fleet/summary at a time. Live events patch the
 * page in place (applyLiveEvent); only events about assets on other pages, and
 * polling ticks, ask the server again, at most every RESYNC_MS.
 */
export function FleetView() {
  const choices = useAsync(loadChoices, []);
  // The map and other views link to a site's or customer's fleet with ?siteId= / ?customerId=.
  const { query: linked } = useLocation();
  const [query, setQuery] = useState<Query>({ siteId: linked.get('siteId') ?? '', customerId: linked.get('customerId') ?? '', assetModelId: '', sort: 'alerts', order: 'desc', offset: 0 });
  const summary = useAsync(
    () => get<FleetSummary>('/fleet/summary', { siteId: query.siteId, customerId: query.customerId, assetModelId: query.assetModelId, sort: query.sort, order: query.order, offset: query.offset, limit: PAGE }),
    [query.siteId, query.customerId, query.assetModelId, query.sort, query.order, query.offset],
  );
  const [view, setView] = useState<FleetSummary>();
  const [grouped, setGrouped] = useState(true);
  useEffect(() => setView(summary.data), [summary.data]);

  const lastFetch = useRef(0);
  useEffect(() => {
    if (summary.data) lastFetch.current = Date.now();
  }, [summary.data]);
  const reload = useRef(summary.reload);
  reload.current = summary.reload;
  // A polling tick (or the stream connecting) while a fetch is under way is answered by that fetch.
  const fetching = useRef(summary.loading);
  fetching.current = summary.loading;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const resyncSoon = () => {
      if (timer) return;
      timer = setTimeout(
        () => {
          timer = undefined;
          reload.current();
        },
        Math.max(300, lastFetch.current + RESYNC_MS - Date.now()),
      );
    };
    const off = onLive((e) => {
      if (e.type === 'poll') return fetching.current ? undefined : resyncSoon();
      let offPage = false;
      setView((v) => {
        if (!v) return v;
        const applied = applyLiveEvent(v, e);
        offPage = applied.offPage;
        return applied.summary;
      });
      if (offPage) resyncSoon();
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, []);

  const setSort = (key: SortKey) =>
    setQuery((q) => ({ ...q, sort: key, order: q.sort === key ? (q.order === 'asc' ? 'desc' : 'asc') : key === 'alerts' ? 'desc' : 'asc', offset: 0 }));
  const setFilter = (patch: Partial<Pick<Query, 'siteId' | 'customerId' | 'assetModelId'>>) => setQuery((q) => ({ ...q, ...patch, offset: 0 }));

  // The page re-sorted at once (the server's next answer brings the right page in that order).
  const rows = useMemo(() => sortPage(view?.items ?? [], query.sort, query.order), [view, query.sort, query.order]);
  const totals = view?.totals;
  const groups = grouped ? [...new Set(rows.map((x) => x.site.name))].sort().map((site) => ({ site, rows: rows.filter((x) => x.site.name === site) })) : [{ site: '', rows }];
  const c = choices.data;
  return (
    <section aria-labelledby="fleet-h">
      <h1 id="fleet-h">Fleet</h1>
      <p className="kpis">
        <span>
          <strong>{fmtCount(totals?.assets)}</strong> assets
        </span>
        <span>
          <strong>{fmtCount(totals?.online)}</strong> online
        </span>
        <span>
          <strong>{fmtCount(totals?.withActiveAlerts)}</strong> with open alerts
        </span>
        <span>
          <strong>{fmtHours(totals?.operatingHours, 0)}</strong> operated
        </span>
      </p>
      <form className="filters" aria-label="Filter the fleet" onSubmit={(e) => e.preventDefault()}>
        <label>
          Site
          <select aria-label="Site" value={query.siteId} onChange={(e) => setFilter({ siteId: e.target.value })}>
            <option value="">All sites</option>
            {(c?.sites ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Customer
          <select aria-label="Customer" value={query.customerId} onChange={(e) => setFilter({ customerId: e.target.value })}>
            <option value="">All customers</option>
            {(c?.customers ?? []).map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Asset model
          <select aria-label="Asset model" value={query.assetModelId} onChange={(e) => setFilter({ assetModelId: e.target.value })}>
            <option value="">All models</option>
            {(c?.models ?? []).map((m) => (
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
      <ErrorNote error={choices.error ?? summary.error} />
      <Loading when={summary.loading && !view} />
      {groups.map((g) => (
        <FleetTable key={g.site || 'all'} rows={g.rows} query={query} setSort={setSort} caption={g.site ? `Site: ${g.site}` : 'All assets'} />
      ))}
      {view && rows.length === 0 ? <p className="muted">No assets match these filters.</p> : null}
      {view && totals && totals.assets > PAGE ? (
        <nav className="pager" aria-label="Pages of the fleet">
          <button type="button" className="secondary" disabled={view.offset === 0} onClick={() => setQuery((q) => ({ ...q, offset: Math.max(0, q.offset - PAGE) }))}>
            Previous
          </button>
          <span aria-live="polite">
            {fmtCount(view.offset + 1)}–{fmtCount(view.offset + rows.length)} of {fmtCount(totals.assets)}
          </span>
          <button type="button" className="secondary" disabled={view.nextOffset === null} onClick={() => setQuery((q) => ({ ...q, offset: view.nextOffset ?? q.offset }))}>
            Next
          </button>
        </nav>
      ) : null}
    </section>
  );
}
