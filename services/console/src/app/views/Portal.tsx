import { CustomerRole, type CreditNoteView, type InvoiceView, type Role, type Severity, type User } from '@hourmeter/domain';
import { useState } from 'react';
import { ApiError, download, get, post, send } from '../api';
import { ActionForm, Badge, ErrorNote, Link, Loading, fmtDate, fmtDay, fmtHours, fmtMoney, fmtPct, fmtTime, label, useAsync, useLocation } from '../ui';

/**
 * The customer portal (issue #19): what a customer's own people see. Every
 * request goes to /api/v1/portal/*, which answers for the signed-in person's
 * customer only; no staff route is ever called from here, so a customer's
 * browser shows no 403s.
 */

interface PortalAsset {
  assetId: string;
  serialNumber: string;
  status: string;
  assetModel: { code: string; name: string };
  site: { id: string; name: string };
  operatingHours: number;
  online: boolean | null;
  activeAlerts: number;
  worstSeverity: Severity | null;
}
interface Fleet {
  customer: { id: string; name: string };
  sites: { id: string; name: string; address: string | null }[];
  assets: PortalAsset[];
}
interface ContractAvailability {
  contractId: string;
  periodStart: string;
  periodEnd: string;
  assetIds: string[];
  availabilityPercent: number;
  guaranteePercent: number;
  noData: boolean;
}
interface PortalWorkOrder {
  id: string;
  kind: string;
  state: string;
  assetId: string;
  serialNumber: string;
  siteName: string;
  failureMode: string | null;
  description: string | null;
  createdAt: number;
  completedAt: number | null;
  cancelledAt: number | null;
}
interface PortalAlerts {
  total: number;
  bySeverity: Record<Severity, number>;
  items: { id: string; assetId: string; serialNumber: string; siteName: string; severity: Severity; failureMode: string; state: string; raisedAt: number }[];
}

interface PortalServiceRequest {
  id: string;
  type: 'service' | 'complaint';
  state: string;
  assetId: string;
  serialNumber: string;
  symptom: string;
  contact: string;
  cause: { kind: 'work_order'; workOrderId: string } | { kind: 'invoice'; invoiceId: string } | { kind: 'other'; note: string } | null;
  receivedAt: number;
  workOrderId: string | null;
  outcome: string | null;
  triagedAt: number | null;
}

export interface PortalNavItem {
  to: string;
  label: string;
  roles: readonly CustomerRole[];
}

export const PORTAL_NAV: readonly PortalNavItem[] = [
  { to: '/', label: 'My fleet', roles: CustomerRole.options },
  { to: '/work-orders', label: 'Work orders', roles: CustomerRole.options },
  { to: '/alerts', label: 'Alerts', roles: CustomerRole.options },
  { to: '/invoices', label: 'Invoices', roles: CustomerRole.options },
  // Both customer roles raise requests: the people at the machine are often viewers.
  { to: '/service-requests', label: 'Service requests', roles: CustomerRole.options },
  { to: '/users', label: 'Users', roles: ['customer-admin'] },
];

function Availability({ a }: { a: ContractAvailability | undefined }) {
  if (!a) return <span className="muted">no PBH contract</span>;
  if (a.noData) return <span className="muted">no data yet</span>;
  const met = a.availabilityPercent >= a.guaranteePercent;
  return (
    <span>
      {fmtPct(a.availabilityPercent, 2)} <span className="muted">of {fmtPct(a.guaranteePercent, 1)} guaranteed</span> <Badge kind={met ? 'completed' : 'high'}>{met ? 'met' : 'missed'}</Badge>
    </span>
  );
}

function Online({ online }: { online: boolean | null }) {
  if (online === null) return <span className="muted">no device</span>;
  return <Badge kind={online ? 'online' : 'offline'}>{online ? 'online' : 'offline'}</Badge>;
}

async function loadAvailability(): Promise<Map<string, ContractAvailability>> {
  const { items } = await get<{ items: ContractAvailability[] }>('/portal/availability');
  const byAsset = new Map<string, ContractAvailability>();
  for (const c of items) for (const id of c.assetIds) byAsset.set(id, c);
  return byAsset;
}

