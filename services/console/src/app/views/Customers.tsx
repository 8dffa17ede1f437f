import { get } from '../api';
import { Badge, ErrorNote, Link, Loading, fmtCount, fmtMoney, fmtNumber, fmtPct, label, useAsync } from '../ui';

interface ChurnReason {
  code: string;
  message: string;
}
type Complaints = { available: true; count: number } | { available: false; reason: string };
interface CustomerValue {
  customerId: string;
  customerName: string;
  currency: string;
  rank?: number;
  index: number;
  class: 'A' | 'B' | 'C';
  components: Record<'revenue' | 'promptness' | 'costToServe' | 'repeats' | 'availability' | 'complaints' | 'satisfaction', number | null>;
  totals: {
    yearlyRevenueMinor: number;
    costToServeMinor: number;
    workOrders: number;
    repeatFailures: number;
    promptness: number;
    availability: { measuredPercent: number; guaranteePercent: number } | null;
    nps: { promoters: number; passives: number; detractors: number };
    complaints: Complaints;
  };
  trend: { month: string; index: number }[];
  churnRisk: boolean;
  churnReasons: ChurnReason[];
}

/** The 12 monthly indices as a small line (0..100); the numbers are in its accessible name. */
function Sparkline({ trend }: { trend: CustomerValue['trend'] }) {
  const w = 96;
  const h = 24;
  const step = trend.length > 1 ? w / (trend.length - 1) : w;
  const points = trend.map((t, i) => `${(i * step).toFixed(1)},${(h - (t.index / 100) * h).toFixed(1)}`).join(' ');
  const text = `Monthly index ${trend.map((t) => `${t.month}: ${fmtNumber(t.index, 0)}`).join(', ')}`;
  return (
    <svg className="sparkline" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={text}>
      <title>{text}</title>
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

const COMPONENTS: { key: keyof CustomerValue['components']; name: string; detail: (c: CustomerValue) => string }[] = [
  { key: 'revenue', name: 'Revenue (12 months, net of credit notes)', detail: (c) => fmtMoney(c.totals.yearlyRevenueMinor, c.currency) },
  { key: 'promptness', name: 'Payment promptness', detail: (c) => `${fmtPct(c.totals.promptness * 100, 0)} paid on time` },
  { key: 'costToServe', name: 'Cost to serve', detail: (c) => fmtMoney(c.totals.costToServeMinor, c.currency) },
  { key: 'repeats', name: 'Repeat failures', detail: (c) => `${fmtCount(c.totals.repeatFailures)} of ${fmtCount(c.totals.workOrders)} work orders` },
  {
    key: 'availability',
    name: 'Availability against the guarantee',
    detail: (c) => (c.totals.availability ? `${fmtPct(c.totals.availability.measuredPercent)} of ${fmtPct(c.totals.availability.guaranteePercent)} guaranteed` : 'no PBH contract'),
  },
  { key: 'complaints', name: 'Complaints', detail: (c) => (c.totals.complaints.available ? fmtCount(c.totals.complaints.count) : `unavailable: ${c.totals.complaints.reason}`) },
  {
    key: 'satisfaction',
    name: 'Satisfaction (NPS)',
    detail: (c) => `${c.totals.nps.promoters} promoters, ${c.totals.nps.passives} passives, ${c.totals.nps.detractors} detractors`,
  },
];

function CustomerDetail({ id }: { id: string }) {
  const data = useAsync(() => get<CustomerValue>(`/customers/${encodeURIComponent(id)}/value-index`), [id]);
  const c = data.data;
  return (
    <section aria-labelledby="cv-h" className="detail">
      <ErrorNote error={data.error} />
      <Loading when={data.loading && !c} />
      {c ? (
        <>
          <h2 id="cv-h">
            {c.customerName} <Badge kind={`class-${c.class.toLowerCase()}`}>Class {c.class}</Badge>
          </h2>
          <p>
            Value index <strong>{fmtNumber(c.index, 1)}</strong> of 100 over the last 12 months. <Sparkline trend={c.trend} />
          </p>
          {c.churnRisk ? (
            <div className="warn" role="note">
              <strong>Churn risk:</strong>
              <ul>
                {c.churnReasons.map((r) => (
                  <li key={r.code}>{r.message}</li>
                ))}
              </ul>
            </div>
          ) : (
            <p className="ok">No churn signal.</p>
          )}
          <table>
            <caption>Components (0–1, higher is better; blank where there is no data)</caption>
            <thead>
              <tr>
                <th scope="col">Component</th>
                <th scope="col">Score</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {COMPONENTS.map((k) => (
                <tr key={k.key}>
                  <th scope="row">{k.name}</th>
                  <td>{c.components[k.key] === null ? '–' : fmtNumber(c.components[k.key], 2)}</td>
                  <td>{k.detail(c)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}

/** Account manager's customers: ranked by the value index from data, with class, trend and churn risk; the selected one's components. */
export function CustomersView({ selectedId }: { selectedId?: string | undefined }) {
  const data = useAsync(() => get<{ items: CustomerValue[] }>('/customers/value-index'), []);
  const items = data.data?.items;
  return (
    <section aria-labelledby="customers-h">
      <h1 id="customers-h">Customers</h1>
      <ErrorNote error={data.error} />
      <Loading when={data.loading && !items} />
      {items && items.length === 0 ? <p className="muted">No customers yet.</p> : null}
      {items && items.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>Ranked by the customer value index (revenue, payments, cost to serve, repeats, availability, NPS; docs/leads-and-customer-value.md)</caption>
            <thead>
              <tr>
                <th scope="col">Rank</th>
                <th scope="col">Customer</th>
                <th scope="col">Class</th>
                <th scope="col">Index</th>
                <th scope="col">Trend</th>
                <th scope="col">Churn risk</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.customerId} aria-current={c.customerId === selectedId ? 'true' : undefined}>
                  <td>{c.rank}</td>
                  <td>
                    <Link to={`/customers/${encodeURIComponent(c.customerId)}`}>{c.customerName}</Link>
                  </td>
                  <td>
                    <Badge kind={`class-${c.class.toLowerCase()}`}>{c.class}</Badge>
                  </td>
                  <td>{fmtNumber(c.index, 1)}</td>
                  <td>
                    <Sparkline trend={c.trend} />
                  </td>
                  <td>{c.churnRisk ? c.churnReasons.map((r) => label(r.code)).join(', ') : 'none'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {selectedId ? <CustomerDetail id={selectedId} /> : null}
    </section>
  );
}
