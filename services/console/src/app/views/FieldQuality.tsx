import { INTERNAL_DEPARTMENTS } from '@hourmeter/domain/catalogues';
import type { ChecklistItem, Hazard, ReturnAnalysis, Role, WorkOrder } from '@hourmeter/domain';
import { useState } from 'react';
import { actorName, get, post, send } from '../api';
import { loadRegistry, type Registry } from '../data';
import { ActionForm, Badge, ErrorNote, Link, Loading, fmtMoney, fmtTime, label, useAsync } from '../ui';

const DISPOSITIONS = ['repair', 'scrap', 'return_to_supplier'] as const;
const ANALYSES = ['manufacturing_defect', 'wear', 'misuse', 'no_fault_found'] as const;

/** Returned (defective) units of a completed order: disposition, failure analysis and what it charged to the batch's quality reserve. */
export function ReturnAnalyses({ order, reloadKey }: { order: WorkOrder; reloadKey?: unknown }) {
  const data = useAsync(() => get<{ items: ReturnAnalysis[] }>(`/work-orders/${order.id}/return-analyses`), [order.id, reloadKey]);
  const [f, setF] = useState({ returnId: '', disposition: 'repair' as (typeof DISPOSITIONS)[number], failureAnalysis: 'wear' as (typeof ANALYSES)[number] });
  const [note, setNote] = useState<string>();
  const items = data.data?.items ?? [];
  const pending = items.filter((r) => r.failureAnalysis === null);
  if (data.error) return <ErrorNote error={data.error} />;
  if (items.length === 0) return null;
  return (
    <>
      <div className="table-wrap">
        <table>
          <caption>Returned units: failure analysis</caption>
          <thead>
            <tr>
              <th scope="col">Part</th>
              <th scope="col">Qty</th>
              <th scope="col">Disposition</th>
              <th scope="col">Analysis</th>
              <th scope="col">Quality reserve</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.returnId}>
                <td>{r.partNumber}</td>
                <td>{r.quantity}</td>
                <td>{r.disposition ? label(r.disposition) : '–'}</td>
                <td>{r.failureAnalysis ? `${label(r.failureAnalysis)} (${actorName(r.analysedBy ?? '')}, ${fmtTime(r.analysedAt)})` : 'not analysed yet'}</td>
                <td>{r.reserveCharge ? fmtMoney(r.reserveCharge.amountMinor, r.reserveCharge.currency) : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pending.length > 0 ? (
        <ActionForm
          label="Record a failure analysis"
          submit="Record analysis"
          action={async () => {
            const returnId = f.returnId || pending[0]!.returnId;
            const a = await post<ReturnAnalysis>(`/part-returns/${returnId}/analysis`, { disposition: f.disposition, failureAnalysis: f.failureAnalysis });
            setNote(a.reserveCharge ? `Charged ${fmtMoney(a.reserveCharge.amountMinor, a.reserveCharge.currency)} to the batch's quality reserve.` : (a.noChargeReason ?? undefined));
            setF({ ...f, returnId: '' });
            data.reload();
          }}
        >
          <label>
            Returned unit
            <select value={f.returnId || pending[0]!.returnId} onChange={(e) => setF({ ...f, returnId: e.target.value })}>
              {pending.map((r) => (
                <option key={r.returnId} value={r.returnId}>
                  {r.partNumber} × {r.quantity}
                </option>
              ))}
            </select>
          </label>
          <label>
            Disposition
            <select value={f.disposition} onChange={(e) => setF({ ...f, disposition: e.target.value as (typeof DISPOSITIONS)[number] })}>
              {DISPOSITIONS.map((d) => (
                <option key={d} value={d}>
                  {label(d)}
                </option>
              ))}
            </select>
          </label>
          <label>
            Failure analysis
            <select value={f.failureAnalysis} onChange={(e) => setF({ ...f, failureAnalysis: e.target.value as (typeof ANALYSES)[number] })}>
              {ANALYSES.map((a) => (
                <option key={a} value={a}>
                  {label(a)}
                </option>
              ))}
            </select>
          </label>
        </ActionForm>
      ) : null}
      {note ? (
        <p className="muted" role="status">
          {note}
        </p>
      ) : null}
    </>
  );
}

