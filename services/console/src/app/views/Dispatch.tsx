import type { Role } from '@hourmeter/domain';
import { useState } from 'react';
import { get, post } from '../api';
import { ActionForm, Badge, ErrorNote, Link, Loading, fmtNumber, fmtTime, isoDay, label, useAsync } from '../ui';

/** An order on the board (GET /dispatch/board): names beside the ids. */
interface BoardOrder {
  workOrderId: string;
  kind: string;
  state: string;
  severity?: string;
  serialNumber: string;
  assetModelName: string;
  customerName: string;
  siteName: string;
  serviceRegion?: string;
  slaDueAt?: number;
}
interface PlanEntry extends BoardOrder {
  start: number;
  end: number;
  travelKm: number;
  travelMinutes: number;
  withinSla: boolean;
}
interface TechnicianDay {
  date: string;
  availableHours: number;
  absences: { from: number; to: number; reason: string }[];
  jobs: PlanEntry[];
  travelMinutes: number;
}
interface Board {
  dates: string[];
  technicians: { technicianId: string; technicianName: string; serviceRegion: string; days: TechnicianDay[] }[];
  unassigned: BoardOrder[];
}
interface Suggestion {
  technicianId: string;
  technicianName: string;
  serviceRegion: string;
  eligible: boolean;
  start?: number;
  end?: number;
  travelKm?: number;
  travelMinutes?: number;
  withinSla: boolean;
  refusal?: { code: string; message: string };
}

const dayLabel = (d: string) => new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' }).format(Date.parse(`${d}T00:00:00Z`));

function DayCell({ day }: { day: TechnicianDay }) {
  if (day.availableHours === 0 && day.jobs.length === 0) return <span className="muted">{day.absences.length ? `Absent: ${day.absences.map((a) => a.reason).join(', ')}` : 'Off'}</span>;
  return (
    <div>
      {day.absences.map((a) => (
        <p key={a.from} className="small muted">
          Absent {fmtTime(a.from)} – {fmtTime(a.to)}: {a.reason}
        </p>
      ))}
      {day.jobs.length === 0 ? <span className="muted">Free ({fmtNumber(day.availableHours, 1)} h)</span> : null}
      <ol className="plain">
        {day.jobs.map((j) => (
          <li key={j.workOrderId}>
            <Link to={`/work-orders/${j.workOrderId}`}>
              {fmtTime(j.start)} {j.assetModelName} {j.serialNumber}
            </Link>{' '}
            <span className="small">
              {j.customerName}, {j.siteName} · {j.travelMinutes} min drive ({fmtNumber(j.travelKm, 0)} km)
            </span>{' '}
            {j.withinSla ? null : <Badge kind="critical">after SLA</Badge>}
          </li>
        ))}
      </ol>
    </div>
  );
}