function MyFleet() {
  const fleet = useAsync(() => Promise.all([get<Fleet>('/portal/fleet'), loadAvailability()]), []);
  const [data, availability] = fleet.data ?? [];
  return (
    <section aria-labelledby="portal-fleet-h">
      <h1 id="portal-fleet-h">My fleet{data ? ` · ${data.customer.name}` : ''}</h1>
      <ErrorNote error={fleet.error} />
      <Loading when={fleet.loading && !data} />
      {data && data.assets.length === 0 ? <p className="muted">No assets are registered for you yet.</p> : null}
      {data?.sites.map((site) => {
        const assets = data.assets.filter((a) => a.site.id === site.id);
        return (
          <section key={site.id} className="panel" aria-label={`Site ${site.name}`}>
            <h2>{site.name}</h2>
            {site.address ? <p className="muted">{site.address}</p> : null}
            {assets.length === 0 ? (
              <p className="muted">No assets at this site.</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Serial number</th>
                      <th scope="col">Model</th>
                      <th scope="col">Status</th>
                      <th scope="col">Connection</th>
                      <th scope="col">Operating hours</th>
                      <th scope="col">Availability (this month)</th>
                      <th scope="col">Open alerts</th>
                    </tr>
                  </thead>
                  <tbody>
                    {assets.map((a) => (
                      <tr key={a.assetId}>
                        <th scope="row">
                          <Link to={`/assets/${encodeURIComponent(a.assetId)}`}>{a.serialNumber}</Link>
                        </th>
                        <td>{a.assetModel.name}</td>
                        <td>{label(a.status)}</td>
                        <td>
                          <Online online={a.online} />
                        </td>
                        <td>{fmtHours(a.operatingHours)}</td>
                        <td>
                          <Availability a={availability?.get(a.assetId)} />
                        </td>
                        <td>{a.activeAlerts === 0 ? 'none' : <Badge kind={a.worstSeverity ?? 'low'}>{a.activeAlerts}</Badge>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        );
      })}
    </section>
  );
}

function NotFound({ what }: { what: string }) {
  return (
    <section aria-labelledby="portal-nf-h">
      <h1 id="portal-nf-h">Not found</h1>
      <p>
        There is no {what} here. <Link to="/">Go to my fleet</Link>.
      </p>
    </section>
  );
}

function PortalAssetView({ id }: { id: string }) {
  const asset = useAsync(() => Promise.all([get<PortalAsset>(`/portal/assets/${encodeURIComponent(id)}`), loadAvailability()]), [id]);
  if (asset.error instanceof ApiError && asset.error.status === 404) return <NotFound what="such asset" />;
  const [a, availability] = asset.data ?? [];
  return (
    <section aria-labelledby="portal-asset-h">
      <h1 id="portal-asset-h">{a ? `${a.assetModel.name} ${a.serialNumber}` : 'Asset'}</h1>
      <ErrorNote error={asset.error} />
      <Loading when={asset.loading && !a} />
      {a ? (
        <dl className="facts">
          <div>
            <dt>Site</dt>
            <dd>{a.site.name}</dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd>{label(a.status)}</dd>
          </div>
          <div>
            <dt>Connection</dt>
            <dd>
              <Online online={a.online} />
            </dd>
          </div>
          <div>
            <dt>Operating hours</dt>
            <dd>{fmtHours(a.operatingHours)}</dd>
          </div>
          <div>
            <dt>Availability this month</dt>
            <dd>
              <Availability a={availability?.get(a.assetId)} />
            </dd>
          </div>
          <div>
            <dt>Open alerts</dt>
            <dd>{a.activeAlerts === 0 ? 'none' : <Badge kind={a.worstSeverity ?? 'low'}>{`${a.activeAlerts} (worst: ${a.worstSeverity ?? '–'})`}</Badge>}</dd>
          </div>
        </dl>
      ) : null}
      <p>
        <Link to="/">Back to my fleet</Link>
      </p>
    </section>
  );
}

function WorkOrderTable({ state }: { state: 'open' | 'closed' }) {
  const orders = useAsync(() => get<{ items: PortalWorkOrder[] }>('/portal/work-orders', { state }), [state]);
  const items = orders.data?.items ?? [];
  return (
    <section className="panel" aria-labelledby={`portal-wo-${state}`}>
      <h2 id={`portal-wo-${state}`}>{state === 'open' ? 'Open' : 'Closed'}</h2>
      <ErrorNote error={orders.error} />
      <Loading when={orders.loading && !orders.data} />
      {orders.data && items.length === 0 ? <p className="muted">None.</p> : null}
      {items.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Asset</th>
                <th scope="col">Site</th>
                <th scope="col">Kind</th>
                <th scope="col">State</th>
                <th scope="col">Problem</th>
                <th scope="col">Opened</th>
                <th scope="col">{state === 'open' ? 'Due' : 'Closed'}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((w) => (
                <tr key={w.id}>
                  <th scope="row">
                    <Link to={`/assets/${encodeURIComponent(w.assetId)}`}>{w.serialNumber}</Link>
                  </th>
                  <td>{w.siteName}</td>
                  <td>{label(w.kind)}</td>
                  <td>
                    <Badge kind={w.state}>{label(w.state)}</Badge>
                  </td>
                  <td>{w.description ?? (w.failureMode ? label(w.failureMode) : '–')}</td>
                  <td>{fmtDate(w.createdAt)}</td>
                  <td>{state === 'open' ? '–' : fmtDate(w.completedAt ?? w.cancelledAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function PortalWorkOrders() {
  return (
    <section aria-labelledby="portal-wo-h">
      <h1 id="portal-wo-h">Work orders</h1>
      <WorkOrderTable state="open" />
      <WorkOrderTable state="closed" />
    </section>
  );
}

function PortalAlertsView() {
  const alerts = useAsync(() => get<PortalAlerts>('/portal/alerts'), []);
  const a = alerts.data;
  return (
    <section aria-labelledby="portal-alerts-h">
      <h1 id="portal-alerts-h">Alerts</h1>
      <ErrorNote error={alerts.error} />
      <Loading when={alerts.loading && !a} />
      {a ? (
        <>
          <p className="kpis">
            <span>
              <strong>{a.total}</strong> open
            </span>
            {(['critical', 'high', 'medium', 'low'] as const).map((s) => (
              <span key={s}>
                <strong>{a.bySeverity[s]}</strong> {s}
              </span>
            ))}
          </p>
          {a.items.length === 0 ? (
            <p className="muted">No open alerts: every monitored unit looks healthy.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Asset</th>
                    <th scope="col">Site</th>
                    <th scope="col">Severity</th>
                    <th scope="col">Problem</th>
                    <th scope="col">Raised</th>
                  </tr>
                </thead>
                <tbody>
                  {a.items.map((x) => (
                    <tr key={x.id}>
                      <th scope="row">
                        <Link to={`/assets/${encodeURIComponent(x.assetId)}`}>{x.serialNumber}</Link>
                      </th>
                      <td>{x.siteName}</td>
                      <td>
                        <Badge kind={x.severity}>{x.severity}</Badge>
                      </td>
                      <td>{label(x.failureMode)}</td>
                      <td>{fmtTime(x.raisedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
    </section>
  );
}

function PortalInvoices() {
  const invoices = useAsync(() => get<{ items: { invoice: InvoiceView; creditNotes: CreditNoteView[] }[] }>('/portal/invoices'), []);
  const [error, setError] = useState<Error>();
  const items = invoices.data?.items ?? [];
  return (
    <section aria-labelledby="portal-inv-h">
      <h1 id="portal-inv-h">Invoices</h1>
      <ErrorNote error={invoices.error ?? error} />
      <Loading when={invoices.loading && !invoices.data} />
      {invoices.data && items.length === 0 ? <p className="muted">No invoices yet.</p> : null}
      {items.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Invoice</th>
                <th scope="col">Period</th>
                <th scope="col">Total</th>
                <th scope="col">Open</th>
                <th scope="col">Due</th>
                <th scope="col">Status</th>
                <th scope="col">Documents</th>
              </tr>
            </thead>
            <tbody>
              {items.map(({ invoice: inv, creditNotes }) => (
                <tr key={inv.id}>
                  <th scope="row">{inv.number}</th>
                  <td>
                    {fmtDay(inv.periodStart)} – {fmtDay(inv.periodEnd)}
                  </td>
                  <td>{fmtMoney(inv.grossMinor, inv.currency)}</td>
                  <td>{fmtMoney(inv.openMinor, inv.currency)}</td>
                  <td>{inv.dueDate ? fmtDay(inv.dueDate) : '–'}</td>
                  <td>{inv.paymentStatus ? <Badge kind={inv.paymentStatus}>{label(inv.paymentStatus)}</Badge> : '–'}</td>
                  <td>
                    <button type="button" className="secondary" onClick={() => void download(`/portal/invoices/${inv.id}/pdf`, `${inv.number ?? inv.id}.pdf`).catch(setError)}>
                      Invoice {inv.number} PDF
                    </button>
                    {creditNotes.map((n) => (
                      <button key={n.id} type="button" className="secondary" onClick={() => void download(`/portal/invoices/${inv.id}/credit-notes/${n.id}/pdf`, `${n.number}.pdf`).catch(setError)}>
                        Credit note {n.number} PDF ({fmtMoney(n.amountMinor + n.taxMinor, n.currency)})
                      </button>
                    ))}
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

/** What a complaint is about, as the customer reads it: their invoice's number, their order's problem. */
interface CauseChoices {
  orders: PortalWorkOrder[];
  invoices: InvoiceView[];
}

function causeText(cause: PortalServiceRequest['cause'], choices: CauseChoices | undefined): string {
  if (!cause) return '–';
  if (cause.kind === 'other') return cause.note;
  if (cause.kind === 'invoice') return `Invoice ${choices?.invoices.find((i) => i.id === cause.invoiceId)?.number ?? ''}`.trim();
  const wo = choices?.orders.find((w) => w.id === cause.workOrderId);
  return wo ? `Work order on ${wo.serialNumber} of ${fmtDate(wo.createdAt)}` : 'A work order';
}

function orderChoice(w: PortalWorkOrder): string {
  return `${w.serialNumber} · ${label(w.kind)} · ${w.description ?? (w.failureMode ? label(w.failureMode) : label(w.state))} (${fmtDate(w.createdAt)})`;
}

async function loadCauseChoices(): Promise<CauseChoices> {
  const [open, closed, invoices] = await Promise.all([
    get<{ items: PortalWorkOrder[] }>('/portal/work-orders', { state: 'open' }),
    get<{ items: PortalWorkOrder[] }>('/portal/work-orders', { state: 'closed' }),
    get<{ items: { invoice: InvoiceView }[] }>('/portal/invoices'),
  ]);
  return { orders: [...open.items, ...closed.items], invoices: invoices.items.map((i) => i.invoice) };
}

function RaiseRequest({ assets, choices, contact, onCreated }: { assets: PortalAsset[]; choices: CauseChoices | undefined; contact: string; onCreated: () => void }) {
  const empty = { type: 'service' as 'service' | 'complaint', assetId: '', symptom: '', contact, causeKind: 'work_order' as 'work_order' | 'invoice' | 'other', causeId: '', note: '' };
  const [form, setForm] = useState(empty);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const assetId = form.assetId || assets[0]?.assetId || '';
  const complaint = form.type === 'complaint';
  return (
    <ActionForm
      label="Raise a service request or complaint"
      className="admin-form"
      submit={complaint ? 'Send complaint' : 'Send request'}
      action={async () => {
        const cause = !complaint
          ? undefined
          : form.causeKind === 'other'
            ? { kind: 'other', note: form.note }
            : form.causeKind === 'invoice'
              ? { kind: 'invoice', invoiceId: form.causeId || choices?.invoices[0]?.id }
              : { kind: 'work_order', workOrderId: form.causeId || choices?.orders[0]?.id };
        await post('/portal/service-requests', { type: form.type, assetId, symptom: form.symptom, contact: form.contact, ...(cause ? { cause } : {}) });
        setForm({ ...empty, contact: form.contact });
        onCreated();
      }}
    >
      <label className="field">
        Kind{' '}
        <select name="type" value={form.type} onChange={set('type')}>
          <option value="service">Service request</option>
          <option value="complaint">Complaint</option>
        </select>
      </label>
      <label className="field">
        Asset{' '}
        <select name="assetId" required value={assetId} onChange={set('assetId')}>
          {assets.map((a) => (
            <option key={a.assetId} value={a.assetId}>
              {a.serialNumber} · {a.assetModel.name} · {a.site.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        {complaint ? 'What went wrong' : 'Symptom'} <textarea name="symptom" rows={3} required maxLength={2000} value={form.symptom} onChange={set('symptom')} />
      </label>
      <label className="field">
        Contact <input name="contact" required maxLength={200} value={form.contact} onChange={set('contact')} />
      </label>
      {complaint ? (
        <>
          <label className="field">
            About{' '}
            <select name="causeKind" value={form.causeKind} onChange={(e) => setForm({ ...form, causeKind: e.target.value as typeof form.causeKind, causeId: '' })}>
              <option value="work_order">a work order</option>
              <option value="invoice">an invoice</option>
              <option value="other">something else</option>
            </select>
          </label>
          {form.causeKind === 'work_order' ? (
            <label className="field">
              Work order{' '}
              <select name="workOrderId" required value={form.causeId || choices?.orders[0]?.id || ''} onChange={set('causeId')}>
                {(choices?.orders ?? []).map((w) => (
                  <option key={w.id} value={w.id}>
                    {orderChoice(w)}
                  </option>
                ))}
              </select>
            </label>
          ) : form.causeKind === 'invoice' ? (
            <label className="field">
              Invoice{' '}
              <select name="invoiceId" required value={form.causeId || choices?.invoices[0]?.id || ''} onChange={set('causeId')}>
                {(choices?.invoices ?? []).map((i) => (
                  <option key={i.id} value={i.id}>
                    {i.number} · {fmtMoney(i.grossMinor, i.currency)}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <label className="field">
              What it is about <input name="note" required maxLength={2000} value={form.note} onChange={set('note')} />
            </label>
          )}
        </>
      ) : null}
    </ActionForm>
  );
}

function PortalServiceRequests({ contact }: { contact: string }) {
  const fleet = useAsync(() => get<Fleet>('/portal/fleet'), []);
  const choices = useAsync(loadCauseChoices, []);
  const list = useAsync(() => get<{ items: PortalServiceRequest[] }>('/portal/service-requests', { limit: 200 }), []);
  const items = list.data?.items ?? [];
  return (
    <section aria-labelledby="portal-srq-h">
      <h1 id="portal-srq-h">Service requests</h1>
      <ErrorNote error={fleet.error ?? choices.error} />
      {fleet.data && fleet.data.assets.length === 0 ? <p className="muted">No assets are registered for you yet, so there is nothing to ask service for.</p> : null}
      {fleet.data && fleet.data.assets.length > 0 ? <RaiseRequest assets={fleet.data.assets} choices={choices.data} contact={contact} onCreated={list.reload} /> : null}
      <section className="panel" aria-labelledby="portal-srq-list-h">
        <h2 id="portal-srq-list-h">Your requests and complaints</h2>
        <ErrorNote error={list.error} />
        <Loading when={list.loading && !list.data} />
        {list.data && items.length === 0 ? <p className="muted">None yet.</p> : null}
        {items.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Asset</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Received</th>
                  <th scope="col">Symptom</th>
                  <th scope="col">About</th>
                  <th scope="col">State</th>
                  <th scope="col">Outcome</th>
                </tr>
              </thead>
              <tbody>
                {items.map((r) => (
                  <tr key={r.id}>
                    <th scope="row">
                      <Link to={`/assets/${encodeURIComponent(r.assetId)}`}>{r.serialNumber}</Link>
                    </th>
                    <td>{r.type === 'complaint' ? 'Complaint' : 'Service request'}</td>
                    <td>{fmtTime(r.receivedAt)}</td>
                    <td>{r.symptom}</td>
                    <td>{causeText(r.cause, choices.data)}</td>
                    <td>
                      <Badge kind={r.state}>{REQUEST_STATE[r.state] ?? label(r.state)}</Badge>
                    </td>
                    <td>{r.outcome ?? (r.workOrderId ? <Link to="/work-orders">see work orders</Link> : '–')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </section>
  );
}

/** A request's state in the customer's words. */
const REQUEST_STATE: Record<string, string> = { new: 'received', work_order: 'work order opened', resolved_remotely: 'resolved remotely', rejected: 'declined' };

function InviteUser({ onCreated }: { onCreated: () => void }) {
  const empty = { name: '', email: '', role: 'customer-viewer' as CustomerRole, password: '' };
  const [form, setForm] = useState(empty);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  return (
    <ActionForm
      label="Invite a colleague"
      submit="Add user"
      action={async () => {
        await post('/portal/users', form);
        setForm({ ...empty, role: form.role });
        onCreated();
      }}
    >
      <label>
        Name <input name="name" required maxLength={100} value={form.name} onChange={set('name')} />
      </label>
      <label>
        E-mail <input name="email" type="email" required value={form.email} onChange={set('email')} />
      </label>
      <label>
        Role{' '}
        <select name="role" value={form.role} onChange={set('role')}>
          {CustomerRole.options.map((r) => (
            <option key={r} value={r}>
              {label(r)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Initial password <input name="password" type="password" autoComplete="new-password" required minLength={12} value={form.password} onChange={set('password')} />
      </label>
    </ActionForm>
  );
}

function PortalUsers({ me }: { me: string }) {
  const users = useAsync(() => get<{ items: User[] }>('/portal/users'), []);
  const [error, setError] = useState<Error>();
  const run = (p: Promise<unknown>) => p.then(users.reload, (e: unknown) => setError(e as Error));
  return (
    <section aria-labelledby="portal-users-h">
      <h1 id="portal-users-h">Users</h1>
      <ErrorNote error={users.error ?? error} />
      <InviteUser onCreated={users.reload} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(users.data?.items ?? []).map((u) => (
              <tr key={u.id}>
                <th scope="row">{u.name}</th>
                <td>{u.email}</td>
                <td>
                  <select aria-label={`Role of ${u.name}`} value={u.role} disabled={u.id === me} onChange={(e) => run(send('PATCH', `/portal/users/${u.id}`, { role: e.target.value }))}>
                    {CustomerRole.options.map((r) => (
                      <option key={r} value={r}>
                        {label(r)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>{u.disabledAt === null ? <Badge kind="completed">active</Badge> : <Badge kind="cancelled">disabled</Badge>}</td>
                <td>{fmtTime(u.lastSignInAt)}</td>
                <td>
                  {u.id === me ? (
                    <span className="muted">you</span>
                  ) : (
                    <button type="button" className="secondary" onClick={() => run(send('PATCH', `/portal/users/${u.id}`, { disabled: u.disabledAt === null }))}>
                      {u.disabledAt === null ? `Disable ${u.name}` : `Enable ${u.name}`}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The portal's pages by path; anything else (staff pages included) is "not found". */
export function PortalRoutes({ role, me, name }: { role: Role; me: string; name: string }) {
  const { path } = useLocation();
  const seg = path.split('/').filter(Boolean);
  const id = seg[1] ? decodeURIComponent(seg[1]) : undefined;
  switch (seg[0]) {
    case undefined:
      return <MyFleet />;
    case 'assets':
      return id ? <PortalAssetView id={id} /> : <MyFleet />;
    case 'work-orders':
      return <PortalWorkOrders />;
    case 'alerts':
      return <PortalAlertsView />;
    case 'invoices':
      return <PortalInvoices />;
    case 'service-requests':
      return <PortalServiceRequests contact={name} />;
    case 'users':
      return role === 'customer-admin' ? <PortalUsers me={me} /> : <NotFound what="such page" />;
    default:
      return <NotFound what="such page" />;
  }
}
