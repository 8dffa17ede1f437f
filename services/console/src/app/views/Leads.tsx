import type { Lead, LeadState } from '@hourmeter/domain';
import { useState } from 'react';
import { get, post } from '../api';
import { ActionForm, Badge, ErrorNote, Loading, fmtDate, fmtMoney, fmtPct, label, parseMajor, useAsync } from '../ui';

interface ReportRow {
  technician: string;
  region: string | null;
  month: string;
  currency: string;
  leads: number;
  won: number;
  lost: number;
  disqualified: number;
  conversionRate: number;
  wonMinor: number;
  payoutMinor: number;
}

const STATES: readonly LeadState[] = ['open', 'qualified', 'disqualified', 'won', 'lost'];

/** What the account manager may decide on a lead in its state (the server refuses anything else with 409). */
function Decide({ lead, onDone }: { lead: Lead; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const [won, setWon] = useState('');
  const decide = async (body: object) => {
    await post(`/leads/${lead.id}/decisions`, body);
    onDone();
  };
  if (lead.state === 'open') {
    return (
      <div className="actions">
        <ActionForm label={`Qualify lead ${lead.product}`} submit="Qualify" action={() => decide({ action: 'qualify' })}>
          {null}
        </ActionForm>
        <ActionForm label={`Disqualify lead ${lead.product}`} submit="Disqualify" action={() => decide({ action: 'disqualify', reason })}>
          <label>
            Reason
            <input required value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
        </ActionForm>
      </div>
    );
  }
  if (lead.state === 'qualified') {
    return (
      <div className="actions">
        <ActionForm
          label={`Win lead ${lead.product}`}
          submit="Won"
          action={async () => {
            const wonMinor = parseMajor(won);
            if (wonMinor === undefined || wonMinor <= 0) throw new Error('Won value: a positive amount such as 12500.00');
            await decide({ action: 'win', wonMinor });
          }}
        >
          <label>
            Won value ({lead.currency})
            <input required inputMode="decimal" value={won} onChange={(e) => setWon(e.target.value)} />
          </label>
        </ActionForm>
        <ActionForm label={`Lose lead ${lead.product}`} submit="Lost" action={() => decide({ action: 'lose', reason })}>
          <label>
            Reason
            <input required value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
        </ActionForm>
      </div>
    );
  }
  return <span className="muted">{lead.reason ?? (lead.payoutMinor !== null ? `payout ${fmtMoney(lead.payoutMinor, lead.currency)}` : 'closed')}</span>;
}

/** Account manager's leads from service visits: filter, qualify, win or lose, and the report by technician, region and month. */
export function LeadsView() {
  const [state, setState] = useState<LeadState | ''>('');
  const [technician, setTechnician] = useState('');
  const data = useAsync(async () => {
    const q: Record<string, string> = {};
    if (state) q.state = state;
    if (technician.trim()) q.technician = technician.trim();
    const [leads, report] = await Promise.all([get<{ items: Lead[] }>('/leads', q), get<{ items: ReportRow[] }>('/leads/report')]);
    return { leads: leads.items, report: report.items };
  }, [state, technician]);
  const d = data.data;
  return (
    <section aria-labelledby="leads-h">
      <h1 id="leads-h">Leads</h1>
      <div className="filters">
        <label>
          State
          <select value={state} onChange={(e) => setState(e.target.value as LeadState | '')}>
            <option value="">all</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Technician
          <input value={technician} onChange={(e) => setTechnician(e.target.value)} />
        </label>
      </div>
      <ErrorNote error={data.error} />
      <Loading when={data.loading && !d} />
      {d && d.leads.length === 0 ? <p className="muted">No leads match.</p> : null}
      {d && d.leads.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>Leads recorded on service visits, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Recorded</th>
                <th scope="col">Product</th>
                <th scope="col">Need</th>
                <th scope="col">Technician</th>
                <th scope="col">Region</th>
                <th scope="col">Estimated</th>
                <th scope="col">Contact</th>
                <th scope="col">State</th>
                <th scope="col">Decision</th>
              </tr>
            </thead>
            <tbody>
              {d.leads.map((l) => (
                <tr key={l.id}>
                  <td>{fmtDate(l.createdAt)}</td>
                  <td>{l.product}</td>
                  <td>{l.need}</td>
                  <td>{l.technician}</td>
                  <td>{l.region ?? '–'}</td>
                  <td>{fmtMoney(l.estimatedMinor, l.currency)}</td>
                  <td>{[l.contact.name, l.contact.email, l.contact.phone].filter(Boolean).join(' · ')}</td>
                  <td>
                    <Badge kind={l.state}>{label(l.state)}</Badge>
                  </td>
                  <td>
                    <Decide lead={l} onDone={data.reload} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {d ? (
        <div className="table-wrap">
          <table>
            <caption>Leads, conversion (won / recorded) and won value by technician, region and month</caption>
            <thead>
              <tr>
                <th scope="col">Technician</th>
                <th scope="col">Region</th>
                <th scope="col">Month</th>
                <th scope="col">Leads</th>
                <th scope="col">Won</th>
                <th scope="col">Conversion</th>
                <th scope="col">Won value</th>
                <th scope="col">Payout</th>
              </tr>
            </thead>
            <tbody>
              {d.report.map((r) => (
                <tr key={`${r.technician}|${r.region}|${r.month}|${r.currency}`}>
                  <td>{r.technician}</td>
                  <td>{r.region ?? '–'}</td>
                  <td>{r.month}</td>
                  <td>{r.leads}</td>
                  <td>{r.won}</td>
                  <td>{fmtPct(r.conversionRate * 100, 0)}</td>
                  <td>{fmtMoney(r.wonMinor, r.currency)}</td>
                  <td>{fmtMoney(r.payoutMinor, r.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {d.report.length === 0 ? <p className="muted">No leads recorded yet.</p> : null}
        </div>
      ) : null}
    </section>
  );
}
