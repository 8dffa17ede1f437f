import type { Role } from '@hourmeter/domain';
import { useState } from 'react';
import { download, get } from '../api';
import { loadRegistry } from '../data';
import { FieldServiceReports } from './FieldServiceReports';
import { Bars, ErrorNote, Loading, fmtMoney, fmtNumber, fmtPct, isoDay, label, useAsync, zoneDay, useLive } from '../ui';

interface BatchRow {
  code: string;
  state: 'ok' | 'warning' | 'exhausted' | 'overdrawn' | 'released';
  consumedShare: number | null;
  consumedMinor: number;
  reserveMinor: number;
  currency: string;
}

/** A warning per batch whose quality reserve is 80 % used, used up or overdrawn (reserve.* events refresh it). */
export function ReserveWarnings({ rows }: { rows: readonly Record<string, unknown>[] }) {
  const watched = (rows as unknown as BatchRow[]).filter((r) => r.state === 'warning' || r.state === 'exhausted' || r.state === 'overdrawn');
  if (watched.length === 0) return null;
  return (
    <ul aria-label="Quality reserve warnings" className="plain">
      {watched.map((r) => (
        <li key={r.code} className="warn">
          Quality reserve of batch <strong>{r.code}</strong>{' '}
          {r.state === 'warning' ? `is ${fmtPct((r.consumedShare ?? 0) * 100, 0)} used` : r.state === 'exhausted' ? 'is used up' : 'is overdrawn'}:{' '}
          {fmtMoney(r.consumedMinor, r.currency)} of {fmtMoney(r.reserveMinor, r.currency)}
        </li>
      ))}
    </ul>
  );
}

interface Report {
  rows: Record<string, unknown>[];
  summary?: Record<string, unknown>;
}

const D = 86_400_000;
const KPI_REPORTS = ['first-time-fix', 'repeat-failures', 'fill-rate'] as const;
const TABLE_REPORTS = ['mtbf-mttr', 'top-failing-parts', 'warranty-batches', 'parts-reconciliation', 'backlog', 'returns-by-technician', 'installation-hours', 'qualified-hazards', 'product-review'] as const;

const fmtCell = (k: string, v: unknown) =>
  typeof v === 'number'
    ? /rate|share|ratio/i.test(k) && v <= 1
      ? fmtPct(v * 100, 1)
      : fmtNumber(v)
    : v == null
      ? '–'
      : String(v);