/** The checklist of an installation order: ticked items with who and when; completion waits for the mandatory ones. */
export function InstallationChecklist({ order, canTick }: { order: WorkOrder; canTick: boolean }) {
  const data = useAsync(() => get<{ items: ChecklistItem[] }>(`/work-orders/${order.id}/checklist`), [order.id, order.updatedAt]);
  const [error, setError] = useState<Error>();
  const active = order.state !== 'completed' && order.state !== 'cancelled';
  if (data.error) return <ErrorNote error={data.error} />;
  if (!data.data) return <Loading when />;
  const open = data.data.items.filter((i) => i.mandatory && i.doneAt === null).length;
  return (
    <fieldset className="checklist">
      <legend>Installation checklist {open > 0 ? `(${open} mandatory open)` : '(all mandatory items done)'}</legend>
      <ul className="plain">
        {data.data.items.map((i) => (
          <li key={i.code}>
            <label>
              <input
                type="checkbox"
                checked={i.doneAt !== null}
                disabled={!canTick || !active}
                onChange={(e) => {
                  setError(undefined);
                  post(`/work-orders/${order.id}/checklist/${encodeURIComponent(i.code)}`, { done: e.target.checked }).then(data.reload, (err: unknown) => setError(err instanceof Error ? err : new Error(String(err))));
                }}
              />{' '}
              {i.label}
              {i.mandatory ? '' : ' (optional)'}
              {i.doneAt !== null ? <span className="muted"> — {actorName(i.doneBy ?? '')}, {fmtTime(i.doneAt)}</span> : null}
            </label>
          </li>
        ))}
      </ul>
      <ErrorNote error={error} />
    </fieldset>
  );
}

const STATUS_BADGE: Record<Hazard['status'], string> = { open: 'high', action_taken: 'medium', verified: 'low', recurred: 'critical' };

function modelNames(reg: Registry | undefined, ids: readonly string[]) {
  return ids.map((id) => reg?.models.get(id)?.name ?? id).join(', ');
}

function HazardDetail({ id, role, reg, onChanged }: { id: string; role: Role; reg: Registry | undefined; onChanged: () => void }) {
  const h = useAsync(() => get<Hazard>(`/hazards/${id}`), [id]);
  const [f, setF] = useState<{ rootCause: string; correctiveAction: string; correctiveActionAt: string; preventiveAction: string } | undefined>();
  if (h.error) return <ErrorNote error={h.error} />;
  if (!h.data) return <Loading when />;
  const z = h.data;
  const engineer = role === 'engineer' || role === 'admin';
  const form = f ?? {
    rootCause: z.rootCause ?? '',
    correctiveAction: z.correctiveAction ?? '',
    correctiveActionAt: z.correctiveActionAt ? new Date(z.correctiveActionAt).toISOString().slice(0, 10) : '',
    preventiveAction: z.preventiveAction ?? '',
  };
  const changed = () => {
    setF(undefined);
    h.reload();
    onChanged();
  };
  return (
    <article className="panel" aria-labelledby="hz-h">
      <h2 id="hz-h">
        {z.title} <Badge kind={STATUS_BADGE[z.status]}>{label(z.status)}</Badge>
      </h2>
      <dl className="facts">
        <dt>Responsible department</dt>
        <dd>{label(z.responsibleDepartment)}</dd>
        <dt>Cause / failure mode</dt>
        <dd>
          {z.causeCode} / {label(z.failureMode)}
        </dd>
        <dt>Product lines</dt>
        <dd>{modelNames(reg, z.assetModelIds)}</dd>
        <dt>Owner</dt>
        <dd>{z.owner}</dd>
        <dt>Due</dt>
        <dd>{z.dueOn}</dd>
        <dt>Root cause</dt>
        <dd>{z.rootCause ?? '–'}</dd>
        <dt>Corrective action</dt>
        <dd>
          {z.correctiveAction ?? '–'} {z.correctiveActionAt ? `(from ${fmtTime(z.correctiveActionAt)})` : ''}
        </dd>
        <dt>Preventive action</dt>
        <dd>{z.preventiveAction ?? '–'}</dd>
        <dt>Verification</dt>
        <dd>{z.verifiedAt ? `${actorName(z.verifiedBy ?? '')}, ${fmtTime(z.verifiedAt)}` : 'not verified'}</dd>
        <dt>Recurrence</dt>
        <dd>
          {z.recurrence ? (
            <span className="negative">
              came back: <Link to={`/work-orders/${z.recurrence.workOrderId}`}>work order</Link> completed {fmtTime(z.recurrence.completedAt)}
            </span>
          ) : z.correctiveActionAt ? (
            'none since the corrective action'
          ) : (
            'checked once the corrective action is dated'
          )}
        </dd>
      </dl>
      {engineer && z.verifiedAt === null ? (
        <ActionForm
          label="Close the loop"
          submit="Save"
          action={async () => {
            await send('PATCH', `/hazards/${z.id}`, {
              ...(form.rootCause ? { rootCause: form.rootCause } : {}),
              ...(form.correctiveAction ? { correctiveAction: form.correctiveAction } : {}),
              ...(form.correctiveActionAt ? { correctiveActionAt: Date.parse(`${form.correctiveActionAt}T00:00:00Z`) } : {}),
              ...(form.preventiveAction ? { preventiveAction: form.preventiveAction } : {}),
            });
            changed();
          }}
        >
          <label>
            Root cause
            <textarea value={form.rootCause} onChange={(e) => setF({ ...form, rootCause: e.target.value })} />
          </label>
          <label>
            Corrective action
            <textarea value={form.correctiveAction} onChange={(e) => setF({ ...form, correctiveAction: e.target.value })} />
          </label>
          <label>
            Corrective action effective (UTC day)
            <input type="date" value={form.correctiveActionAt} onChange={(e) => setF({ ...form, correctiveActionAt: e.target.value })} />
          </label>
          <label>
            Preventive action
            <textarea value={form.preventiveAction} onChange={(e) => setF({ ...form, preventiveAction: e.target.value })} />
          </label>
        </ActionForm>
      ) : null}
      {engineer && z.verifiedAt === null ? (
        <ActionForm
          label="Verify the hazard"
          submit="Verify"
          action={async () => {
            await post(`/hazards/${z.id}/verify`);
            changed();
          }}
        >
          <span className="muted">The actions are in place and the problem has not come back.</span>
        </ActionForm>
      ) : null}
    </article>
  );
}

