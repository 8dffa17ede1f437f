import { humanAlertActions, type Alert, type AlertEvidence, type AlertTransition, type Role, type WorkOrder } from '@hourmeter/domain';
import { useMemo, useState } from 'react';
import { actorName, all, get, post } from '../api';
import { TimeChart } from '../charts';
import { loadRegistry, severityRank, assetName } from '../data';
import { Badge, ErrorNote, Link, Loading, fmtHours, fmtNumber, fmtTime, fromInputTime, label, navigate, toInputTime, useAsync, useLive, useLocation } from '../ui';
import { unitOf } from '../units';
import { stepFor } from './Asset';

const ACTIVE = ['open', 'acknowledged', 'confirmed'];
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
const STATES = ['open', 'acknowledged', 'confirmed', 'dismissed', 'resolved'] as const;

interface Person {
  id: string;
  name: string;
  role: Role;
}

/** Queue order: severity, then the least remaining life, then the oldest. */
function rank(a: Alert, b: Alert): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    (a.evidence.rul?.hours ?? Infinity) - (b.evidence.rul?.hours ?? Infinity) ||
    a.raisedAt - b.raisedAt
  );
}

/** Alerts of one asset and failure mode, newest first: a repeat is the same problem coming back. */
function groupRepeats(alerts: readonly Alert[]): Alert[][] {
  const groups = new Map<string, Alert[]>();
  for (const a of alerts) {
    const key = `${a.assetId}|${a.failureMode}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  return [...groups.values()].map((g) => g.sort((x, y) => y.raisedAt - x.raisedAt)).sort((x, y) => rank(x[0]!, y[0]!));
}

const ACTION_TEXT = { acknowledge: 'Acknowledge', confirm: 'Confirm fault', dismiss: 'Dismiss (no fault found)' } as const;

function SignalsTable({ evidence, caption }: { evidence: AlertEvidence; caption: string }) {
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">Score</th>
          <th scope="col">Trend per hour</th>
        </tr>
      </thead>
      <tbody>
        {evidence.signals.map((s) => (
          <tr key={s.metric}>
            <td>{s.metric}</td>
            <td>{fmtNumber(s.score)}</td>
            <td>{fmtNumber(s.trendPerHour, 4)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Evidence({ id, role, onChanged, names, people }: { id: string; role: Role; onChanged: () => void; names: (assetId: string) => string; people: Person[] }) {
  const detail = useAsync(() => get<{ alert: Alert; history: AlertTransition[] }>(`/alerts/${id}`), [id]);
  useLive(['alert.', 'workorder.'], detail.reload);
  const [reason, setReason] = useState('');
  const [snoozeUntil, setSnoozeUntil] = useState(() => toInputTime(Date.now() + 4 * 3_600_000));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const a = detail.data?.alert;
  // What raised the alert is what the engineer judges; later detections are shown beside it.
  const raised = a?.raiseEvidence ?? a?.evidence;
  const repeats = useAsync(
    async () => (a ? (await all<Alert>('/alerts', { assetId: a.assetId, failureMode: a.failureMode })).filter((x) => x.id !== a.id) : []),
    [a?.id],
  );
  const metrics = [...new Set([...(raised?.signals ?? []), ...(a?.evidence.signals ?? [])].map((s) => s.metric))];
  // From 12 h before the raise window to 1 h after the latest detection.
  const window = a && raised ? { from: Math.min(raised.windowFrom, raised.windowTo - 12 * 3_600_000), to: Math.max(a.evidence.windowTo, a.lastDetectedAt) + 3_600_000 } : undefined;
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
  const series = useMemo(() => (chart.data?.series ?? []).map((s) => ({ label: s.metric, points: s.points, unit: unitOf(s.metric) })), [chart.data]);
  const markers = useMemo(() => (a ? [{ at: a.raisedAt, label: 'raised' }] : []), [a?.raisedAt]);
  const engineer = role === 'admin' || role === 'engineer';
  const run = (p: Promise<unknown>, after?: () => void) => {
    setBusy(true);
    setError(undefined);
    p.then(
      () => {
        setBusy(false);
        after?.();
        detail.reload();
        onChanged();
      },
      (err: unknown) => {
        setBusy(false);
        setError(err as Error);
      },
    );
  };
  const act = (action: 'acknowledge' | 'confirm' | 'dismiss') => {
    if (!reason.trim()) {
      setError(new Error('Give a reason: it is recorded in the alert history and fed back to the model.'));
      return;
    }
    run(post(`/alerts/${id}/${action}`, { reason: reason.trim() }), () => setReason(''));
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
  if (!a || !raised) return <Loading when />;
  const active = ACTIVE.includes(a.state);
  const actions = humanAlertActions(a.state);
  const snoozed = a.snoozedUntil !== undefined && a.snoozedUntil > Date.now();
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
        <dt>Raise evidence window</dt>
        <dd>
          {fmtTime(raised.windowFrom)} – {fmtTime(raised.windowTo)}
        </dd>
        <dt>Model version</dt>
        <dd>{raised.modelVersion ?? a.evidence.modelVersion ?? '–'}</dd>
        <dt>Predicted RUL</dt>
        <dd>{a.evidence.rul ? `${fmtHours(a.evidence.rul.hours, 0)} (${fmtHours(a.evidence.rul.lowerHours, 0)} – ${fmtHours(a.evidence.rul.upperHours, 0)})` : '–'}</dd>
        <dt>Assignee</dt>
        <dd>{a.assigneeId ? (people.find((p) => p.id === a.assigneeId)?.name ?? 'a former user') : 'nobody'}</dd>
        <dt>Snoozed</dt>
        <dd>{snoozed ? `until ${fmtTime(a.snoozedUntil)}` : 'no'}</dd>
        <dt>Work order</dt>
        <dd>{a.workOrderId ? <Link to={`/work-orders/${a.workOrderId}`}>Open work order</Link> : 'none'}</dd>
      </dl>
      <SignalsTable evidence={raised} caption={a.raiseEvidence ? 'Signals that raised the alert' : 'Signals (raised before the raise evidence was kept apart: latest detection)'} />
      {a.raiseEvidence && a.lastDetectedAt > a.raisedAt ? <SignalsTable evidence={a.evidence} caption={`Latest detection (${fmtTime(a.lastDetectedAt)})`} /> : null}
      {series.length ? <TimeChart title="Signals around the raise (dashed line: raised), one axis per unit" series={series} markers={markers} height={220} /> : null}
      {engineer && active ? (
        <form className="action-form" aria-label="Alert feedback" onSubmit={(e) => e.preventDefault()}>
          <label htmlFor="alert-reason">Reason</label>
          <input id="alert-reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="e.g. vibration trend confirms bearing wear" />
          <div className="buttons">
            {actions.map((action) => (
              <button key={action} type="button" className={action === 'dismiss' ? 'danger' : undefined} disabled={busy} onClick={() => act(action)}>
                {ACTION_TEXT[action]}
              </button>
            ))}
            {!a.workOrderId ? (
              <button type="button" className="secondary" disabled={busy} onClick={openOrder}>
                Open preventive work order
              </button>
            ) : null}
          </div>
          {actions.length === 0 ? <p className="small muted">Confirmed: it is resolved when the work order addressing it completes.</p> : null}
        </form>
      ) : null}
      {engineer && active ? (
        <form className="action-form" aria-label="Triage" onSubmit={(e) => e.preventDefault()}>
          <label>
            Assignee{' '}
            <select value={a.assigneeId ?? ''} disabled={busy} onChange={(e) => run(post(`/alerts/${id}/assign`, { userId: e.target.value || null }))}>
              <option value="">nobody</option>
              {people.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} ({label(p.role)})
                </option>
              ))}
            </select>
          </label>
          <label>
            Snooze until{' '}
            <input type="datetime-local" value={snoozeUntil} onChange={(e) => setSnoozeUntil(e.target.value)} />
          </label>
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => {
              const until = fromInputTime(snoozeUntil);
              if (until === undefined || until <= Date.now()) setError(new Error('Snooze until a time in the future.'));
              else run(post(`/alerts/${id}/snooze`, { until }));
            }}
          >
            Snooze
          </button>
          {snoozed ? (
            <button type="button" className="secondary" disabled={busy} onClick={() => run(post(`/alerts/${id}/snooze`, { until: null }))}>
              Wake now
            </button>
          ) : null}
        </form>
      ) : null}
      <ErrorNote error={error} />
      <h3>Repeats of this failure on this asset</h3>
      {(repeats.data ?? []).length === 0 ? <p className="muted">None: the first alert of this failure mode on this asset.</p> : null}
      <ul>
        {(repeats.data ?? []).map((r) => (
          <li key={r.id}>
            <Link to={`/alerts/${r.id}`}>raised {fmtTime(r.raisedAt)}</Link> — {r.state}
          </li>
        ))}
      </ul>
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

/** Acknowledges the selected open alerts with one reason; reports the ones the server refused. */
function BulkAcknowledge({ ids, onDone }: { ids: string[]; onDone: (refused: number) => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="action-form"
      aria-label="Acknowledge selected alerts"
      onSubmit={(e) => {
        e.preventDefault();
        if (!reason.trim()) return setError(new Error('Give a reason: it is recorded in each alert’s history.'));
        setBusy(true);
        setError(undefined);
        post<{ results: { id: string; ok: boolean; message?: string }[] }>('/alerts/acknowledge', { ids, reason: reason.trim() }).then(
          (r) => {
            setBusy(false);
            setReason('');
            const refused = r.results.filter((x) => !x.ok);
            if (refused.length) setError(new Error(`${refused.length} not acknowledged: ${refused.map((x) => x.message).join('; ')}`));
            onDone(refused.length);
          },
          (err: unknown) => (setBusy(false), setError(err as Error)),
        );
      }}
    >
      <label htmlFor="bulk-reason">Reason for the {ids.length} selected</label>
      <input id="bulk-reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="e.g. seen in the morning review" />
      <button type="submit" disabled={busy || ids.length === 0}>
        Acknowledge {ids.length} selected
      </button>
      <ErrorNote error={error} />
    </form>
  );
}

export function AlertsView({ selectedId, role }: { selectedId: string | undefined; role: Role }) {
  const { query } = useLocation();
  const assetId = query.get('assetId') ?? undefined;
  const [filters, setFilters] = useState({ state: 'active', severity: '', siteId: '', assetModelId: '', snoozed: false });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const reg = useAsync(loadRegistry, []);
  const people = useAsync(() => get<{ items: Person[] }>('/people'), []);
  const alerts = useAsync(async () => {
    // Filtered on the server; "active" is three states.
    const q = { assetId, severity: filters.severity, siteId: filters.siteId, assetModelId: filters.assetModelId, snoozed: filters.snoozed ? 'include' : 'hide' };
    const states = filters.state === 'active' ? ACTIVE : filters.state === 'all' ? [''] : [filters.state];
    return (await Promise.all(states.map((state) => all<Alert>('/alerts', { ...q, state })))).flat();
  }, [assetId, filters.state, filters.severity, filters.siteId, filters.assetModelId, filters.snoozed]);
  useLive(['alert.'], alerts.reload);
  const groups = useMemo(() => groupRepeats(alerts.data ?? []), [alerts.data]);
  const engineer = role === 'admin' || role === 'engineer';
  const openIds = [...selected].filter((id) => alerts.data?.some((a) => a.id === id && a.state === 'open'));
  const set = (k: keyof typeof filters) => (e: { target: { value: string } }) => setFilters({ ...filters, [k]: e.target.value });
  const personName = (id: string | undefined) => (id ? (people.data?.items.find((p) => p.id === id)?.name ?? 'a former user') : '–');
  const toggle = (s: ReadonlySet<string>, id: string) => {
    const next = new Set(s);
    if (!next.delete(id)) next.add(id);
    return next;
  };
  const row = (a: Alert, i: number, group: Alert[], repeat: boolean) => (
    <tr key={a.id} className={[a.id === selectedId ? 'selected' : '', repeat ? 'repeat' : ''].join(' ').trim() || undefined}>
      <td>
        {engineer && a.state === 'open' ? (
          <input type="checkbox" aria-label={`Select ${label(a.failureMode)} on ${assetName(reg.data, a.assetId)}`} checked={selected.has(a.id)} onChange={() => setSelected((s) => toggle(s, a.id))} />
        ) : null}
      </td>
      <td>{repeat ? '↳' : i + 1}</td>
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
      <td>
        {a.state}
        {a.snoozedUntil !== undefined && a.snoozedUntil > Date.now() ? <span className="small muted"> (snoozed until {fmtTime(a.snoozedUntil)})</span> : null}
      </td>
      <td>{personName(a.assigneeId)}</td>
      <td>{fmtTime(a.raisedAt)}</td>
      <td>
        {!repeat && group.length > 1 ? (
          <button type="button" className="secondary" aria-expanded={expanded.has(a.id)} onClick={() => setExpanded((s) => toggle(s, a.id))}>
            {group.length - 1} earlier
          </button>
        ) : repeat ? (
          'repeat'
        ) : (
          '–'
        )}
      </td>
    </tr>
  );
  return (
    <section aria-labelledby="alerts-h">
      <h1 id="alerts-h">Alerts{assetId ? ` — ${assetName(reg.data, assetId)}` : ''}</h1>
      <div className="filters">
        <label>
          State
          <select value={filters.state} onChange={set('state')}>
            <option value="active">Active (open, acknowledged, confirmed)</option>
            <option value="all">All</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Severity
          <select value={filters.severity} onChange={set('severity')}>
            <option value="">any</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Site
          <select value={filters.siteId} onChange={set('siteId')}>
            <option value="">any</option>
            {[...(reg.data?.sites.values() ?? [])].map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Model
          <select value={filters.assetModelId} onChange={set('assetModelId')}>
            <option value="">any</option>
            {[...(reg.data?.models.values() ?? [])].map((m) => (
              <option key={m.id} value={m.id}>
                {m.code} — {m.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={filters.snoozed} onChange={(e) => setFilters({ ...filters, snoozed: e.target.checked })} /> Show snoozed
        </label>
        {assetId ? <Link to="/alerts">All assets</Link> : null}
      </div>
      {engineer && openIds.length > 0 ? (
        <BulkAcknowledge
          ids={openIds}
          onDone={() => {
            setSelected(new Set());
            alerts.reload();
          }}
        />
      ) : null}
      <ErrorNote error={alerts.error ?? people.error} />
      <Loading when={alerts.loading && !alerts.data} />
      <div className={selectedId ? 'split' : ''}>
        <div className="table-wrap">
          <table>
            <caption>Ranked queue: severity, then remaining life; repeats of a failure on the same asset grouped</caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="sr-only">Select</span>
                </th>
                <th scope="col">#</th>
                <th scope="col">Asset</th>
                <th scope="col">Failure mode</th>
                <th scope="col">Severity</th>
                <th scope="col">RUL</th>
                <th scope="col">State</th>
                <th scope="col">Assignee</th>
                <th scope="col">Raised</th>
                <th scope="col">Repeats</th>
              </tr>
            </thead>
            <tbody>{groups.flatMap((g, i) => [row(g[0]!, i, g, false), ...(expanded.has(g[0]!.id) ? g.slice(1).map((r) => row(r, i, g, true)) : [])])}</tbody>
          </table>
          {alerts.data && groups.length === 0 ? <p className="muted">No alerts match. New ones appear here as they are raised.</p> : null}
        </div>
        {selectedId ? <Evidence id={selectedId} role={role} onChanged={alerts.reload} names={(x) => assetName(reg.data, x)} people={people.data?.items ?? []} /> : null}
      </div>
    </section>
  );
}
