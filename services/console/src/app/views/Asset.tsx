import type { Alert, Role, RulEstimateRecord, WorkOrder } from '@hourmeter/domain';
import { useEffect, useMemo, useState } from 'react';
import { all, download, get } from '../api';
import { TimeChart, type Series } from '../charts';
import { loadHealth, loadRegistry } from '../data';
import { Badge, ErrorNote, Link, Loading, fmtHours, fmtPct, fmtTime, fromInputTime, isoDay, label, timeZone, toInputTime, useAsync, useLive } from '../ui';

const MIN = 60_000;
const H = 3_600_000;
const D = 86_400_000;
const STEPS: readonly [string, number][] = [
  ['1m', MIN],
  ['5m', 5 * MIN],
  ['15m', 15 * MIN],
  ['1h', H],
  ['6h', 6 * H],
  ['1d', D],
];
const PRESETS: readonly [string, number][] = [
  ['6 h', 6 * H],
  ['24 h', D],
  ['7 days', 7 * D],
  ['30 days', 30 * D],
];
type Agg = 'mean' | 'min' | 'max' | 'last';

/** The smallest bucket that keeps a series under ~400 points. */
export function stepFor(rangeMs: number): [string, number] {
  return STEPS.find(([, ms]) => rangeMs / ms <= 400) ?? STEPS[STEPS.length - 1]!;
}

interface TelemetryResponse {
  series: { metric: string; points: [number, number][] }[];
  stepMs: number | null;
}
interface HoursResponse {
  periodHours: number;
  lifetimeHours: number;
  days: { day: string; hours: number }[];
}


function Telemetry({ assetId }: { assetId: string }) {
  const latest = useAsync(() => get<{ values: { metric: string; ts: number; value: number }[] }>(`/assets/${assetId}/telemetry/latest`), [assetId]);
  const metrics = useMemo(() => (latest.data?.values ?? []).map((v) => v.metric).sort(), [latest.data]);
  const newest = Math.max(0, ...(latest.data?.values ?? []).map((v) => v.ts));
  const [chosen, setChosen] = useState<string[] | undefined>();
  const [range, setRange] = useState<{ from: number; to: number } | undefined>();
  const [agg, setAgg] = useState<Agg>('mean');
  const [format, setFormat] = useState<'csv' | 'parquet'>('csv');
  const [exportError, setExportError] = useState<Error | undefined>();
  useEffect(() => {
    if (!range && newest > 0) setRange({ from: newest - D, to: newest + MIN });
  }, [newest, range]);
  const selected = chosen ?? metrics.slice(0, 4);
  const [stepLabel, stepMs] = stepFor(range ? range.to - range.from : D);
  const data = useAsync(
    async () =>
      range && selected.length
        ? get<TelemetryResponse>(`/assets/${assetId}/telemetry`, { metrics: selected.join(','), from: range.from, to: range.to, step: stepLabel, agg })
        : undefined,
    [assetId, range?.from, range?.to, selected.join(','), agg, stepLabel],
  );
  const charts = useMemo<{ metric: string; series: Series[] }[]>(
    () => (data.data?.series ?? []).map((s) => ({ metric: s.metric, series: [{ label: s.metric, points: s.points }] })),
    [data.data],
  );
  const zoom = (from: number, to: number) => setRange({ from, to: Math.max(to, from + stepMs * 2) });
  if (latest.error) return <ErrorNote error={latest.error} />;
  if (latest.data && metrics.length === 0) return <p className="muted">No telemetry received yet.</p>;
  return (
    <div>
      <fieldset className="metrics">
        <legend>Metrics</legend>
        {metrics.map((m) => (
          <label key={m} className="inline">
            <input
              type="checkbox"
              checked={selected.includes(m)}
              onChange={(e) => setChosen(e.target.checked ? [...selected, m] : selected.filter((x) => x !== m))}
            />{' '}
            {m}
          </label>
        ))}
      </fieldset>
      <div className="range" role="group" aria-label="Time range">
        {PRESETS.map(([name, ms]) => (
          <button key={name} type="button" className="secondary" onClick={() => setRange({ from: newest - ms, to: newest + MIN })}>
            Last {name}
          </button>
        ))}
        {range ? (
          <button type="button" className="secondary" onClick={() => setRange({ from: range.from - (range.to - range.from) / 2, to: range.to + (range.to - range.from) / 2 })}>
            Zoom out
          </button>
        ) : null}
        <label>
          From ({timeZone()})
          <input type="datetime-local" value={range ? toInputTime(range.from) : ''} onChange={(e) => e.target.value && range && setRange({ ...range, from: fromInputTime(e.target.value) ?? range.from })} />
        </label>
        <label>
          To ({timeZone()})
          <input type="datetime-local" value={range ? toInputTime(range.to) : ''} onChange={(e) => e.target.value && range && setRange({ ...range, to: fromInputTime(e.target.value) ?? range.to })} />
        </label>
        <label>
          Aggregate
          <select value={agg} onChange={(e) => setAgg(e.target.value as Agg)}>
            <option value="mean">mean</option>
            <option value="min">min</option>
            <option value="max">max</option>
            <option value="last">last</option>
          </select>
        </label>
        <span className="small muted">
          step {stepLabel} · drag across a chart to zoom · latest reading {fmtTime(newest || null)}
        </span>
      </div>
      {range && selected.length ? (
        <div className="range" role="group" aria-label="Export">
          <label>
            Export format
            <select value={format} onChange={(e) => setFormat(e.target.value as 'csv' | 'parquet')}>
              <option value="csv">CSV</option>
              <option value="parquet">Parquet</option>
            </select>
          </label>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setExportError(undefined);
              const query = new URLSearchParams({ assetId, metrics: selected.join(','), from: String(Math.round(range.from)), to: String(Math.round(range.to)) });
              const accept = format === 'csv' ? 'text/csv' : 'application/vnd.apache.parquet';
              download(`/exports/telemetry.${format}?${query}`, `telemetry-${assetId}-${isoDay(range.from)}.${format}`, accept).catch(setExportError);
            }}
          >
            Download raw readings
          </button>
          <span className="small muted">the selected metrics, every reading in the range</span>
        </div>
      ) : null}
      <ErrorNote error={exportError ?? data.error} />
      <div className="chart-grid">
        {charts.map((c) => (
          <TimeChart key={c.metric} title={c.metric} series={c.series} height={180} onZoom={zoom} />
        ))}
      </div>
    </div>
  );
}