function Suggestions({ order, onAssigned }: { order: BoardOrder; onAssigned: () => void }) {
  const s = useAsync(() => get<{ items: Suggestion[]; jobMinutes: number }>(`/work-orders/${order.workOrderId}/suggestions`), [order.workOrderId]);
  return (
    <div className="suggestions">
      <ErrorNote error={s.error} />
      <Loading when={s.loading} />
      {s.data ? (
        <ul className="plain">
          {s.data.items.slice(0, 6).map((c) => (
            <li key={c.technicianId}>
              {c.eligible && c.start !== undefined && c.end !== undefined ? (
                <ActionForm
                  label={`Assign to ${c.technicianName}`}
                  submit={`Assign ${c.technicianName}`}
                  action={async () => {
                    await post(`/work-orders/${order.workOrderId}/assign`, { technicianId: c.technicianId, windowFrom: c.start, windowTo: c.end });
                    onAssigned();
                  }}
                >
                  <span>
                    {fmtTime(c.start)} – {fmtTime(c.end)} · {c.travelMinutes} min drive · {c.serviceRegion} {c.withinSla ? <Badge kind="completed">within SLA</Badge> : <Badge kind="critical">after SLA</Badge>}
                  </span>
                </ActionForm>
              ) : (
                <span className="muted">
                  {c.technicianName}: {c.refusal?.message ?? 'not available'}
                </span>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/**
 * The planner's dispatch board (issue 18): technicians as rows, days as
 * columns with each day's jobs in order and the drive to them; below, the
 * orders nobody has yet, with suggestions and one-click assignment.
 */
export function DispatchView({ role }: { role: Role }) {
  const [date, setDate] = useState(isoDay(Date.now()));
  const [days, setDays] = useState(3);
  const [open, setOpen] = useState<string>();
  const [version, setVersion] = useState(0);
  const board = useAsync(() => get<Board>('/dispatch/board', { date, days }), [date, days, version]);
  const planner = role === 'planner' || role === 'admin';
  const refresh = () => {
    setOpen(undefined);
    setVersion((v) => v + 1);
  };
  const b = board.data;
  return (
    <section aria-labelledby="dispatch-h">
      <h1 id="dispatch-h">Dispatch board</h1>
      <form className="filters" aria-label="Board period" onSubmit={(e) => e.preventDefault()}>
        <label>
          From <input type="date" value={date} onChange={(e) => e.target.value && setDate(e.target.value)} />
        </label>
        <label>
          Days{' '}
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[1, 3, 5, 7].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </form>
      {planner ? (
        <ActionForm
          label="Plan the first day"
          submit={`Plan ${dayLabel(date)} automatically`}
          action={async () => {
            await post('/dispatch/plan', { date, commit: true });
            refresh();
          }}
        >
          <span className="small muted">Assigns the unassigned orders to certified, present technicians, most urgent SLA first.</span>
        </ActionForm>
      ) : null}
      <ErrorNote error={board.error} />
      <Loading when={board.loading && !b} />
      {b && b.technicians.length === 0 ? <p className="muted">No active technicians yet: a planner adds them through /api/v1/technicians.</p> : null}
      {b && b.technicians.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>Jobs per technician and day (times in your time zone; calendars in UTC)</caption>
            <thead>
              <tr>
                <th scope="col">Technician</th>
                {b.dates.map((d) => (
                  <th key={d} scope="col">
                    {dayLabel(d)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {b.technicians.map((t) => (
                <tr key={t.technicianId}>
                  <th scope="row">
                    {t.technicianName} <span className="small muted">{t.serviceRegion}</span>
                  </th>
                  {t.days.map((d) => (
                    <td key={d.date}>
                      <DayCell day={d} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {b ? (
        <div className="table-wrap">
          <table>
            <caption>Unassigned orders, most urgent SLA first</caption>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Asset</th>
                <th scope="col">Customer and site</th>
                <th scope="col">SLA due</th>
                {planner ? <th scope="col">Dispatch</th> : null}
              </tr>
            </thead>
            <tbody>
              {b.unassigned.map((o) => (
                <tr key={o.workOrderId}>
                  <td>
                    <Link to={`/work-orders/${o.workOrderId}`}>{label(o.kind)}</Link> {o.severity ? <Badge kind={o.severity}>{o.severity}</Badge> : null}
                  </td>
                  <td>
                    {o.assetModelName} {o.serialNumber}
                  </td>
                  <td>
                    {o.customerName}, {o.siteName}
                  </td>
                  <td>{fmtTime(o.slaDueAt)}</td>
                  {planner ? (
                    <td>
                      <button type="button" aria-expanded={open === o.workOrderId} onClick={() => setOpen(open === o.workOrderId ? undefined : o.workOrderId)}>
                        {open === o.workOrderId ? 'Hide suggestions' : 'Suggest technicians'}
                      </button>
                      {open === o.workOrderId ? <Suggestions order={o} onAssigned={refresh} /> : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
          {b.unassigned.length === 0 ? <p className="muted">Every active order has a technician.</p> : null}
        </div>
      ) : null}
    </section>
  );
}
