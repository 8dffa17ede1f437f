import type { Role, WorkOrderHold } from '@hourmeter/domain';
import { useState } from 'react';
import { get, post } from '../api';
import { ActionForm, Badge, ErrorNote, fmtTime, label, useAsync } from '../ui';

/** An order's SLA as GET /sla/orders and /work-orders/:id/sla answer it. */
export interface SlaView {
  workOrderId: string;
  assetId: string;
  state: string;
  priority: string;
  basis: string;
  customerClass: string;
  responseDueAt: number;
  responseState: SlaState;
  fixDueAt: number;
  fixState: SlaState;
  status: SlaState;
  msLeft: number | null;
  pausedMs: number;
  onHold: string | null;
}
export type SlaState = 'met' | 'on_track' | 'at_risk' | 'breached';

const MIN = 60_000;

/** "2 h 05 min" for a duration; days beyond 48 hours. */
export function fmtDuration(ms: number): string {
  const m = Math.round(Math.abs(ms) / MIN);
  if (m >= 48 * 60) return `${Math.round(m / (24 * 60))} d`;
  const h = Math.floor(m / 60);
  return h > 0 ? `${h} h ${String(m % 60).padStart(2, '0')} min` : `${m} min`;
}

const STATE_TEXT: Record<SlaState, string> = { breached: 'Breached', at_risk: 'At risk', on_track: 'On track', met: 'Met' };

/** Status and time left of an order's next due promise (response until the technician is on site, then the fix). */
export function SlaCell({ v }: { v: SlaView | undefined }) {
  if (!v) return <span className="muted">no SLA</span>;
  const which = v.responseState === 'met' ? 'fix' : 'response';
  const left = v.msLeft === null ? '' : v.msLeft >= 0 ? `${which} due in ${fmtDuration(v.msLeft)}` : `${which} overdue by ${fmtDuration(v.msLeft)}`;
  return (
    <span title={`${v.priority}, class ${v.customerClass}; response due ${fmtTime(v.responseDueAt)}, fix due ${fmtTime(v.fixDueAt)}`}>
      <Badge kind={`sla-${v.status}`}>{STATE_TEXT[v.status]}</Badge> {v.priority} {left}
      {v.onHold ? <span className="muted"> · on hold ({label(v.onHold)})</span> : null}
    </span>
  );
}

/** The SLA panel of a work order: its promise, due times, holds; planners and engineers hold and resume. */
export function SlaPanel({ workOrderId, active, role, onChanged }: { workOrderId: string; active: boolean; role: Role; onChanged: () => void }) {
  const data = useAsync(() => get<{ sla: { basis: string; priority: string; customerClass: string } | null; view: SlaView | null; holds: WorkOrderHold[] }>(`/work-orders/${workOrderId}/sla`), [workOrderId]);
  const [hold, setHold] = useState({ reason: 'waiting_on_customer', note: '' });
  const may = role === 'planner' || role === 'engineer' || role === 'admin';
  const open = data.data?.holds.find((h) => h.endedAt === undefined);
  const changed = () => {
    data.reload();
    onChanged();
  };
  return (
    <section aria-label="SLA">
      <h3>SLA</h3>
      <ErrorNote error={data.error} />
      {data.data && !data.data.sla ? <p className="muted">No SLA: nothing is promised for this order's priority.</p> : null}
      {data.data?.view ? (
        <dl className="facts">
          <div>
            <dt>Status</dt>
            <dd>
              <SlaCell v={data.data.view} />
            </dd>
          </div>
          <div>
            <dt>Response due</dt>
            <dd>
              {fmtTime(data.data.view.responseDueAt)} ({label(data.data.view.responseState)})
            </dd>
          </div>
          <div>
            <dt>Fix due</dt>
            <dd>
              {fmtTime(data.data.view.fixDueAt)} ({label(data.data.view.fixState)})
            </dd>
          </div>
          <div>
            <dt>From</dt>
            <dd>{data.data.view.basis === 'override' ? 'set by hand (override)' : data.data.view.basis === 'contract' ? 'the contract' : `customer class ${data.data.view.customerClass}`}</dd>
          </div>
          <div>
            <dt>Paused (waiting on customer)</dt>
            <dd>{fmtDuration(data.data.view.pausedMs)}</dd>
          </div>
        </dl>
      ) : null}
      {may && active && !open ? (
        <ActionForm
          label="Put on hold"
          submit="Put on hold"
          action={async () => {
            await post(`/work-orders/${workOrderId}/hold`, { reason: hold.reason, ...(hold.note.trim() ? { note: hold.note.trim() } : {}) });
            setHold({ ...hold, note: '' });
            changed();
          }}
        >
          <label>
            Hold reason
            <select value={hold.reason} onChange={(e) => setHold({ ...hold, reason: e.target.value })}>
              <option value="waiting_on_customer">waiting on customer (pauses the SLA)</option>
              <option value="waiting_on_parts">waiting on parts</option>
              <option value="other">other</option>
            </select>
          </label>
          <label>
            Note
            <input value={hold.note} onChange={(e) => setHold({ ...hold, note: e.target.value })} />
          </label>
        </ActionForm>
      ) : null}
      {may && active && open ? (
        <ActionForm
          label="Resume"
          submit="Resume work"
          action={async () => {
            await post(`/work-orders/${workOrderId}/resume`);
            changed();
          }}
        >
          <span className="muted">
            On hold since {fmtTime(open.startedAt)}: {label(open.reason)}
          </span>
        </ActionForm>
      ) : null}
    </section>
  );
}