function HourMeter({ assetId, anchor }: { assetId: string; anchor: number }) {
  const to = isoDay(anchor);
  const from = isoDay(anchor - 29 * D);
  const hours = useAsync(() => get<HoursResponse>(`/assets/${assetId}/operating-hours`, { from, to }), [assetId, from, to]);
  const series = useMemo<Series[]>(() => [{ label: 'operating hours', points: (hours.data?.days ?? []).map((d) => [Date.parse(`${d.day}T00:00:00Z`), d.hours] as const) }], [hours.data]);
  return (
    <div>
      <p className="kpis">
        <span>
          Lifetime <strong>{fmtHours(hours.data?.lifetimeHours)}</strong>
        </span>
        <span>
          {from} – {to}: <strong>{fmtHours(hours.data?.periodHours)}</strong>
        </span>
      </p>
      <ErrorNote error={hours.error} />
      <TimeChart title="Operating hours per UTC day" series={series} bars height={180} yLabel="h" />
    </div>
  );
}

/** Estimates grouped by the model version that produced them, in order of first use. */
function byModel(items: readonly RulEstimateRecord[]): { modelVersion: string; items: RulEstimateRecord[] }[] {
  const groups = new Map<string, RulEstimateRecord[]>();
  for (const r of items) {
    const g = groups.get(r.modelVersion);
    if (g) g.push(r);
    else groups.set(r.modelVersion, [r]);
  }
  return [...groups].map(([modelVersion, g]) => ({ modelVersion, items: g }));
}

