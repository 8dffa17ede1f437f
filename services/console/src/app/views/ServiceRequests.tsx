import type { Role, ServiceRequest } from '@hourmeter/domain';
import { useState } from 'react';
import { actorName, get, post } from '../api';
import { assetName, loadRegistry, type Registry } from '../data';
import { ActionForm, Badge, ErrorNote, Link, Loading, fmtTime, label, navigate, useAsync } from '../ui';

const CHANNELS = ['phone', 'e-mail', 'portal', 'technician'] as const;
const STATES = ['new', 'work_order', 'resolved_remotely', 'rejected'] as const;
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

const customerOf = (reg: Registry | undefined, id: string) => reg?.customers.get(id)?.name ?? id;

/** What a complaint is about, in words (the order's asset, the invoice, or the note). */
function CauseText({ r, reg }: { r: ServiceRequest; reg: Registry | undefined }) {
  const c = r.cause;
  if (!c) return <span className="muted">–</span>;
  if (c.kind === 'work_order') return <Link to={`/work-orders/${c.workOrderId}`}>work order on {assetName(reg, r.assetId)}</Link>;
  if (c.kind === 'invoice') return <span>invoice {c.invoiceId}</span>;
  return <span>{c.note}</span>;
}

/** A request or complaint as received, with the planner's triage actions while it is new. */
function Detail({ id, reg, role, onChanged }: { id: string; reg: Registry | undefined; role: Role; onChanged: () => void }) {
  const req = useAsync(() => get<ServiceRequest>(`/service-requests/${id}`), [id]);
  const [order, setOrder] = useState({ kind: 'corrective', severity: 'medium' as (typeof SEVERITIES)[number] });
  const [outcome, setOutcome] = useState('');
  const [reason, setReason] = useState('');
  const r = req.data;
  if (req.error) return <ErrorNote error={req.error} />;
  if (!r) return <Loading when />;
  const done = () => {
    req.reload();
    onChanged();
  };
  const planner = role === 'planner' || role === 'admin';
  return (
    <article className="panel" aria-labelledby="srq-h">
      <h2 id="srq-h">
        {r.type === 'complaint' ? 'Complaint' : 'Service request'} <Badge kind={r.state}>{label(r.state)}</Badge>
      </h2>
      <dl className="facts">
        <dt>Asset</dt>
        <dd>
          <Link to={`/assets/${r.assetId}`}>{assetName(reg, r.assetId)}</Link>
        </dd>
        <dt>Customer</dt>
        <dd>{customerOf(reg, r.customerId)}</dd>
        <dt>Symptom</dt>
        <dd>{r.symptom}</dd>
        <dt>Contact</dt>
        <dd>
          {r.contact} ({r.channel})
        </dd>
        <dt>Received</dt>
        <dd>
          {fmtTime(r.receivedAt)} by {actorName(r.createdBy)}
        </dd>
        {r.cause ? (
          <>
            <dt>Cause</dt>
            <dd>
              <CauseText r={r} reg={reg} />
            </dd>
          </>
        ) : null}
        {r.triagedAt ? (
          <>
            <dt>Triaged</dt>
            <dd>
              {fmtTime(r.triagedAt)} by {actorName(r.triagedBy ?? '')}
              {r.outcome ? `: ${r.outcome}` : ''}
              {r.workOrderId ? (
                <>
                  {' '}
                  — <Link to={`/work-orders/${r.workOrderId}`}>open the work order</Link>
                </>
              ) : null}
            </dd>
          </>
        ) : null}
      </dl>
      {planner && r.state === 'new' ? (
        <>
          <ActionForm
            label="Create a work order"
            submit="Create work order"
            action={async () => {
              const res = await post<{ workOrder: { id: string } }>(`/service-requests/${r.id}/triage`, { action: 'work_order', ...order });
              done();
              navigate(`/work-orders/${res.workOrder.id}`);
            }}
          >
            <label>
              Kind
              <select value={order.kind} onChange={(e) => setOrder({ ...order, kind: e.target.value })}>
                <option value="corrective">corrective</option>
                <option value="inspection">inspection</option>
              </select>
            </label>
            <label>
              Severity
              <select value={order.severity} onChange={(e) => setOrder({ ...order, severity: e.target.value as (typeof SEVERITIES)[number] })}>
                {SEVERITIES.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
          </ActionForm>
          <ActionForm
            label="Resolve remotely"
            submit="Resolve remotely"
            action={async () => {
              await post(`/service-requests/${r.id}/triage`, { action: 'resolve_remotely', outcome });
              done();
            }}
          >
            <label>
              What was done (the customer reads it in the portal)
              <input required value={outcome} onChange={(e) => setOutcome(e.target.value)} />
            </label>
          </ActionForm>
          <ActionForm
            label="Reject"
            submit="Reject"
            action={async () => {
              await post(`/service-requests/${r.id}/triage`, { action: 'reject', reason });
              done();
            }}
          >
            <label>
              Reason (the customer reads it in the portal)
              <input required value={reason} onChange={(e) => setReason(e.target.value)} />
            </label>
          </ActionForm>
        </>
      ) : null}
    </article>
  );
}

/** Intake: asset, symptom, contact, channel; a complaint names its cause. */
function Intake({ reg, onCreated }: { reg: Registry | undefined; onCreated: (id: string) => void }) {
  const empty = { type: 'service', assetId: '', symptom: '', contact: '', channel: 'phone', causeKind: 'work_order', causeRef: '' };
  const [f, setF] = useState(empty);
  const set = (patch: Partial<typeof f>) => setF({ ...f, ...patch });
  const cause =
    f.type !== 'complaint'
      ? undefined
      : f.causeKind === 'work_order'
        ? { kind: 'work_order', workOrderId: f.causeRef.trim() }
        : f.causeKind === 'invoice'
          ? { kind: 'invoice', invoiceId: f.causeRef.trim() }
          : { kind: 'other', note: f.causeRef };
  return (
    <ActionForm
      label="Record a request"
      submit="Record request"
      className="action-form grid-form"
      action={async () => {
        const created = await post<ServiceRequest>('/service-requests', {
          type: f.type,
          assetId: f.assetId,
          symptom: f.symptom,
          contact: f.contact,
          channel: f.channel,
          ...(cause ? { cause } : {}),
        });
        setF(empty);
        onCreated(created.id);
      }}
    >
      <label>
        Type
        <select value={f.type} onChange={(e) => set({ type: e.target.value })}>
          <option value="service">service request</option>
          <option value="complaint">complaint</option>
        </select>
      </label>
      <label>
        Asset
        <select required value={f.assetId} onChange={(e) => set({ assetId: e.target.value })}>
          <option value="">choose…</option>
          {(reg?.assets ?? []).map((a) => (
            <option key={a.id} value={a.id}>
              {assetName(reg, a.id)} — {customerOf(reg, reg?.sites.get(a.siteId)?.customerId ?? '')}
            </option>
          ))}
        </select>
      </label>
      <label>
        Symptom
        <input required value={f.symptom} onChange={(e) => set({ symptom: e.target.value })} />
      </label>
      <label>
        Contact
        <input required value={f.contact} onChange={(e) => set({ contact: e.target.value })} />
      </label>
      <label>
        Channel
        <select value={f.channel} onChange={(e) => set({ channel: e.target.value })}>
          {CHANNELS.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      {f.type === 'complaint' ? (
        <>
          <label>
            Cause
            <select value={f.causeKind} onChange={(e) => set({ causeKind: e.target.value })}>
              <option value="work_order">a work order</option>
              <option value="invoice">an invoice</option>
              <option value="other">other</option>
            </select>
          </label>
          <label>
            {f.causeKind === 'work_order' ? 'Work order id' : f.causeKind === 'invoice' ? 'Invoice id' : 'What it is about'}
            <input required value={f.causeRef} onChange={(e) => set({ causeRef: e.target.value })} />
          </label>
        </>
      ) : null}
    </ActionForm>
  );
}

export function ServiceRequestsView({ selectedId, role }: { selectedId: string | undefined; role: Role }) {
  const reg = useAsync(loadRegistry, []);
  const [filters, setFilters] = useState({ state: '', type: '', channel: '', customerId: '' });
  const list = useAsync(
    () => get<{ items: ServiceRequest[] }>('/service-requests', { limit: 200, ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v)) }),
    [filters.state, filters.type, filters.channel, filters.customerId],
  );
  const intake = role === 'planner' || role === 'account-manager' || role === 'admin';
  return (
    <section aria-labelledby="srq-list-h">
      <h1 id="srq-list-h">Service requests</h1>
      {intake ? <Intake reg={reg.data} onCreated={(id) => (list.reload(), navigate(`/service-requests/${id}`))} /> : null}
      <form className="filters" aria-label="Filter requests" onSubmit={(e) => e.preventDefault()}>
        <label>
          State
          <select value={filters.state} onChange={(e) => setFilters({ ...filters, state: e.target.value })}>
            <option value="">all</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select value={filters.type} onChange={(e) => setFilters({ ...filters, type: e.target.value })}>
            <option value="">all</option>
            <option value="service">service requests</option>
            <option value="complaint">complaints</option>
          </select>
        </label>
        <label>
          Channel
          <select value={filters.channel} onChange={(e) => setFilters({ ...filters, channel: e.target.value })}>
            <option value="">all</option>
            {CHANNELS.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          Customer
          <select value={filters.customerId} onChange={(e) => setFilters({ ...filters, customerId: e.target.value })}>
            <option value="">all</option>
            {[...(reg.data?.customers.values() ?? [])].map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote error={list.error} />
      <Loading when={list.loading && !list.data} />
      <div className={selectedId ? 'split' : ''}>
        <div className="table-wrap">
          <table>
            <caption>Requests and complaints, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Type</th>
                <th scope="col">Asset</th>
                <th scope="col">Customer</th>
                <th scope="col">Channel</th>
                <th scope="col">Symptom</th>
                <th scope="col">Cause</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {(list.data?.items ?? []).map((r) => (
                <tr key={r.id} className={r.id === selectedId ? 'selected' : ''}>
                  <td>
                    <Link to={`/service-requests/${r.id}`} aria-current={r.id === selectedId ? 'page' : undefined}>
                      {fmtTime(r.receivedAt)}
                    </Link>
                  </td>
                  <td>{r.type === 'complaint' ? 'complaint' : 'service'}</td>
                  <td>{assetName(reg.data, r.assetId)}</td>
                  <td>{customerOf(reg.data, r.customerId)}</td>
                  <td>{r.channel}</td>
                  <td>{r.symptom}</td>
                  <td>
                    <CauseText r={r} reg={reg.data} />
                  </td>
                  <td>
                    <Badge kind={r.state}>{label(r.state)}</Badge>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.data?.items.length === 0 ? <p className="muted">No requests match.</p> : null}
        </div>
        {selectedId ? <Detail id={selectedId} reg={reg.data} role={role} onChanged={list.reload} /> : null}
      </div>
    </section>
  );
}
