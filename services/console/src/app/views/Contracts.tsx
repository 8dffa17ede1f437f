import type { ContractWithHistory, Customer, InvoiceView, Role } from '@hourmeter/domain';
import { useEffect, useMemo, useRef, useState } from 'react';
import { all, get, getText, post } from '../api';
import { loadRegistry, assetName, mapLimit } from '../data';
import { ActionForm, Badge, Bars, ErrorNote, Link, Loading, fmtHours, fmtMoney, fmtPct, fmtTime, isoDay, label, useAsync } from '../ui';

const H = 3_600_000;
interface Usage {
  totalMs: number;
  days: { assetId: string; day: string; operatingMs: number }[];
  assets: { assetId: string; operatingMs: number }[];
}
interface Availability {
  availabilityPercent: number;
  guaranteePercent: number;
  downtimeMs: number;
  scheduledMs: number;
  creditPercent: number;
}
interface PnlRow {
  key: string;
  currency: string;
  revenue: { totalMinor: number };
  cost: { totalMinor: number };
  marginMinor: number;
}

const month = (d: Date) => d.toISOString().slice(0, 7);
function lastPeriods(n: number, end: string): string[] {
  const [y, m] = end.split('-').map(Number) as [number, number];
  return Array.from({ length: n }, (_, i) => month(new Date(Date.UTC(y, m - 1 - (n - 1 - i), 1))));
}

function InvoicePrint({ invoice, onClose }: { invoice: InvoiceView; onClose: () => void }) {
  const html = useAsync(() => getText(`/invoices/${invoice.id}/print`), [invoice.id]);
  const frame = useRef<HTMLIFrameElement>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  return (
    <dialog
      ref={(el) => {
        dialog.current = el;
        if (el && !el.open) el.showModal();
      }}
      className="print-dialog"
      aria-label={`Invoice ${invoice.number ?? 'draft'}`}
      onClose={onClose}
    >
      <div className="buttons">
        <button type="button" onClick={() => frame.current?.contentWindow?.print()} disabled={!html.data}>
          Print
        </button>
        <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
      <ErrorNote error={html.error} />
      {html.data ? <iframe ref={frame} title="Printable invoice" srcDoc={html.data} sandbox="allow-same-origin allow-modals" /> : <Loading when />}
    </dialog>
  );
}

/** Adjustment lines of an invoice: which issued period and part each corrects. */
function Adjustments({ invoice }: { invoice: InvoiceView }) {
  const adj = invoice.lines.filter((l) => l.kind === 'adjustment');
  if (adj.length === 0) return null;
  return (
    <details className="adjustments">
      <summary>
        {adj.length} adjustment{adj.length === 1 ? '' : 's'}: {fmtMoney(adj.reduce((s, l) => s + l.amountMinor, 0), invoice.currency)}
      </summary>
      <ul>
        {adj.map((l) => (
          <li key={l.lineNo}>
            {l.adjustsPeriod ? `${l.adjustsPeriod.slice(0, 7)} ` : ''}
            {label(l.adjustsKind ?? 'usage')}: {l.description} <strong>{fmtMoney(l.amountMinor, invoice.currency)}</strong>
          </li>
        ))}
      </ul>
    </details>
  );
}

/**
 * Issuing a draft: a closed period is confirmed and issued; a provisional one
 * says when its period closes, and only an admin can force it, with a reason
 * that stays on the invoice.
 */