function RowsTable({ title, rows, names }: { title: string; rows: Record<string, unknown>[]; names: (v: unknown) => string }) {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 12);
  // Wide reports scroll sideways: the region takes focus so a keyboard can scroll it too.
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={title}>
      <table>
        <caption>{title}</caption>
        <thead>
          <tr>
            {cols.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {cols.map((c) => (
                <td key={c}>{/Id$/.test(c) ? names(r[c]) : fmtCell(c, r[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <p className="muted">No data in this period.</p> : null}
    </div>
  );
}

const AGEING_BUCKETS = ['current', '1-30', '31-60', '61-90', '90+'] as const;
type Buckets = Record<(typeof AGEING_BUCKETS)[number], number>;
interface Ageing {
  asOf: string;
  rows: { customerId: string; customerName: string; currency: string; buckets: Buckets; totalMinor: number }[];
  totals: { currency: string; buckets: Buckets; totalMinor: number }[];
}

/** Open receivables by days past due, per customer and currency (account managers). */
function ReceivablesAgeing() {
  const [asOf, setAsOf] = useState(zoneDay());
  const ageing = useAsync(() => get<Ageing>('/reports/receivables-ageing', { asOf }), [asOf]);
  const [error, setError] = useState<Error>();
  const bucketTitle = (b: string) => (b === 'current' ? 'Not yet due' : `${b} days overdue`);
  return (
    <section aria-labelledby="ageing-h">
      <h2 id="ageing-h">Receivables ageing</h2>
      <div className="filters">
        <label>
          As of
          <input type="date" value={asOf} onChange={(e) => e.target.value && setAsOf(e.target.value)} />
        </label>
        <button type="button" className="secondary" onClick={() => void download(`/reports/receivables-ageing?asOf=${asOf}&format=csv`, `receivables-ageing-${asOf}.csv`, 'text/csv').catch(setError)}>
          Download CSV
        </button>
      </div>
      <ErrorNote error={ageing.error ?? error} />
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Open receivables by days past due</caption>
          <thead>
            <tr>
              <th scope="col">Customer</th>
              {AGEING_BUCKETS.map((b) => (
                <th key={b} scope="col">
                  {bucketTitle(b)}
                </th>
              ))}
              <th scope="col">Open</th>
            </tr>
          </thead>
          <tbody>
            {(ageing.data?.rows ?? []).map((r) => (
              <tr key={`${r.customerId}-${r.currency}`}>
                <td>{r.customerName}</td>
                {AGEING_BUCKETS.map((b) => (
                  <td key={b} className={b !== 'current' && r.buckets[b] > 0 ? 'negative' : ''}>
                    {fmtMoney(r.buckets[b], r.currency)}
                  </td>
                ))}
                <td>{fmtMoney(r.totalMinor, r.currency)}</td>
              </tr>
            ))}
            {(ageing.data?.totals ?? []).map((t) => (
              <tr key={`total-${t.currency}`}>
                <th scope="row">Total {t.currency}</th>
                {AGEING_BUCKETS.map((b) => (
                  <td key={b}>{fmtMoney(t.buckets[b], t.currency)}</td>
                ))}
                <td>{fmtMoney(t.totalMinor, t.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {ageing.data?.rows.length === 0 ? <p className="muted">Nothing is open on {asOf}.</p> : null}
      </div>
    </section>
  );
}

/** A row of /reports/kpis-by-{technician,region,model} (issue 18 item 8). */
interface FieldKpi {
  key: string;
  name: string;
  orders: number;
  firstTimeFixRate: number | null;
  meanResponseHours: number | null;
  meanFixHours: number | null;
  fixWithinSlaRate: number | null;
  ordersWithSla: number;
  mttrHours: number | null;
  revenuePerEngineer: { currency: string; amountMinor: number }[];
  labourUtilisation: number | null;
  remoteResolutionShare: { value: number | null; reason?: string };
}
const KPI_GROUPS = { technician: 'Technician', region: 'Region', model: 'Asset model' } as const;
const rate = (v: number | null) => (v === null ? '–' : fmtPct(v * 100, 1));
const hours = (v: number | null) => (v === null ? '–' : `${fmtNumber(v, 1)} h`);

/** First-time fix, response and fix against SLA, MTTR, revenue per engineer and utilisation per technician, region or model. */
function FieldServiceKpis({ range }: { range: { from: string; to: string } }) {
  const [group, setGroup] = useState<keyof typeof KPI_GROUPS>('technician');
  const kpis = useAsync(() => get<{ rows: FieldKpi[] }>(`/reports/kpis-by-${group}`, range), [group, range.from, range.to]);
  const pending = kpis.data?.rows[0]?.remoteResolutionShare.reason;
  return (
    <section aria-labelledby="field-kpis-h">
      <h2 id="field-kpis-h">Field service by {KPI_GROUPS[group].toLowerCase()}</h2>
      <div className="filters">
        <label>
          Group by{' '}
          <select value={group} onChange={(e) => setGroup(e.target.value as keyof typeof KPI_GROUPS)}>
            {Object.entries(KPI_GROUPS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={kpis.error} />
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Field-service KPIs by {KPI_GROUPS[group].toLowerCase()}</caption>
          <thead>
            <tr>
              <th scope="col">{KPI_GROUPS[group]}</th>
              <th scope="col">Orders</th>
              <th scope="col">First-time fix</th>
              <th scope="col">Response</th>
              <th scope="col">Fix time</th>
              <th scope="col">Fixed within SLA</th>
              <th scope="col">MTTR</th>
              <th scope="col">Revenue per engineer</th>
              <th scope="col">Labour utilisation</th>
              <th scope="col">Remote resolution</th>
            </tr>
          </thead>
          <tbody>
            {(kpis.data?.rows ?? []).map((r) => (
              <tr key={r.key}>
                <th scope="row">{r.name}</th>
                <td>{r.orders}</td>
                <td>{rate(r.firstTimeFixRate)}</td>
                <td>{hours(r.meanResponseHours)}</td>
                <td>{hours(r.meanFixHours)}</td>
                <td>
                  {rate(r.fixWithinSlaRate)} {r.ordersWithSla ? <span className="small muted">of {r.ordersWithSla}</span> : null}
                </td>
                <td>{hours(r.mttrHours)}</td>
                <td>{r.revenuePerEngineer.length ? r.revenuePerEngineer.map((m) => fmtMoney(m.amountMinor, m.currency)).join(', ') : '–'}</td>
                <td>{rate(r.labourUtilisation)}</td>
                <td title={r.remoteResolutionShare.reason}>{rate(r.remoteResolutionShare.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {kpis.data?.rows.length === 0 ? <p className="muted">No completed orders or technicians in this period.</p> : null}
        {pending ? <p className="small muted">Remote resolution: {pending}.</p> : null}
      </div>
    </section>
  );
}

export function ReportsView({ role }: { role: Role }) {
  const [range, setRange] = useState({ from: isoDay(Date.now() - 365 * D), to: isoDay(Date.now() + D) });
  const reg = useAsync(loadRegistry, []);
  const data = useAsync(async () => {
    const names = [...KPI_REPORTS, ...TABLE_REPORTS, 'hazard'] as const;
    const results = await Promise.all(names.map((n) => get<Report>(`/reports/${n}`, range).catch((e: Error) => e)));
    return Object.fromEntries(names.map((n, i) => [n, results[i]!])) as Record<(typeof names)[number], Report | Error>;
  }, [range.from, range.to]);
  useLive(['reserve.', 'workorder.completed'], data.reload);
  const names = (v: unknown) => {
    const id = String(v ?? '');
    return reg.data?.models.get(id)?.code ?? reg.data?.assetById.get(id)?.serialNumber ?? id;
  };
  const d = data.data;
  const hazard = d && !(d.hazard instanceof Error) ? d.hazard : undefined;
  const byDept = (hazard?.summary?.byDepartment ?? []) as { department: string; orders: number; costMinor: number }[];
  const currency = (hazard?.rows[0]?.currency as string | undefined) ?? 'EUR';
  return (
    <section aria-labelledby="reports-h">
      <h1 id="reports-h">Reports</h1>
      <form className="filters" aria-label="Report period" onSubmit={(e) => e.preventDefault()}>
        <label>
          From
          <input type="date" value={range.from} onChange={(e) => e.target.value && setRange({ ...range, from: e.target.value })} />
        </label>
        <label>
          To
          <input type="date" value={range.to} onChange={(e) => e.target.value && setRange({ ...range, to: e.target.value })} />
        </label>
        <a className="small" href="/docs">
          API reference (CSV with format=csv)
        </a>
      </form>
      <ErrorNote error={data.error} />
      <Loading when={data.loading && !d} />
      {role === 'account-manager' || role === 'admin' ? <ReceivablesAgeing /> : null}
      {d ? (
        <>
          {d['warranty-batches'] instanceof Error ? null : <ReserveWarnings rows={d['warranty-batches'].rows} />}
          <h2>Service KPIs</h2>
          <div className="cards">
            {KPI_REPORTS.map((n) => {
              const r = d[n];
              const s = r instanceof Error ? undefined : (r.summary ?? r.rows[0]);
              return (
                <article key={n} className="card" aria-labelledby={`kpi-${n}`}>
                  <h3 id={`kpi-${n}`}>{label(n.replaceAll('-', ' '))}</h3>
                  {r instanceof Error ? <ErrorNote error={r} /> : null}
                  <dl className="facts">
                    {Object.entries(s ?? {})
                      .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
                      .slice(0, 6)
                      .map(([k, v]) => (
                        <div key={k}>
                          <dt>{k}</dt>
                          <dd>{fmtCell(k, v)}</dd>
                        </div>
                      ))}
                  </dl>
                </article>
              );
            })}
          </div>
          <FieldServiceKpis range={range} />
          <h2>Hazard report</h2>
          {d.hazard instanceof Error ? <ErrorNote error={d.hazard} /> : null}
          <Bars caption="Failure cost by responsible department" rows={byDept.map((b) => ({ label: label(b.department), value: b.costMinor }))} format={(v) => fmtMoney(v, currency)} />
          {hazard ? <RowsTable title="Causes by month and department" rows={hazard.rows} names={names} /> : null}
          {TABLE_REPORTS.map((n) => {
            const r = d[n];
            return r instanceof Error ? <ErrorNote key={n} error={r} /> : <RowsTable key={n} title={label(n.replaceAll('-', ' '))} rows={r.rows} names={names} />;
          })}
          <FieldServiceReports range={range} reg={reg.data} />
          {d['returns-by-technician'] instanceof Error ? null : (
            <RowsTable
              title={`Parts not returned ${String(d['returns-by-technician'].summary?.graceDays ?? 14)} days after completion`}
              rows={(d['returns-by-technician'].summary?.gaps ?? []) as Record<string, unknown>[]}
              names={names}
            />
          )}
          {d['product-review'] instanceof Error ? null : (
            <RowsTable title="Product review: top open hazards per product line" rows={(d['product-review'].summary?.openHazards ?? []) as Record<string, unknown>[]} names={names} />
          )}
        </>
      ) : null}
    </section>
  );
}
