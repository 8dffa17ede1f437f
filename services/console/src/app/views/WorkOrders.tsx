import { RESPONSIBLE_PARTIES } from '@hourmeter/domain/catalogues';
import type { FailureCode, Part, PartRequest, PartReturn, Role, Technician, WorkOrder, WorkOrderCompletion, WorkOrderEvent, Warehouse } from '@hourmeter/domain';
import { useState } from 'react';
import { actorName, all, get, post } from '../api';
import { assetName, loadRegistry, type Registry } from '../data';
import { defaultDowntime } from '../completion-defaults';
import { NewWorkOrder } from './NewWorkOrder';
import { SlaCell, SlaPanel, type SlaView } from './sla';
import { InstallationChecklist, ReturnAnalyses } from './FieldQuality';
import { ActionForm, Badge, ErrorNote, Link, Loading, fmtHours, fmtMoney, fmtNumber, fmtTime, fromInputTime, label, timeZone, toInputTime, useAsync, useLive } from '../ui';
import { VisitSales } from './VisitSales';

interface QueueItem {
  workOrder: WorkOrder;
  customerId: string;
  urgency: number;
  customerValue: number;
  priority: number;
}
interface Level {
  warehouseId: string;
  partId: string;
  onHand: number;
  reserved: number;
  available: number;
}

const DEPARTMENTS = RESPONSIBLE_PARTIES;
const H = 3_600_000;

/** Stock of parts per warehouse (the suggested ones, or the one being recorded on a completion). */
function Availability({ partNumbers, caption = 'Availability of suggested parts per warehouse', empty = 'No suggested parts.' }: { partNumbers: readonly string[]; caption?: string; empty?: string }) {
  const data = useAsync(async () => {
    const warehouses = await all<Warehouse>('/warehouses');
    const parts = (await Promise.all(partNumbers.map((pn) => get<{ items: Part[] }>('/parts', { partNumber: pn })))).flatMap((r) => r.items);
    const levels = (await Promise.all(parts.map((p) => get<{ items: Level[] }>('/stock', { partId: p.id })))).flatMap((r) => r.items);
    return { warehouses: new Map(warehouses.map((w) => [w.id, w])), parts, levels };
  }, [partNumbers.join(',')]);
  if (partNumbers.length === 0) return <p className="muted">{empty}</p>;
  if (data.error) return <ErrorNote error={data.error} />;
  if (!data.data) return <Loading when />;
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Part</th>
          <th scope="col">Warehouse</th>
          <th scope="col">Available</th>
          <th scope="col">On hand</th>
        </tr>
      </thead>
      <tbody>
        {data.data.parts.flatMap((p) => {
          const lv = data.data!.levels.filter((l) => l.partId === p.id);
          if (lv.length === 0)
            return [
              <tr key={p.id}>
                <td>{p.partNumber}</td>
                <td colSpan={3}>not stocked anywhere</td>
              </tr>,
            ];
          return lv.map((l) => (
            <tr key={`${p.id}-${l.warehouseId}`}>
              <td>{p.partNumber}</td>
              <td>{data.data!.warehouses.get(l.warehouseId)?.name ?? l.warehouseId}</td>
              <td>{l.available}</td>
              <td>{l.onHand}</td>
            </tr>
          ));
        })}
      </tbody>
    </table>
  );
}

/** The failure-code catalogue of an order's asset model (empty when it has none). */
function useFailureCodes(modelId: string | undefined) {
  return useAsync(async () => (modelId ? (await get<{ items: FailureCode[] }>(`/asset-models/${modelId}/failure-codes`)).items : []), [modelId]);
}

