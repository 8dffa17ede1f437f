import type { ContractWithHistory, CreditNoteView, Customer, CustomerBilling, InvoiceView, PaymentView, Role, TaxTreatment } from '@hourmeter/domain';
import { useEffect, useMemo, useRef, useState } from 'react';
import { all, download, get, getText, post, send } from '../api';
import { loadRegistry, assetName, mapLimit } from '../data';
import { ActionForm, Badge, Bars, ErrorNote, Link, Loading, fmtHours, fmtMoney, fmtPct, fmtTime, isoDay, label, parseMajor, useAsync, zoneDay } from '../ui';

const H = 3_600_000;
interface Usage {
  /** The clock the days are cut at (the contract's unless asked otherwise). */
  timeZone: string;
  /** The contract's clock: its site's zone, else its customer's. */
  contractTimeZone: string;
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

const treatmentText = (t: TaxTreatment | undefined) =>
  !t ? 'not recorded (invoices carry no tax)' : t.kind === 'vat' ? `VAT ${t.ratePercent === undefined ? 'at the country’s standard rate' : `${t.ratePercent} %`}` : t.kind === 'reverse_charge' ? 'reverse charge' : `exempt (${t.reason})`;

/** The customer's billing party: who invoices are addressed to, how they are taxed and when they are due. */
function CustomerBillingPanel({ customer, onSaved }: { customer: Customer; onSaved: () => void }) {
  const b = customer.billing;
  const [form, setForm] = useState({
    legalName: b?.legalName ?? customer.name,
    line1: b?.address.line1 ?? '',
    line2: b?.address.line2 ?? '',
    postalCode: b?.address.postalCode ?? '',
    city: b?.address.city ?? '',
    country: b?.address.country ?? '',
    taxId: b?.taxId ?? '',
    kind: (b?.taxTreatment.kind ?? 'vat'),
    ratePercent: b?.taxTreatment.kind === 'vat' && b.taxTreatment.ratePercent !== undefined ? String(b.taxTreatment.ratePercent) : '',
    reason: b?.taxTreatment.kind === 'exempt' ? b.taxTreatment.reason : '',
    paymentTermsDays: String(b?.paymentTermsDays ?? 30),
    timeZone: customer.timeZone ?? 'UTC',
  });
  const [editing, setEditing] = useState(false);
  const field = (key: keyof typeof form, text: string, extra: { required?: boolean; placeholder?: string } = {}) => (
    <label>
      {text}
      <input value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} {...extra} />
    </label>
  );
  return (
    <section aria-labelledby="billing-h">
      <h3 id="billing-h">Billing party of {customer.name}</h3>
      <dl className="facts">
        <dt>Legal name</dt>
        <dd>{b?.legalName ?? '–'}</dd>
        <dt>Billing address</dt>
        <dd>{b ? [b.address.line1, b.address.line2, `${b.address.postalCode} ${b.address.city}`, b.address.country].filter(Boolean).join(', ') : '–'}</dd>
        <dt>Tax id</dt>
        <dd>{b?.taxId ?? '–'}</dd>
        <dt>Tax treatment</dt>
        <dd>{treatmentText(b?.taxTreatment)}</dd>
        <dt>Payment terms</dt>
        <dd>{b?.paymentTermsDays ?? 30} days net</dd>
        <dt>On-time payment (from payments)</dt>
        <dd>{fmtPct(customer.value.onTimePaymentRate * 100)}</dd>
        <dt>Time zone</dt>
        <dd>{customer.timeZone ?? 'UTC'} (for contracts whose site is left at UTC)</dd>
      </dl>
      {editing ? (
        <ActionForm
          label="Billing party"
          submit="Save billing party"
          action={async () => {
            const taxTreatment: TaxTreatment =
              form.kind === 'vat' ? { kind: 'vat', ...(form.ratePercent.trim() ? { ratePercent: Number(form.ratePercent.replace(',', '.')) } : {}) } : form.kind === 'exempt' ? { kind: 'exempt', reason: form.reason } : { kind: 'reverse_charge' };
            const billing: CustomerBilling = {
              legalName: form.legalName,
              address: { line1: form.line1, ...(form.line2.trim() ? { line2: form.line2 } : {}), postalCode: form.postalCode, city: form.city, country: form.country.trim().toUpperCase() },
              ...(form.taxId.trim() ? { taxId: form.taxId.trim() } : {}),
              taxTreatment,
              paymentTermsDays: Number(form.paymentTermsDays),
            };
            await send('PATCH', `/customers/${customer.id}`, { billing, timeZone: form.timeZone.trim() || 'UTC' });
            setEditing(false);
            onSaved();
          }}
        >
          {field('legalName', 'Legal name', { required: true })}
          {field('line1', 'Address', { required: true })}
          {field('line2', 'Address line 2')}
          {field('postalCode', 'Postal code', { required: true })}
          {field('city', 'City', { required: true })}
          {field('country', 'Country (ISO code)', { required: true, placeholder: 'DE' })}
          {field('taxId', 'Tax id')}
          <label>
            Tax treatment
            <select value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value as TaxTreatment['kind'] })}>
              <option value="vat">VAT</option>
              <option value="reverse_charge">reverse charge</option>
              <option value="exempt">exempt</option>
            </select>
          </label>
          {form.kind === 'vat' ? field('ratePercent', 'VAT rate % (empty: country standard)') : null}
          {form.kind === 'exempt' ? field('reason', 'Exemption reason', { required: true }) : null}
          {field('paymentTermsDays', 'Payment terms (days net)', { required: true })}
          <label>
            Time zone (IANA)
            <input value={form.timeZone} list="time-zones" onChange={(e) => setForm({ ...form, timeZone: e.target.value })} placeholder="Europe/Berlin" />
          </label>
          <datalist id="time-zones">
            {Intl.supportedValuesOf('timeZone').map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
        </ActionForm>
      ) : (
        <button type="button" className="secondary" onClick={() => setEditing(true)}>
          Edit billing party
        </button>
      )}
    </section>
  );
}