function RulTrend({ assetId }: { assetId: string }) {
  const rul = useAsync(() => get<{ items: RulEstimateRecord[] }>(`/assets/${assetId}/rul`, { limit: 2000 }), [assetId]);
  const models = useMemo(() => byModel(rul.data?.items ?? []), [rul.data]);
  // One line per model version, so every point says which model produced it; the band spans all.
  const series = useMemo<Series[]>(() => {
    const items = rul.data?.items ?? [];
    return [
      { label: 'lower', points: items.map((r) => [r.ts, r.lowerHours] as const) },
      { label: 'upper', points: items.map((r) => [r.ts, r.upperHours] as const) },
      ...models.map((m) => ({ label: `RUL (h) · ${m.modelVersion}`, points: m.items.map((r) => [r.ts, r.hours] as const) })),
    ];
  }, [rul.data, models]);
  const probability = useMemo<Series[]>(
    () =>
      models
        .map((m) => ({ label: `failure probability (%) · ${m.modelVersion}`, points: m.items.filter((r) => r.failureProbability !== undefined).map((r) => [r.ts, r.failureProbability! * 100] as const) }))
        .filter((s) => s.points.length > 0),
    [models],
  );
  const last = rul.data?.items.at(-1);
  return (
    <div>
      {last ? (
        <p className="kpis">
          <span>
            Now <strong>{fmtHours(last.hours, 0)}</strong> ({fmtHours(last.lowerHours, 0)} – {fmtHours(last.upperHours, 0)})
          </span>
          {last.failureProbability === undefined ? null : (
            <span>
              failure probability within the lead time <strong>{fmtPct(last.failureProbability * 100)}</strong>
            </span>
          )}
          <span className="small muted">model {last.modelVersion}</span>
        </p>
      ) : null}
      <ErrorNote error={rul.error} />
      <TimeChart title="Remaining useful life with its uncertainty band" series={series} band={[0, 1]} height={200} yLabel="hours" />
      {probability.length ? (
        <TimeChart title="Probability of failing within the lead time" series={probability} height={160} yLabel="%" />
      ) : last ? (
        <p className="small muted">The models of these estimates give no failure probability.</p>
      ) : null}
      {models.length ? (
        <table>
          <caption className="small">Models that produced these estimates</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Estimates</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.modelVersion}>
                <td>{m.modelVersion}</td>
                <td>{m.items.length}</td>
                <td>{fmtTime(m.items[0]!.ts)}</td>
                <td>{fmtTime(m.items.at(-1)!.ts)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

export function AssetView({ id, role }: { id: string; role: Role }) {
  const reg = useAsync(loadRegistry, []);
  const asset = reg.data?.assetById.get(id);
  const health = useAsync(async () => (asset ? (await loadHealth([asset])).get(asset.id) : undefined), [asset]);
  const alerts = useAsync(() => all<Alert>('/alerts', { assetId: id }), [id]);
  const canSeeOrders = role !== 'account-manager';
  const orders = useAsync(async () => (canSeeOrders ? all<WorkOrder>('/work-orders', { assetId: id }) : []), [id, canSeeOrders]);
  const latest = useAsync(() => get<{ values: { ts: number }[] }>(`/assets/${id}/telemetry/latest`), [id]);
  useLive(['alert.', 'device.', 'workorder.'], () => {
    health.reload();
    alerts.reload();
    orders.reload();
  });
  const anchor = Math.max(0, ...(latest.data?.values ?? []).map((v) => v.ts)) || Date.now();
  if (reg.error) return <ErrorNote error={reg.error} />;
  if (!reg.data) return <Loading when />;
  if (!asset) return <p role="alert">Asset {id} not found.</p>;
  const model = reg.data.models.get(asset.assetModelId);
  const site = reg.data.sites.get(asset.siteId);
  return (
    <section aria-labelledby="asset-h">
      <p>
        <Link to="/">← Fleet</Link>
      </p>
      <h1 id="asset-h">
        {asset.serialNumber} <span className="muted">{model?.name}</span>
      </h1>
      <dl className="facts">
        <dt>Site</dt>
        <dd>{site?.name}</dd>
        <dt>Customer</dt>
        <dd>{site ? reg.data.customers.get(site.customerId)?.name : ''}</dd>
        <dt>Commissioned</dt>
        <dd>{asset.commissionedOn}</dd>
        <dt>Warranty ends</dt>
        <dd>{asset.warrantyEndsOn}</dd>
        <dt>Device</dt>
        <dd>
          {health.data?.online == null ? 'none' : health.data.online ? <Badge kind="online">online</Badge> : <Badge kind="offline">offline</Badge>}{' '}
          <span className="small muted">{health.data?.lastSeenAt ? `last seen ${fmtTime(health.data.lastSeenAt)}` : ''}</span>
        </dd>
        <dt>Open alerts</dt>
        <dd>{health.data?.openAlerts ?? '–'}</dd>
      </dl>

      <h2>Telemetry</h2>
      <Telemetry assetId={id} />

      <div className="two-col">
        <div>
          <h2>Hour meter</h2>
          <HourMeter assetId={id} anchor={anchor} />
        </div>
        <div>
          <h2>Remaining useful life</h2>
          <RulTrend assetId={id} />
        </div>
      </div>

      <h2>Alerts</h2>
      <ErrorNote error={alerts.error} />
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Alert history</caption>
          <thead>
            <tr>
              <th scope="col">Raised</th>
              <th scope="col">Failure mode</th>
              <th scope="col">Severity</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {(alerts.data ?? []).map((a) => (
              <tr key={a.id}>
                <td>
                  <Link to={`/alerts/${a.id}`}>{fmtTime(a.raisedAt)}</Link>
                </td>
                <td>{label(a.failureMode)}</td>
                <td>
                  <Badge kind={a.severity}>{a.severity}</Badge>
                </td>
                <td>{a.state}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {alerts.data?.length === 0 ? <p className="muted">No alerts.</p> : null}
      </div>

      {canSeeOrders ? (
        <>
          <h2>Work orders</h2>
          <ErrorNote error={orders.error} />
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Work-order history</caption>
              <thead>
                <tr>
                  <th scope="col">Opened</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Failure mode</th>
                  <th scope="col">State</th>
                  <th scope="col">Completed</th>
                </tr>
              </thead>
              <tbody>
                {(orders.data ?? []).map((w) => (
                  <tr key={w.id}>
                    <td>
                      <Link to={`/work-orders/${w.id}`}>{fmtTime(w.createdAt)}</Link>
                    </td>
                    <td>{w.kind}</td>
                    <td>{w.failureMode ? label(w.failureMode) : '–'}</td>
                    <td>{label(w.state)}</td>
                    <td>{fmtTime(w.completedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {orders.data?.length === 0 ? <p className="muted">No work orders.</p> : null}
          </div>
        </>
      ) : null}
    </section>
  );
}