function Complete({ order, reg, onDone }: { order: WorkOrder; reg: Registry | undefined; onDone: () => void }) {
  const modelId = reg?.assetById.get(order.assetId)?.assetModelId;
  const codes = useFailureCodes(modelId);
  // The parts picker: parts that fit the asset's model, and the locations a technician can name.
  const picker = useAsync(async () => ({ parts: modelId ? await all<Part>('/parts', { assetModelId: modelId }) : [], warehouses: await all<Warehouse>('/warehouses') }), [modelId]);
  const downtime = defaultDowntime(order, Date.now());
  const [f, setF] = useState({
    symptomCode: '',
    causeCode: '',
    remedyCode: '',
    responsibleDepartment: 'none' as (typeof DEPARTMENTS)[number],
    labourHours: '2',
    travelHours: '0',
    downtimeFrom: toInputTime(downtime.from),
    downtimeTo: toInputTime(downtime.to),
    fixedOnFirstVisit: true,
    partNumber: '',
    quantity: '1',
    warehouseId: '',
  });
  const chosen = picker.data?.parts.find((p) => p.partNumber === f.partNumber);
  // Stock of the chosen part by location, so the planner names a location that has it.
  const stock = useAsync(async () => (chosen ? (await get<{ items: Level[] }>('/stock', { partId: chosen.id })).items : []), [chosen?.id]);
  const availableAt = new Map((stock.data ?? []).map((l) => [l.warehouseId, l.available]));
  const set = (patch: Partial<typeof f>) => setF({ ...f, ...patch });
  const codeInput = (kind: 'symptom' | 'cause' | 'remedy', key: 'symptomCode' | 'causeCode' | 'remedyCode', text: string) => {
    const options = (codes.data ?? []).filter((c) => c.kind === kind);
    return (
      <label>
        {text}
        {/* A select while the asset's model or its catalogue loads, so the field does not change kind under the user. */}
        {!modelId || codes.loading || options.length > 0 ? (
          <select required value={f[key]} onChange={(e) => set({ [key]: e.target.value })}>
            <option value="">choose a {kind} code</option>
            {options.map((c) => (
              <option key={c.code} value={c.code}>
                {c.code} — {c.description}
              </option>
            ))}
          </select>
        ) : (
          // A model without a catalogue takes any code.
          <input required value={f[key]} onChange={(e) => set({ [key]: e.target.value.toUpperCase() })} />
        )}
      </label>
    );
  };
  return (
    <ActionForm
      label="Complete the work order"
      submit="Complete work order"
      className="action-form grid-form"
      action={async () => {
        await post(`/work-orders/${order.id}/complete`, {
          symptomCode: f.symptomCode,
          causeCode: f.causeCode,
          remedyCode: f.remedyCode,
          responsibleDepartment: f.responsibleDepartment,
          labourHours: Number(f.labourHours),
          travelHours: Number(f.travelHours),
          downtimeFrom: fromInputTime(f.downtimeFrom),
          downtimeTo: fromInputTime(f.downtimeTo),
          fixedOnFirstVisit: f.fixedOnFirstVisit,
          partsConsumed: f.partNumber ? [{ partNumber: f.partNumber, quantity: Number(f.quantity), ...(f.warehouseId ? { warehouseId: f.warehouseId } : {}) }] : [],
        });
        onDone();
      }}
    >
      {codeInput('symptom', 'symptomCode', 'Symptom code')}
      {codeInput('cause', 'causeCode', 'Cause code')}
      {codeInput('remedy', 'remedyCode', 'Remedy code')}
      <label>
        Responsible department
        <select value={f.responsibleDepartment} onChange={(e) => set({ responsibleDepartment: e.target.value as (typeof DEPARTMENTS)[number] })}>
          {DEPARTMENTS.map((d) => (
            <option key={d} value={d}>
              {label(d)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Labour hours
        <input type="number" min="0" step="0.25" required value={f.labourHours} onChange={(e) => set({ labourHours: e.target.value })} />
      </label>
      <label>
        Travel hours
        <input type="number" min="0" step="0.25" value={f.travelHours} onChange={(e) => set({ travelHours: e.target.value })} />
      </label>
      <label>
        Downtime from ({timeZone()})
        <input type="datetime-local" required value={f.downtimeFrom} onChange={(e) => set({ downtimeFrom: e.target.value })} />
      </label>
      <label>
        Downtime to ({timeZone()})
        <input type="datetime-local" required value={f.downtimeTo} onChange={(e) => set({ downtimeTo: e.target.value })} />
      </label>
      <label>
        Part consumed (optional)
        <select value={f.partNumber} onChange={(e) => set({ partNumber: e.target.value, warehouseId: '' })}>
          <option value="">none</option>
          {(picker.data?.parts ?? []).map((p) => (
            <option key={p.id} value={p.partNumber}>
              {p.partNumber} — {p.description}
            </option>
          ))}
        </select>
      </label>
      <label>
        Quantity
        <input type="number" min="1" value={f.quantity} onChange={(e) => set({ quantity: e.target.value })} />
      </label>
      <label>
        Taken from
        <select value={f.warehouseId} onChange={(e) => set({ warehouseId: e.target.value })}>
          <option value="">the reservation, else the nearest location with stock</option>
          {(picker.data?.warehouses ?? []).map((w) => (
            <option key={w.id} value={w.id}>
              {w.name} ({w.code}){chosen ? ` — ${availableAt.get(w.id) ?? 0} available` : ''}
            </option>
          ))}
        </select>
      </label>
      {chosen ? (
        <div className="wide">
          <Availability partNumbers={[chosen.partNumber]} caption={`Stock of ${chosen.partNumber} by location`} />
        </div>
      ) : null}
      <label className="inline">
        <input type="checkbox" checked={f.fixedOnFirstVisit} onChange={(e) => set({ fixedOnFirstVisit: e.target.checked })} /> Fixed on the first visit
      </label>
    </ActionForm>
  );
}

/** What the completion recorded and what it cost, in major units, with who pays. */
function CompletionRecord({ order, reg }: { order: WorkOrder; reg: Registry | undefined }) {
  const c = useAsync(() => get<WorkOrderCompletion>(`/work-orders/${order.id}/completion`), [order.id, order.updatedAt]);
  const codes = useFailureCodes(reg?.assetById.get(order.assetId)?.assetModelId);
  if (c.error) return <ErrorNote error={c.error} />;
  if (!c.data) return <Loading when />;
  const r = c.data;
  const code = (value: string) => {
    const d = codes.data?.find((x) => x.code === value)?.description;
    return d ? `${value} — ${d}` : value;
  };
  const money = (m: { amountMinor: number; currency: string }) => fmtMoney(m.amountMinor, m.currency);
  return (
    <section aria-labelledby="wo-completion-h">
      <h3 id="wo-completion-h">Completion record</h3>
      <dl className="facts">
        <dt>Symptom</dt>
        <dd>{code(r.symptomCode)}</dd>
        <dt>Cause</dt>
        <dd>{code(r.causeCode)}</dd>
        <dt>Remedy</dt>
        <dd>{code(r.remedyCode)}</dd>
        <dt>Responsible</dt>
        <dd>{label(r.responsibleDepartment)}</dd>
        <dt>Downtime</dt>
        <dd>
          {fmtTime(r.downtimeFrom)} – {fmtTime(r.downtimeTo)}
        </dd>
        <dt>Labour / travel</dt>
        <dd>
          {fmtHours(r.labourHours, 2)} / {fmtHours(r.travelHours, 2)}
        </dd>
        <dt>First-time fix</dt>
        <dd>{r.firstTimeFix ? 'yes' : 'no'}</dd>
        <dt>In warranty</dt>
        <dd>{r.inWarranty ? 'yes' : 'no'}</dd>
        <dt>Signed off by</dt>
        <dd>
          {actorName(r.completedBy)}, {fmtTime(r.completedAt)}
        </dd>
      </dl>
      <table>
        <caption>Cost of the completion</caption>
        <tbody>
          {r.partsConsumed.map((p) => (
            <tr key={p.partId}>
              <th scope="row">
                {p.quantity} × {p.partNumber} at {money(p.unitCost)}
              </th>
              <td>{fmtMoney(p.unitCost.amountMinor * p.quantity, p.unitCost.currency)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">Parts</th>
            <td>{money(r.partsCost)}</td>
          </tr>
          <tr>
            <th scope="row">Labour</th>
            <td>{money(r.labourCost)}</td>
          </tr>
          <tr>
            <th scope="row">Travel</th>
            <td>{money(r.travelCost)}</td>
          </tr>
          <tr>
            <th scope="row">Total</th>
            <td>
              <strong>{money(r.totalCost)}</strong>
            </td>
          </tr>
          <tr>
            <th scope="row">Charged to</th>
            <td>{label(r.chargedTo)}</td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}

/** Parts back from a completed order: unused ones onto the shelf, defective ones (the replaced units) for the reconciliation. */
function Returns({ order }: { order: WorkOrder }) {
  const data = useAsync(async () => {
    const [returns, warehouses] = await Promise.all([get<{ items: PartReturn[] }>(`/work-orders/${order.id}/returns`), all<Warehouse>('/warehouses')]);
    return { returns: returns.items, warehouses };
  }, [order.id]);
  const [f, setF] = useState({ partNumber: '', quantity: '1', condition: 'defective' as PartReturn['condition'], warehouseId: '' });
  const names = new Map((data.data?.warehouses ?? []).map((w) => [w.id, w.name]));
  return (
    <>
      {(data.data?.returns.length ?? 0) > 0 ? (
        <table>
          <caption>Parts returned</caption>
          <thead>
            <tr>
              <th scope="col">Part</th>
              <th scope="col">Qty</th>
              <th scope="col">Condition</th>
              <th scope="col">Location</th>
              <th scope="col">Serial numbers</th>
            </tr>
          </thead>
          <tbody>
            {data.data!.returns.map((r) => (
              <tr key={r.id}>
                <td>{r.partNumber}</td>
                <td>{r.quantity}</td>
                <td>{r.condition}</td>
                <td>{names.get(r.warehouseId) ?? r.warehouseId}</td>
                <td>{r.serialNumbers?.join(', ') ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <ReturnAnalyses order={order} reloadKey={data.data?.returns.length} />
      <ActionForm
        label="Record a returned part"
        submit="Record return"
        action={async () => {
          await post(`/work-orders/${order.id}/returns`, { partNumber: f.partNumber, quantity: Number(f.quantity), condition: f.condition, warehouseId: f.warehouseId });
          setF({ ...f, partNumber: '' });
          data.reload();
        }}
      >
        <label>
          Returned part
          <input required value={f.partNumber} onChange={(e) => setF({ ...f, partNumber: e.target.value })} />
        </label>
        <label>
          Returned quantity
          <input type="number" min="1" required value={f.quantity} onChange={(e) => setF({ ...f, quantity: e.target.value })} />
        </label>
        <label>
          Condition
          <select value={f.condition} onChange={(e) => setF({ ...f, condition: e.target.value as PartReturn['condition'] })}>
            <option value="defective">defective (the replaced unit)</option>
            <option value="unused">unused (back on the shelf)</option>
          </select>
        </label>
        <label>
          Received at
          <select required value={f.warehouseId} onChange={(e) => setF({ ...f, warehouseId: e.target.value })}>
            <option value="">choose a location</option>
            {(data.data?.warehouses ?? []).map((w) => (
              <option key={w.id} value={w.id}>
                {w.name} ({w.code})
              </option>
            ))}
          </select>
        </label>
      </ActionForm>
    </>
  );
}

/** The assigned technician's name (issue 18); older orders carry free text instead. */
function TechnicianName({ id }: { id: string }) {
  const t = useAsync(() => get<{ name: string }>(`/technicians/${id}`), [id]);
  return <Link to="/dispatch">{t.data?.name ?? '…'}</Link>;
}

/**
 * Assigns a technician through dispatch: the server refuses one who lacks the
 * model's certification, is absent, off calendar or booked, and says why.
 */
function Assign({ order, onDone }: { order: WorkOrder; onDone: () => void }) {
  const techs = useAsync(() => all<Technician>('/technicians', { active: 'true' }), []);
  const [f, setF] = useState({ technicianId: order.technicianId ?? '', from: toInputTime(order.windowFrom ?? Date.now() + H), to: toInputTime(order.windowTo ?? Date.now() + 3 * H) });
  return (
    <ActionForm
      label="Assign a technician"
      submit="Assign"
      action={async () => {
        await post(`/work-orders/${order.id}/assign`, { technicianId: f.technicianId, windowFrom: fromInputTime(f.from), windowTo: fromInputTime(f.to) });
        onDone();
      }}
    >
      <label>
        Assign to
        <select required value={f.technicianId} onChange={(e) => setF({ ...f, technicianId: e.target.value })}>
          <option value="">choose a technician</option>
          {(techs.data ?? []).map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
              {t.serviceRegion ? ` · ${t.serviceRegion}` : ''}
            </option>
          ))}
        </select>
      </label>
      <label>
        Visit from ({timeZone()})
        <input type="datetime-local" required value={f.from} onChange={(e) => setF({ ...f, from: e.target.value })} />
      </label>
      <label>
        Visit until ({timeZone()})
        <input type="datetime-local" required value={f.to} onChange={(e) => setF({ ...f, to: e.target.value })} />
      </label>
    </ActionForm>
  );
}

function Detail({ id, role, reg, onChanged }: { id: string; role: Role; reg: Registry | undefined; onChanged: () => void }) {
  const order = useAsync(() => get<WorkOrder>(`/work-orders/${id}`), [id]);
  const events = useAsync(() => get<{ items: WorkOrderEvent[] }>(`/work-orders/${id}/events`), [id, order.data?.updatedAt]);
  const parts = useAsync(() => get<{ items: PartRequest[] }>(`/work-orders/${id}/parts`), [id, order.data?.updatedAt]);
  useLive(['workorder.'], order.reload);
  const [tech, setTech] = useState({ technician: '', from: toInputTime(Date.now() + H), to: toInputTime(Date.now() + 5 * H) });
  const [partNumber, setPartNumber] = useState('');
  const [cancelReason, setCancelReason] = useState('');
  const done = () => {
    order.reload();
    onChanged();
  };
  const w = order.data;
  if (order.error) return <ErrorNote error={order.error} />;
  if (!w) return <Loading when />;
  const planner = role === 'admin' || role === 'planner';
  const active = w.state !== 'completed' && w.state !== 'cancelled';
  return (
    <article className="panel" aria-labelledby="wo-h">
      <h2 id="wo-h">
        {label(w.kind)} order {w.failureMode ? `— ${label(w.failureMode)}` : ''} <Badge kind={w.state}>{label(w.state)}</Badge>
      </h2>
      <dl className="facts">
        <dt>Asset</dt>
        <dd>
          <Link to={`/assets/${w.assetId}`}>{assetName(reg, w.assetId)}</Link>
        </dd>
        <dt>Severity</dt>
        <dd>{w.severity ? <Badge kind={w.severity}>{w.severity}</Badge> : '–'}</dd>
        <dt>RUL when opened</dt>
        <dd>{fmtHours(w.rulHours, 0)}</dd>
        <dt>Alert</dt>
        <dd>{w.alertId ? <Link to={`/alerts/${w.alertId}`}>{w.alertId}</Link> : '–'}</dd>
        <dt>Reason</dt>
        <dd>{w.reason ?? w.description ?? '–'}</dd>
        <dt>Technician</dt>
        <dd>
          {w.technicianId ? <TechnicianName id={w.technicianId} /> : (w.technician ?? '–')} {w.windowFrom ? `${fmtTime(w.windowFrom)} – ${fmtTime(w.windowTo)}` : ''}
        </dd>
        <dt>SLA due</dt>
        <dd>{fmtTime(w.slaDueAt)}</dd>
        <dt>Suggested parts</dt>
        <dd>{w.suggestedPartNumbers?.join(', ') || '–'}</dd>
      </dl>
      <Availability partNumbers={w.suggestedPartNumbers ?? []} />
      {(parts.data?.items.length ?? 0) > 0 ? (
        <table>
          <caption>Part requests</caption>
          <thead>
            <tr>
              <th scope="col">Part</th>
              <th scope="col">Qty</th>
              <th scope="col">State</th>
              <th scope="col">Sourcing</th>
            </tr>
          </thead>
          <tbody>
            {parts.data!.items.map((p) => (
              <tr key={p.id}>
                <td>{p.partNumber}</td>
                <td>{p.quantity}</td>
                <td>{label(p.state)}</td>
                <td>{p.sourcing}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {planner && active && (w.state === 'open' || w.state === 'scheduled') ? (
        <ActionForm
          label="Schedule and assign"
          submit={w.state === 'scheduled' ? 'Reschedule' : 'Schedule'}
          action={async () => {
            await post(`/work-orders/${w.id}/schedule`, { technician: tech.technician, windowFrom: fromInputTime(tech.from), windowTo: fromInputTime(tech.to) });
            done();
          }}
        >
          <label>
            Technician
            <input required value={tech.technician} onChange={(e) => setTech({ ...tech, technician: e.target.value })} />
          </label>
          <label>
            Window from ({timeZone()})
            <input type="datetime-local" required value={tech.from} onChange={(e) => setTech({ ...tech, from: e.target.value })} />
          </label>
          <label>
            Window to ({timeZone()})
            <input type="datetime-local" required value={tech.to} onChange={(e) => setTech({ ...tech, to: e.target.value })} />
          </label>
        </ActionForm>
      ) : null}
      {planner && (w.state === 'open' || w.state === 'scheduled') ? <Assign order={w} onDone={done} /> : null}
      {planner && active ? (
        <ActionForm
          label="Reserve a part"
          submit="Reserve part"
          action={async () => {
            await post(`/work-orders/${w.id}/parts`, { partNumber, quantity: 1 });
            setPartNumber('');
            parts.reload();
          }}
        >
          <label>
            Part number
            <input required value={partNumber} onChange={(e) => setPartNumber(e.target.value)} />
          </label>
        </ActionForm>
      ) : null}
      {w.state === 'scheduled' && role !== 'account-manager' ? (
        <ActionForm
          label="Start the work"
          submit="Start work"
          action={async () => {
            await post(`/work-orders/${w.id}/start`);
            done();
          }}
        >
          <span className="muted">Technician on site?</span>
        </ActionForm>
      ) : null}
      {planner && active ? (
        <ActionForm
          label="Cancel the work order"
          submit="Cancel order"
          action={async () => {
            await post(`/work-orders/${w.id}/cancel`, cancelReason.trim() ? { reason: cancelReason.trim() } : {});
            done();
          }}
        >
          <label>
            Cancellation reason
            <input maxLength={2000} value={cancelReason} onChange={(e) => setCancelReason(e.target.value)} />
          </label>
        </ActionForm>
      ) : null}
      {w.kind === 'installation' ? <InstallationChecklist order={w} canTick={role !== 'account-manager'} /> : null}
      {w.state === 'in_progress' && role !== 'account-manager' ? <Complete order={w} reg={reg} onDone={done} /> : null}
      {w.state === 'completed' ? <p className="ok">Completed {fmtTime(w.completedAt)}.</p> : null}
      {w.state === 'completed' ? <CompletionRecord order={w} reg={reg} /> : null}
      {w.state === 'completed' && role !== 'account-manager' ? <Returns order={w} /> : null}
      <SlaPanel workOrderId={w.id} active={active} role={role} onChanged={done} />
      <VisitSales order={w} />
      <h3>Events</h3>
      <ol className="history">
        {(events.data?.items ?? []).map((e, i) => (
          <li key={i}>
            {fmtTime(e.at)}: {e.fromState ? label(e.fromState) : '–'} → <strong>{label(e.toState)}</strong> by {actorName(e.actor)}
            {e.note ? ` — ${e.note}` : ''}
          </li>
        ))}
      </ol>
    </article>
  );
}

export function WorkOrdersView({ selectedId, role }: { selectedId: string | undefined; role: Role }) {
  const reg = useAsync(loadRegistry, []);
  const queue = useAsync(() => get<{ items: QueueItem[] }>('/work-orders/queue'), []);
  const sla = useAsync(async () => new Map((await get<{ items: SlaView[] }>('/sla/orders')).items.map((v) => [v.workOrderId, v])), []);
  const recent = useAsync(() => get<{ items: WorkOrder[] }>('/work-orders', { state: 'completed', limit: 20 }), []);
  const reload = () => {
    queue.reload();
    recent.reload();
    sla.reload();
  };
  useLive(['workorder.', 'alert.'], reload);
  if (role === 'account-manager') return <p role="alert">Work orders are for planners and engineers.</p>;
  return (
    <section aria-labelledby="wo-list-h">
      <h1 id="wo-list-h">Work orders</h1>
      {role === 'planner' || role === 'admin' ? (
        <details className="panel">
          <summary>New work order</summary>
          {reg.data ? <NewWorkOrder reg={reg.data} onCreated={reload} /> : <Loading when />}
        </details>
      ) : null}
      <ErrorNote error={queue.error} />
      <Loading when={queue.loading && !queue.data} />
      <div className={selectedId ? 'split' : ''}>
        <div>
          <div className="table-wrap">
            <table>
              <caption>Queue by priority (urgency × customer value)</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Order</th>
                  <th scope="col">Asset</th>
                  <th scope="col">State</th>
                  <th scope="col">Priority</th>
                  <th scope="col">SLA</th>
                  <th scope="col">Customer</th>
                </tr>
              </thead>
              <tbody>
                {(queue.data?.items ?? []).map((q, i) => (
                  <tr key={q.workOrder.id} className={q.workOrder.id === selectedId ? 'selected' : ''}>
                    <td>{i + 1}</td>
                    <td>
                      <Link to={`/work-orders/${q.workOrder.id}`} aria-current={q.workOrder.id === selectedId ? 'page' : undefined}>
                        {label(q.workOrder.kind)} {q.workOrder.failureMode ? label(q.workOrder.failureMode) : ''}
                      </Link>
                    </td>
                    <td>{assetName(reg.data, q.workOrder.assetId)}</td>
                    <td>
                      <Badge kind={q.workOrder.state}>{label(q.workOrder.state)}</Badge>
                    </td>
                    <td title={`urgency ${fmtNumber(q.urgency)}, customer value ${fmtNumber(q.customerValue)}`}>{fmtNumber(q.priority)}</td>
                    <td>
                      <SlaCell v={sla.data?.get(q.workOrder.id)} />
                    </td>
                    <td>{reg.data?.customers.get(q.customerId)?.name ?? q.customerId}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {queue.data?.items.length === 0 ? <p className="muted">The queue is empty.</p> : null}
          </div>
          <div className="table-wrap">
            <table>
              <caption>Recently completed</caption>
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">Asset</th>
                  <th scope="col">Completed</th>
                </tr>
              </thead>
              <tbody>
                {(recent.data?.items ?? []).map((w) => (
                  <tr key={w.id}>
                    <td>
                      <Link to={`/work-orders/${w.id}`}>
                        {label(w.kind)} {w.failureMode ? label(w.failureMode) : ''}
                      </Link>
                    </td>
                    <td>{assetName(reg.data, w.assetId)}</td>
                    <td>{fmtTime(w.completedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
        {selectedId ? <Detail id={selectedId} role={role} reg={reg.data} onChanged={reload} /> : null}
      </div>
    </section>
  );
}