/** Record a payment received (amount in major units) against an issued invoice. */
function PaymentForm({ invoice, onPaid }: { invoice: InvoiceView; onPaid: () => void }) {
  const [amount, setAmount] = useState('');
  const [receivedOn, setReceivedOn] = useState(zoneDay());
  const [reference, setReference] = useState('');
  const [excessAsCredit, setExcess] = useState(false);
  return (
    <ActionForm
      label={`Payment for invoice ${invoice.number ?? ''}`}
      submit="Record payment"
      action={async () => {
        const amountMinor = parseMajor(amount);
        if (amountMinor === undefined || amountMinor <= 0) throw new Error(`amount: "${amount}" is not an amount such as 1234.56`);
        await post(`/invoices/${invoice.id}/payments`, { amountMinor, currency: invoice.currency, receivedOn, excessAsCredit, ...(reference.trim() ? { reference: reference.trim() } : {}) });
        setAmount('');
        onPaid();
      }}
    >
      <label>
        Amount ({invoice.currency})
        <input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} placeholder={(invoice.openMinor / 100).toFixed(2)} required />
      </label>
      <label>
        Received on
        <input type="date" value={receivedOn} onChange={(e) => e.target.value && setReceivedOn(e.target.value)} />
      </label>
      <label>
        Reference
        <input value={reference} onChange={(e) => setReference(e.target.value)} />
      </label>
      <label>
        <input type="checkbox" checked={excessAsCredit} onChange={(e) => setExcess(e.target.checked)} /> keep an overpayment as credit
      </label>
    </ActionForm>
  );
}