/** Closed-loop hazard records (engineers own them, planners read): list, detail, verify, recurrence. */
export function HazardsView({ selectedId, role }: { selectedId: string | undefined; role: Role }) {
  const reg = useAsync(loadRegistry, []);
  const list = useAsync(() => get<{ items: Hazard[] }>('/hazards'), []);
  const [f, setF] = useState({ title: '', responsibleDepartment: 'design', causeCode: '', failureMode: '', assetModelId: '', owner: '', dueOn: '' });
  if (role === 'account-manager') return <p role="alert">Hazard records are for engineers and planners.</p>;
  const engineer = role === 'engineer' || role === 'admin';
  return (
    <section aria-labelledby="hz-list-h">
      <h1 id="hz-list-h">Hazards</h1>
      <ErrorNote error={list.error} />
      <Loading when={list.loading && !list.data} />
      <div className={selectedId ? 'split' : ''}>
        <div>
          <div className="table-wrap">
            <table>
              <caption>Hazard records</caption>
              <thead>
                <tr>
                  <th scope="col">Hazard</th>
                  <th scope="col">Department</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Due</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {(list.data?.items ?? []).map((h) => (
                  <tr key={h.id} className={h.id === selectedId ? 'selected' : ''}>
                    <td>
                      <Link to={`/hazards/${h.id}`} aria-current={h.id === selectedId ? 'page' : undefined}>
                        {h.title}
                      </Link>
                    </td>
                    <td>{label(h.responsibleDepartment)}</td>
                    <td>{h.owner}</td>
                    <td>{h.dueOn}</td>
                    <td>
                      <Badge kind={STATUS_BADGE[h.status]}>{label(h.status)}</Badge>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {list.data?.items.length === 0 ? <p className="muted">No hazard records yet. Open one from a line of the hazard report.</p> : null}
          </div>
          {engineer ? (
            <ActionForm
              label="Open a hazard record"
              submit="Open hazard"
              action={async () => {
                const { assetModelId, ...rest } = f;
                await post('/hazards', { ...rest, assetModelIds: [assetModelId] });
                setF({ ...f, title: '' });
                list.reload();
              }}
            >
              <label>
                Title
                <input required value={f.title} onChange={(e) => setF({ ...f, title: e.target.value })} />
              </label>
              <label>
                Responsible department
                <select value={f.responsibleDepartment} onChange={(e) => setF({ ...f, responsibleDepartment: e.target.value })}>
                  {INTERNAL_DEPARTMENTS.map((d) => (
                    <option key={d} value={d}>
                      {label(d)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Cause code
                <input required value={f.causeCode} onChange={(e) => setF({ ...f, causeCode: e.target.value.toUpperCase() })} />
              </label>
              <label>
                Failure mode
                <input required value={f.failureMode} onChange={(e) => setF({ ...f, failureMode: e.target.value })} />
              </label>
              <label>
                Product line
                <select required value={f.assetModelId} onChange={(e) => setF({ ...f, assetModelId: e.target.value })}>
                  <option value="">choose a model</option>
                  {[...(reg.data?.models.values() ?? [])].map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Owner
                <input required value={f.owner} onChange={(e) => setF({ ...f, owner: e.target.value })} />
              </label>
              <label>
                Due on
                <input type="date" required value={f.dueOn} onChange={(e) => setF({ ...f, dueOn: e.target.value })} />
              </label>
            </ActionForm>
          ) : null}
        </div>
        {selectedId ? <HazardDetail id={selectedId} role={role} reg={reg.data} onChanged={list.reload} /> : null}
      </div>
    </section>
  );
}
