import { useState } from 'react';
import { get, post, send } from '../api';
import { DeliveryModeSelect } from '../DeliveryModeSelect';
import { ActionForm, Badge, ErrorNote, Link, Loading, fmtTime, navigate, useAsync } from '../ui';

interface Subscription {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  status: 'active' | 'disabled';
  allowPrivateNetwork: boolean;
  disabledReason: string | null;
}

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
}

interface Recipient {
  id: string;
  name: string;
  email: string;
  role: string;
  preferences: Record<string, string>;
}

interface Rule {
  rule: string;
  what: string;
  defaults: Record<string, string>;
}

const STATUS_KIND: Record<string, string> = { active: 'ok', succeeded: 'ok', pending: 'warn', disabled: 'bad', failed: 'bad' };

/** The delivery log of one subscription, with redelivery. */
function Deliveries({ subscription, onChange }: { subscription: Subscription; onChange: () => void }) {
  const [version, setVersion] = useState(0);
  const log = useAsync(() => get<{ items: Delivery[] }>(`/webhooks/${subscription.id}/deliveries`, { limit: 100 }), [subscription.id, version]);
  return (
    <section aria-labelledby="deliveries-h">
      <h2 id="deliveries-h">Delivery log: {subscription.description ?? subscription.url}</h2>
      {subscription.status === 'disabled' ? (
        <ActionForm
          label="Re-enable subscription"
          submit="Re-enable"
          action={async () => {
            await send('PATCH', `/webhooks/${subscription.id}`, { status: 'active' });
            onChange();
          }}
        >
          <p className="error">Disabled: {subscription.disabledReason}</p>
        </ActionForm>
      ) : null}
      <ErrorNote error={log.error} />
      <Loading when={log.loading && !log.data} />
      {log.data && log.data.items.length === 0 ? <p className="muted">Nothing delivered yet.</p> : null}
      {log.data && log.data.items.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>Newest first; each delivery is retried with backoff for 24 h</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
                <th scope="col">Created</th>
                <th scope="col">Next attempt</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {log.data.items.map((d) => (
                <tr key={d.id}>
                  <th scope="row">{d.eventType}</th>
                  <td>
                    <Badge kind={STATUS_KIND[d.status] ?? 'muted'}>{d.status}</Badge>
                  </td>
                  <td>{d.attempts}</td>
                  <td>{d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : (d.lastError ?? '–')}</td>
                  <td>{fmtTime(d.createdAt)}</td>
                  <td>{fmtTime(d.nextAttemptAt)}</td>
                  <td>
                    <ActionForm
                      label={`Redeliver ${d.eventType}`}
                      submit="Redeliver"
                      action={async () => {
                        await post(`/webhook-deliveries/${d.id}/redeliver`);
                        setVersion((v) => v + 1);
                      }}
                    >
                      {null}
                    </ActionForm>
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

/** Admin: webhook subscriptions with their delivery log and redelivery, and who receives e-mail notifications. */
export function IntegrationsView({ selectedId }: { selectedId: string | undefined }) {
  const [version, setVersion] = useState(0);
  const [created, setCreated] = useState<string>();
  const [prefError, setPrefError] = useState<Error>();
  const data = useAsync(async () => {
    const [subs, recipients, rules, types] = await Promise.all([
      get<{ items: Subscription[] }>('/webhooks'),
      get<{ items: Recipient[] }>('/notification-recipients'),
      get<{ items: Rule[] }>('/notification-rules'),
      get<{ items: { type: string; outbox: string }[] }>('/webhooks/event-types'),
    ]);
    return { subs: subs.items, recipients: recipients.items, rules: rules.items, types: types.items };
  }, [version]);
  const [url, setUrl] = useState('');
  const [eventTypes, setEventTypes] = useState<string[]>([]);
  const [recipient, setRecipient] = useState({ name: '', email: '', role: 'engineer' });
  const [allowPrivate, setAllowPrivate] = useState(false);
  const d = data.data;
  const selected = d?.subs.find((s) => s.id === selectedId);
  return (
    <section aria-labelledby="integrations-h">
      <h1 id="integrations-h">Integrations</h1>
      <ErrorNote error={data.error} />
      <Loading when={data.loading && !d} />
      {d ? (
        <>
          <h2>Webhook subscriptions</h2>
          {d.subs.length === 0 ? <p className="muted">No webhook subscriptions yet.</p> : null}
          {d.subs.length > 0 ? (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Receiver</th>
                    <th scope="col">Events</th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {d.subs.map((s) => (
                    <tr key={s.id} aria-selected={s.id === selectedId}>
                      <th scope="row">
                        <Link to={`/integrations/${encodeURIComponent(s.id)}`}>{s.description ?? s.url}</Link>
                        <div className="small muted">{s.url}</div>
                      </th>
                      <td>{s.eventTypes.join(', ')}</td>
                      <td>
                        <Badge kind={STATUS_KIND[s.status] ?? 'muted'}>{s.status}</Badge>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          <ActionForm
            label="Add webhook subscription"
            submit="Subscribe"
            action={async () => {
              const res = await post<{ subscription: Subscription; secret: string }>('/webhooks', {
                url: url.trim(),
                eventTypes,
                ...(allowPrivate ? { allowPrivateNetwork: true } : {}),
              });
              setCreated(res.secret);
              setUrl('');
              setVersion((v) => v + 1);
              navigate(`/integrations/${encodeURIComponent(res.subscription.id)}`);
            }}
          >
            <label>
              URL <input type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />
            </label>
            <fieldset className="event-types">
              <legend>Event types</legend>
              {d.types.map((t) => (
                <label key={t.type} title={t.outbox === 'transactional' ? 'written in the transaction of the change' : 'from the event bus'}>
                  <input
                    type="checkbox"
                    checked={eventTypes.includes(t.type)}
                    onChange={(e) => setEventTypes((ts) => (e.target.checked ? [...ts, t.type] : ts.filter((x) => x !== t.type)))}
                  />{' '}
                  {t.type}
                </label>
              ))}
            </fieldset>
            <label>
              <input type="checkbox" checked={allowPrivate} onChange={(e) => setAllowPrivate(e.target.checked)} /> allow private network addresses
            </label>
          </ActionForm>
          {created ? (
            <p role="status">
              Signing secret (shown once, give it to the receiver): <code>{created}</code>
            </p>
          ) : null}
          {selected ? <Deliveries subscription={selected} onChange={() => setVersion((v) => v + 1)} /> : null}

          <h2>E-mail recipients</h2>
          <ErrorNote error={prefError} />
          {d.recipients.length === 0 ? <p className="muted">No e-mail recipients yet. People who sign in choose their own under E-mail.</p> : null}
          <ActionForm
            label="Add e-mail recipient"
            submit="Add recipient"
            action={async () => {
              await post('/notification-recipients', recipient);
              setRecipient({ name: '', email: '', role: recipient.role });
              setVersion((v) => v + 1);
            }}
          >
            <label>
              Name <input required value={recipient.name} onChange={(e) => setRecipient({ ...recipient, name: e.target.value })} />
            </label>
            <label>
              E-mail <input type="email" required value={recipient.email} onChange={(e) => setRecipient({ ...recipient, email: e.target.value })} />
            </label>
            <label>
              Role{' '}
              <select value={recipient.role} onChange={(e) => setRecipient({ ...recipient, role: e.target.value })}>
                {['engineer', 'planner', 'account-manager', 'admin'].map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </label>
          </ActionForm>
          {d.recipients.length > 0 ? (
            <div className="table-wrap">
              <table>
                <caption>What each person receives: immediately, in the daily digest, or not at all</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Role</th>
                    {d.rules.map((r) => (
                      <th key={r.rule} scope="col" title={r.what}>
                        {r.rule}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {d.recipients.map((p) => (
                    <tr key={p.id}>
                      <th scope="row">
                        {p.name} <div className="small muted">{p.email}</div>
                      </th>
                      <td>{p.role}</td>
                      {d.rules.map((r) => (
                        <td key={r.rule}>
                          <DeliveryModeSelect
                            label={`${r.rule} for ${p.name}`}
                            rule={r.rule}
                            value={p.preferences[r.rule] ?? r.defaults[p.role] ?? 'off'}
                            path={`/notification-recipients/${p.id}`}
                            onSaved={() => (setPrefError(undefined), setVersion((v) => v + 1))}
                            onError={setPrefError}
                          />
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