/** An issued invoice's payments and credit notes, with PDF downloads and the payment form. */
function Receivable({ invoice, onChange }: { invoice: InvoiceView; onChange: () => void }) {
  const notes = useAsync(() => get<CreditNoteView[]>(`/invoices/${invoice.id}/credit-notes`), [invoice.id, invoice.updatedAt, invoice.creditedMinor]);
  const payments = useAsync(() => get<PaymentView[]>(`/invoices/${invoice.id}/payments`), [invoice.id, invoice.paidMinor]);
  const [error, setError] = useState<Error>();
  return (
    <div className="receivable">
      <ErrorNote error={notes.error ?? payments.error ?? error} />
      <ul className="small">
        {(payments.data ?? []).map((p) => (
          <li key={p.id}>
            Payment {fmtMoney(p.appliedMinor, p.currency)} received {p.receivedOn}
            {p.reference ? ` (${p.reference})` : ''}
            {p.creditMinor > 0 ? `, ${fmtMoney(p.creditMinor, p.currency)} kept as credit` : ''}
          </li>
        ))}
        {(notes.data ?? []).map((n) => (
          <li key={n.id}>
            Credit note {n.number}: {fmtMoney(n.amountMinor + n.taxMinor, n.currency)} ({n.reason}){' '}
            <button type="button" className="secondary" onClick={() => void download(`/invoices/${invoice.id}/credit-notes/${n.id}/pdf`, `${n.number}.pdf`).catch(setError)}>
              Credit note PDF
            </button>
          </li>
        ))}
      </ul>
      {invoice.openMinor > 0 ? <PaymentForm invoice={invoice} onPaid={onChange} /> : null}
    </div>
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

function ContractDetail({ contract, customer, role, onCustomerChange }: { contract: ContractWithHistory; customer: Customer | undefined; role: Role; onCustomerChange: () => void }) {
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
  const [open, setOpen] = useState<string>();
  const [downloadError, setDownloadError] = useState<Error>();
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
        <dt>Clock</dt>
        <dd>{usage.data ? `${usage.data.contractTimeZone}: periods, metered days and availability run midnight to midnight there` : '–'}</dd>
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
              labour {terms.labourRatePerHourMinor === undefined ? 'from the rate card' : `${fmtMoney(terms.labourRatePerHourMinor, contract.currency)}/h`}, travel{' '}
              {terms.travelRatePerHourMinor === undefined ? 'from the rate card' : `${fmtMoney(terms.travelRatePerHourMinor, contract.currency)}/h`}, parts +{fmtPct(terms.partsMarkupPercent)}
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
      {customer ? <CustomerBillingPanel customer={customer} onSaved={onCustomerChange} /> : null}

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
          Usage {period}: <strong>{fmtHours((usage.data?.totalMs ?? 0) / H)}</strong>{usage.data ? ` (days in ${usage.data.timeZone})` : ''}
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
      <ErrorNote error={invoices.error ?? downloadError} />
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Invoices of this contract</caption>
          <thead>
            <tr>
              <th scope="col">Period</th>
              <th scope="col">Status</th>
              <th scope="col">Number</th>
              <th scope="col">Net</th>
              <th scope="col">Tax</th>
              <th scope="col">Total</th>
              <th scope="col">Open</th>
              <th scope="col">Due</th>
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
                  <Badge kind={inv.status}>{inv.status}</Badge> {inv.paymentStatus ? <Badge kind={inv.paymentStatus}>{label(inv.paymentStatus)}</Badge> : null}
                  {inv.provisional ? <Badge kind="provisional">provisional</Badge> : null}
                  {inv.provisional && inv.issuableAt ? <div className="small muted">period closes {fmtTime(inv.issuableAt)}</div> : null}
                  {inv.issueForcedReason ? <div className="small muted">issued early: {inv.issueForcedReason}</div> : null}
                  <Adjustments invoice={inv} />
                </td>
                <td>{inv.number ?? '–'}</td>
                <td>{fmtMoney(inv.totalMinor, inv.currency)}</td>
                <td>{fmtMoney(inv.taxMinor, inv.currency)}</td>
                <td>{fmtMoney(inv.grossMinor, inv.currency)}</td>
                <td>
                  {inv.status === 'issued' ? fmtMoney(inv.openMinor, inv.currency) : '–'}
                  {inv.refundDueMinor > 0 ? <span className="small"> (refund due {fmtMoney(inv.refundDueMinor, inv.currency)})</span> : null}
                </td>
                <td>{inv.dueDate ?? '–'}</td>
                <td className="buttons">
                  <button type="button" className="secondary" onClick={() => setPrinting(inv)}>
                    View / print
                  </button>
                  <button type="button" className="secondary" onClick={() => void download(`/invoices/${inv.id}/pdf`, `${inv.number ?? `draft-${inv.periodStart}`}.pdf`).catch(setDownloadError)}>
                    PDF
                  </button>
                  {inv.status === 'issued' ? (
                    <button type="button" className="secondary" aria-expanded={open === inv.id} onClick={() => setOpen(open === inv.id ? undefined : inv.id)}>
                      Payments
                    </button>
                  ) : null}
                  {inv.status === 'draft' ? (
                    <button type="button" onClick={() => setIssuing(inv)}>
                      Issue…
                    </button>
                  ) : (
                    <span className="small muted">issued {fmtTime(inv.issuedAt)}</span>
                  )}
                  {open === inv.id ? <Receivable invoice={inv} onChange={invoices.reload} /> : null}
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
      {selected ? <ContractDetail key={selected.id} contract={selected} customer={cust.get(selected.customerId)} role={role} onCustomerChange={customers.reload} /> : null}
      <Pnl />
    </section>
  );
}