function IssueDialog({ invoice, role, onClose }: { invoice: InvoiceView; role: Role; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const early = invoice.provisional === true;
  return (
    <dialog
      ref={(el) => {
        dialog.current = el;
        if (el && !el.open) el.showModal();
      }}
      aria-label={`Issue invoice for ${invoice.periodStart} – ${invoice.periodEnd}`}
      onClose={onClose}
    >
      <h3>
        Issue invoice {invoice.periodStart} – {invoice.periodEnd}
      </h3>
      <p>
        Total {fmtMoney(invoice.totalMinor, invoice.currency)}. Issuing assigns the next invoice number and makes it final: later corrections become adjustments on
        the next invoice or credit notes.
      </p>
      {early ? (
        <p className="warning" role="note">
          This draft is provisional: its period closes for late data on {fmtTime(invoice.issuableAt ?? 0)}.{' '}
          {role === 'admin' ? 'You can issue it now with a reason, which is recorded on the invoice.' : 'Issue it then; only an admin can issue it earlier.'}
        </p>
      ) : null}
      {early && role !== 'admin' ? null : (
        <ActionForm
          label="Issue invoice"
          submit={early ? 'Force issue' : 'Issue'}
          action={async () => {
            await post(`/invoices/${invoice.id}/issue`, early ? { force: true, reason } : {});
            dialog.current?.close();
          }}
        >
          {early ? (
            <label>
              Reason for issuing early
              <input required minLength={3} maxLength={1000} value={reason} onChange={(e) => setReason(e.target.value)} />
            </label>
          ) : null}
        </ActionForm>
      )}
      <div className="buttons">
        <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}

function ContractDetail({ contract, customer, role }: { contract: ContractWithHistory; customer: Customer | undefined; role: Role }) {
  const reg = useAsync(loadRegistry, []);
  const [period, setPeriod] = useState(month(new Date()));
  // Only periods inside the contract's term: the API refuses the others.
  const periods = useMemo(
    () => lastPeriods(6, period).filter((p) => p >= contract.startsOn.slice(0, 7) && p <= contract.endsOn.slice(0, 7)),
    [period, contract.startsOn, contract.endsOn],
  );
  const inTerm = period >= contract.startsOn.slice(0, 7) && period <= contract.endsOn.slice(0, 7);
  const usage = useAsync(async () => (inTerm ? get<Usage>(`/contracts/${contract.id}/usage`, { period }) : undefined), [contract.id, period, inTerm]);
  const history = useAsync(
    () =>
      mapLimit(periods, 3, async (p) => ({
        period: p,
        usage: await get<Usage>(`/contracts/${contract.id}/usage`, { period: p }).catch(() => undefined),
        availability: await get<Availability>(`/contracts/${contract.id}/availability`, { period: p }).catch(() => undefined),
      })),
    [contract.id, periods.join(',')],
  );
  const invoices = useAsync(() => all<InvoiceView>('/invoices', { contractId: contract.id }), [contract.id]);
  // Start on the newest invoiced period, if any.
  const newestInvoiced = invoices.data?.map((i) => i.periodStart.slice(0, 7)).sort().at(-1);
  const [periodChosen, setPeriodChosen] = useState(false);
  useEffect(() => {
    if (!periodChosen && newestInvoiced) setPeriod(newestInvoiced);
  }, [newestInvoiced, periodChosen]);
  const [printing, setPrinting] = useState<InvoiceView>();
  const [issuing, setIssuing] = useState<InvoiceView>();
  const terms = contract.versions.at(-1)?.terms;
  const perDay = useMemo(() => {
    const m = new Map<string, number>();
    for (const d of usage.data?.days ?? []) m.set(d.day, (m.get(d.day) ?? 0) + d.operatingMs / H);
    return [...m.entries()].sort().map(([day, hours]) => ({ label: day.slice(5), value: hours }));
  }, [usage.data]);
  return (
    <article className="panel" aria-labelledby="contract-h">
      <h2 id="contract-h">
        {label(contract.kind).toUpperCase()} contract — {customer?.name ?? contract.customerId}
      </h2>
      <dl className="facts">
        <dt>Term</dt>
        <dd>
          {contract.startsOn} – {contract.endsOn} (version {contract.version}, billed {contract.billingPeriod})
        </dd>
        <dt>Assets</dt>
        <dd>
          {contract.versions.at(-1)?.assetIds.map((id) => (
            <span key={id}>
              <Link to={`/assets/${id}`}>{assetName(reg.data, id)}</Link>{' '}
            </span>
          ))}
        </dd>
        {terms?.kind === 'pbh' ? (
          <>
            <dt>Rate</dt>
            <dd>
              {fmtMoney(terms.ratePerHourMinor, contract.currency)} per operating hour, escalation {fmtPct(terms.annualEscalationPercent)} a year, minimum{' '}
              {fmtHours(terms.minimumHoursPerPeriod, 0)} per period
            </dd>
            <dt>Availability guarantee</dt>
            <dd>
              {fmtPct(terms.availabilityGuaranteePercent)} of {terms.scheduledHoursPerPeriod === '24x7' ? '24×7' : fmtHours(terms.scheduledHoursPerPeriod, 0)}; credit{' '}
              {fmtPct(terms.creditSchedule.percentPerStep)} per {terms.creditSchedule.stepPoints} points, capped at {fmtPct(terms.creditSchedule.capPercent)}
            </dd>
          </>
        ) : null}
        {terms?.kind === 'time_and_materials' ? (
          <>
            <dt>Rates</dt>
            <dd>
              labour {fmtMoney(terms.labourRatePerHourMinor, contract.currency)}/h, travel {fmtMoney(terms.travelRatePerHourMinor, contract.currency)}/h, parts +{fmtPct(terms.partsMarkupPercent)}
            </dd>
          </>
        ) : null}
        {terms?.kind === 'warranty' ? (
          <>
            <dt>Covers</dt>
            <dd>{[terms.coversParts ? 'parts' : '', terms.coversLabour ? 'labour' : ''].filter(Boolean).join(' and ') || 'nothing'}</dd>
          </>
        ) : null}
      </dl>

      <div className="filters">
        <label>
          Period
          <input type="month" value={period} onChange={(e) => e.target.value && (setPeriodChosen(true), setPeriod(e.target.value))} />
        </label>
        <ActionForm
          label="Invoice run"
          submit={`Run invoicing for ${period}`}
          action={async () => {
            const run = await post<{ id: string; status: string }>('/invoice-runs', { period });
            for (let i = 0; i < 40; i++) {
              const r = await get<{ status: string }>(`/invoice-runs/${run.id}`);
              if (r.status !== 'running') break;
              await new Promise((res) => setTimeout(res, 500));
            }
            invoices.reload();
          }}
        >
          {null}
        </ActionForm>
      </div>
      <ErrorNote error={usage.error ?? history.error} />
      <p className="kpis">
        <span>
          Usage {period}: <strong>{fmtHours((usage.data?.totalMs ?? 0) / H)}</strong>
        </span>
        <span>
          Availability: <strong>{fmtPct(history.data?.at(-1)?.availability?.availabilityPercent)}</strong> (guaranteed {fmtPct(history.data?.at(-1)?.availability?.guaranteePercent)})
        </span>
      </p>
      <div className="two-col">
        <Bars caption={`Operating hours per day, ${period}`} rows={perDay} format={(v) => fmtHours(v)} />
        <div>
          <Bars caption="Operating hours per period" rows={(history.data ?? []).map((h) => ({ label: h.period, value: (h.usage?.totalMs ?? 0) / H }))} format={(v) => fmtHours(v, 0)} />
          <Bars
            caption="Availability per period (%)"
            rows={(history.data ?? []).filter((h) => h.availability).map((h) => ({ label: h.period, value: h.availability!.availabilityPercent }))}
            format={(v) => fmtPct(v)}
          />
        </div>
      </div>

      <h3>Invoices</h3>
      <ErrorNote error={invoices.error} />
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Invoices of this contract</caption>
          <thead>
            <tr>
              <th scope="col">Period</th>
              <th scope="col">Status</th>
              <th scope="col">Number</th>
              <th scope="col">Total</th>
              <th scope="col">Lines</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(invoices.data ?? []).map((inv) => (
              <tr key={inv.id}>
                <td>
                  {inv.periodStart} – {inv.periodEnd}
                </td>
                <td>
                  <Badge kind={inv.status}>{inv.status}</Badge>{' '}
                  {inv.provisional ? (
                    <Badge kind="provisional">provisional</Badge>
                  ) : null}
                  {inv.provisional && inv.issuableAt ? <div className="small muted">period closes {fmtTime(inv.issuableAt)}</div> : null}
                  {inv.issueForcedReason ? <div className="small muted">issued early: {inv.issueForcedReason}</div> : null}
                </td>
                <td>{inv.number ?? '–'}</td>
                <td>{fmtMoney(inv.totalMinor - inv.creditedMinor, inv.currency)}</td>
                <td>
                  {inv.lines.length}
                  <Adjustments invoice={inv} />
                </td>
                <td className="buttons">
                  <button type="button" className="secondary" onClick={() => setPrinting(inv)}>
                    View / print
                  </button>
                  {inv.status === 'draft' ? (
                    <button type="button" onClick={() => setIssuing(inv)}>
                      Issue…
                    </button>
                  ) : (
                    <span className="small muted">issued {fmtTime(inv.issuedAt)}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {invoices.data?.length === 0 ? <p className="muted">No invoices yet: run invoicing for a period.</p> : null}
      </div>
      {printing ? <InvoicePrint invoice={printing} onClose={() => setPrinting(undefined)} /> : null}
      {issuing ? (
        <IssueDialog
          invoice={issuing}
          role={role}
          onClose={() => {
            setIssuing(undefined);
            invoices.reload();
          }}
        />
      ) : null}
    </article>
  );
}

function Pnl() {
  const to = isoDay(Date.now());
  const from = `${to.slice(0, 4)}-01-01`;
  const [groupBy, setGroupBy] = useState<'contract' | 'customer' | 'assetModel'>('assetModel');
  const pnl = useAsync(() => get<{ rows: PnlRow[] }>('/reports/service-pnl', { groupBy, from, to }), [groupBy, from, to]);
  const reg = useAsync(loadRegistry, []);
  const name = (key: string) => reg.data?.models.get(key)?.code ?? reg.data?.customers.get(key)?.name ?? key;
  const currency = pnl.data?.rows[0]?.currency ?? 'EUR';
  return (
    <section aria-labelledby="pnl-h">
      <h2 id="pnl-h">
        Service P&amp;L {from} – {to}
      </h2>
      <label>
        Group by{' '}
        <select value={groupBy} onChange={(e) => setGroupBy(e.target.value as typeof groupBy)}>
          <option value="assetModel">product line</option>
          <option value="customer">customer</option>
          <option value="contract">contract</option>
        </select>
      </label>
      <ErrorNote error={pnl.error} />
      <Bars caption="Margin (revenue − service cost)" rows={(pnl.data?.rows ?? []).map((r) => ({ label: name(r.key), value: r.marginMinor }))} format={(v) => fmtMoney(v, currency)} />
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Service P&amp;L rows</caption>
          <thead>
            <tr>
              <th scope="col">{label(groupBy)}</th>
              <th scope="col">Revenue</th>
              <th scope="col">Cost</th>
              <th scope="col">Margin</th>
            </tr>
          </thead>
          <tbody>
            {(pnl.data?.rows ?? []).map((r) => (
              <tr key={`${r.key}-${r.currency}`}>
                <td>{name(r.key)}</td>
                <td>{fmtMoney(r.revenue.totalMinor, r.currency)}</td>
                <td>{fmtMoney(r.cost.totalMinor, r.currency)}</td>
                <td className={r.marginMinor < 0 ? 'negative' : ''}>{fmtMoney(r.marginMinor, r.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function ContractsView({ selectedId, role }: { selectedId: string | undefined; role: Role }) {
  const contracts = useAsync(() => all<ContractWithHistory>('/contracts'), []);
  const customers = useAsync(() => all<Customer>('/customers'), []);
  const cust = new Map((customers.data ?? []).map((c) => [c.id, c]));
  const selected = contracts.data?.find((c) => c.id === selectedId);
  return (
    <section aria-labelledby="contracts-h">
      <h1 id="contracts-h">Contracts</h1>
      <ErrorNote error={contracts.error} />
      <Loading when={contracts.loading && !contracts.data} />
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Contracts</caption>
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col">Kind</th>
              <th scope="col">Assets</th>
              <th scope="col">Term</th>
              <th scope="col">Version</th>
            </tr>
          </thead>
          <tbody>
            {(contracts.data ?? []).map((c) => (
              <tr key={c.id} className={c.id === selectedId ? 'selected' : ''}>
                <td>
                  <Link to={`/contracts/${c.id}`} aria-current={c.id === selectedId ? 'page' : undefined}>
                    {cust.get(c.customerId)?.name ?? c.customerId}
                  </Link>
                </td>
                <td>{label(c.kind)}</td>
                <td>{c.versions.at(-1)?.assetIds.length ?? 0}</td>
                <td>
                  {c.startsOn} – {c.endsOn}
                </td>
                <td>{c.version}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {contracts.data?.length === 0 ? <p className="muted">No contracts yet.</p> : null}
      </div>
      {selected ? <ContractDetail key={selected.id} contract={selected} customer={cust.get(selected.customerId)} role={role} /> : null}
      <Pnl />
    </section>
  );
}
