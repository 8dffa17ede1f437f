import type { Alert, AlertTransition, Role, WorkOrder } from '@hourmeter/domain';
import { useMemo, useState } from 'react';
import { actorName, all, get, post } from '../api';
import { TimeChart } from '../charts';
import { loadRegistry, severityRank, assetName } from '../data';
import { Badge, ErrorNote, Link, Loading, fmtHours, fmtNumber, fmtTime, label, navigate, useAsync, useLive, useLocation } from '../ui';
import { stepFor } from './Asset';

const ACTIVE = ['open', 'acknowledged', 'confirmed'];

/** Queue order: severity, then the least remaining life, then the oldest. */
function rank(a: Alert, b: Alert): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    (a.evidence.rul?.hours ?? Infinity) - (b.evidence.rul?.hours ?? Infinity) ||
    a.raisedAt - b.raisedAt
  );
}

function Evidence({ id, role, onChanged, names }: { id: string; role: Role; onChanged: () => void; names: (assetId: string) => string }) {
  const detail = useAsync(() => get<{ alert: Alert; history: AlertTransition[] }>(`/alerts/${id}`), [id]);
  useLive(['alert.', 'workorder.'], detail.reload);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const a = detail.data?.alert;
  const metrics = a?.evidence.signals.map((s) => s.metric) ?? [];
  // The window, with at least 12 h of context before it and 1 h after.
  const window = a ? { from: Math.min(a.evidence.windowFrom, a.evidence.windowTo - 12 * 3_600_000), to: a.evidence.windowTo + 3_600_000 } : undefined;
  const chart = useAsync(
    async () =>
      a && window && metrics.length
        ? get<{ series: { metric: string; points: [number, number][] }[] }>(`/assets/${a.assetId}/telemetry`, {
            metrics: metrics.join(','),
            from: window.from,
            to: window.to,
            step: stepFor(window.to - window.from)[0],
          })
        : undefined,
    [a?.id, a?.evidence.windowTo],
  );
  const series = useMemo(() => (chart.data?.series ?? []).map((s) => ({ label: s.metric, points: s.points })), [chart.data]);
  const engineer = role === 'admin' || role === 'engineer';
  const act = (action: 'acknowledge' | 'confirm' | 'dismiss') => {
    if (!reason.trim()) {
      setError(new Error('Give a reason: it is recorded in the alert history and fed back to the model.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    post(`/alerts/${id}/${action}`, { reason: reason.trim() }).then(
      () => {
        setBusy(false);
        setReason('');
        detail.reload();
        onChanged();
      },
      (err: unknown) => {
        setBusy(false);
        setError(err as Error);
      },
    );
  };
  const openOrder = () => {
    if (!a) return;
    setBusy(true);
    post<{ workOrder: WorkOrder }>('/work-orders/preventive', {
      assetId: a.assetId,
      failureMode: a.failureMode,
      alertId: a.id,
      reason: reason.trim() || `alert ${a.id}: ${a.failureMode}`,
      severity: a.severity,
      ...(a.evidence.rul ? { rulHours: a.evidence.rul.hours } : {}),
    }).then(
      (r) => navigate(`/work-orders/${r.workOrder.id}`),
      (err: unknown) => (setBusy(false), setError(err as Error)),
    );
  };
  if (detail.error) return <ErrorNote error={detail.error} />;
  if (!a) return <Loading when />;
  const active = ACTIVE.includes(a.state);
  return (
    <article className="panel" aria-labelledby="evidence-h">
      <h2 id="evidence-h">
        {label(a.failureMode)} <Badge kind={a.severity}>{a.severity}</Badge> <Badge kind={a.state}>{a.state}</Badge>
      </h2>
      <dl className="facts">
        <dt>Asset</dt>
        <dd>
          <Link to={`/assets/${a.assetId}`}>{names(a.assetId)}</Link>
        </dd>
        <dt>Raised</dt>
        <dd>{fmtTime(a.raisedAt)}</dd>
        <dt>Last detected</dt>
        <dd>{fmtTime(a.lastDetectedAt)}</dd>
        <dt>Evidence window</dt>
        <dd>
          {fmtTime(a.evidence.windowFrom)} – {fmtTime(a.evidence.windowTo)}
        </dd>
        <dt>Model version</dt>
        <dd>{a.evidence.modelVersion ?? '–'}</dd>
        <dt>Predicted RUL</dt>
        <dd>{a.evidence.rul ? `${fmtHours(a.evidence.rul.hours, 0)} (${fmtHours(a.evidence.rul.lowerHours, 0)} – ${fmtHours(a.evidence.rul.upperHours, 0)})` : '–'}</dd>
        <dt>Work order</dt>
        <dd>{a.workOrderId ? <Link to={`/work-orders/${a.workOrderId}`}>Open work order {a.workOrderId}</Link> : 'none'}</dd>
      </dl>
      <table>
        <caption>Signals</caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Score</th>
            <th scope="col">Trend per hour</th>
          </tr>
        </thead>
        <tbody>
          {a.evidence.signals.map((s) => (
            <tr key={s.metric}>
              <td>{s.metric}</td>
              <td>{fmtNumber(s.score)}</td>
              <td>{fmtNumber(s.trendPerHour, 4)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {series.length ? <TimeChart title="Signals around the evidence window" series={series} height={200} /> : null}
      {engineer && active ? (
        <form className="action-form" aria-label="Alert feedback" onSubmit={(e) => e.preventDefault()}>
          <label htmlFor="alert-reason">Reason</label>
          <input id="alert-reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="e.g. vibration trend confirms bearing wear" />
          <div className="buttons">
            {a.state === 'open' ? (
              <button type="button" disabled={busy} onClick={() => act('acknowledge')}>
                Acknowledge
              </button>
            ) : null}
            <button type="button" disabled={busy || a.state === 'confirmed'} onClick={() => act('confirm')}>
              Confirm
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => act('dismiss')}>
              Dismiss
            </button>
            {!a.workOrderId ? (
              <button type="button" className="secondary" disabled={busy} onClick={openOrder}>
                Open preventive work order
              </button>
            ) : null}
          </div>
        </form>
      ) : null}
      <ErrorNote error={error} />
      <h3>History</h3>
      <ol className="history">
        {(detail.data?.history ?? []).map((t) => (
          <li key={t.seq}>
            {fmtTime(t.at)}: {t.from ?? '–'} → <strong>{t.to}</strong> by {actorName(t.actor)}
            {t.reason ? ` — ${t.reason}` : ''}
          </li>
        ))}
      </ol>
    </article>
  );
}

export function AlertsView({ selectedId, role }: { selectedId: string | undefined; role: Role }) {
  const { query } = useLocation();
  const assetId = query.get('assetId') ?? undefined;
  const [scope, setScope] = useState<'active' | 'all'>('active');
  const reg = useAsync(loadRegistry, []);
  const alerts = useAsync(() => all<Alert>('/alerts', assetId ? { assetId } : {}), [assetId]);
  useLive(['alert.'], alerts.reload);
  const queue = useMemo(() => (alerts.data ?? []).filter((a) => scope === 'all' || ACTIVE.includes(a.state)).sort(rank), [alerts.data, scope]);
  return (
    <section aria-labelledby="alerts-h">
      <h1 id="alerts-h">Alerts{assetId ? ` — ${assetName(reg.data, assetId)}` : ''}</h1>
      <div className="filters">
        <label>
          Show
          <select value={scope} onChange={(e) => setScope(e.target.value as 'active' | 'all')}>
            <option value="active">Active (open, acknowledged, confirmed)</option>
            <option value="all">All</option>
          </select>
        </label>
        {assetId ? <Link to="/alerts">All assets</Link> : null}
      </div>
      <ErrorNote error={alerts.error} />
      <Loading when={alerts.loading && !alerts.data} />
      <div className={selectedId ? 'split' : ''}>
        <div className="table-wrap">
          <table>
            <caption>Ranked queue: severity, then remaining life</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Asset</th>
                <th scope="col">Failure mode</th>
                <th scope="col">Severity</th>
                <th scope="col">RUL</th>
                <th scope="col">State</th>
                <th scope="col">Raised</th>
              </tr>
            </thead>
            <tbody>
              {queue.map((a, i) => (
                <tr key={a.id} className={a.id === selectedId ? 'selected' : ''}>
                  <td>{i + 1}</td>
                  <td>{assetName(reg.data, a.assetId)}</td>
                  <td>
                    <Link to={`/alerts/${a.id}${assetId ? `?assetId=${assetId}` : ''}`} aria-current={a.id === selectedId ? 'page' : undefined}>
                      {label(a.failureMode)}
                    </Link>
                  </td>
                  <td>
                    <Badge kind={a.severity}>{a.severity}</Badge>
                  </td>
                  <td>{a.evidence.rul ? fmtHours(a.evidence.rul.hours, 0) : '–'}</td>
                  <td>{a.state}</td>
                  <td>{fmtTime(a.raisedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {alerts.data && queue.length === 0 ? <p className="muted">No alerts. New ones appear here as they are raised.</p> : null}
        </div>
        {selectedId ? <Evidence id={selectedId} role={role} onChanged={alerts.reload} names={(x) => assetName(reg.data, x)} /> : null}
      </div>
    </section>
  );
}
