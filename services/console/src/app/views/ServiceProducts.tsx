import type { Role } from '@hourmeter/domain';
import { useState } from 'react';
import { get, send } from '../api';
import { assetName, loadRegistry, type Registry } from '../data';
import { ActionForm, Badge, ErrorNote, Loading, fmtDay, fmtHours, fmtMoney, fmtNumber, fmtPct, label, parseMajor, useAsync } from '../ui';

type Kind = 'extended_warranty' | 'inspection_plan' | 'remote_monitoring' | 'training';
const KINDS: Kind[] = ['extended_warranty', 'inspection_plan', 'remote_monitoring', 'training'];

interface Eligibility {
  maxAgeMonths?: number;
  maxOperatingHours?: number;
  maxFailureProbability?: number;
  minRulHours?: number;
}
interface Product {
  id: string;
  assetModelId: string;
  kind: Kind;
  name: string;
  currency: string;
  termMonths: number;
  priceMinor: number;
  marginPercent: number;
  defaultFailureCostMinor: number;
  eligibility: Eligibility;
  reminderDays: number;
  active: boolean;
}
interface ModeWorking {
  failureMode: string;
  shape: number;
  scale: number;
  restoration: string;
  ageHours: number;
  hoursOverTerm: number;
  expectedFailures: number;
  conditionFactor: number;
  averageCostMinor: number;
  costBasis: { source: 'work_orders'; orders: number } | { source: 'default' };
  subtotalMinor: number;
}
interface QuotedAsset {
  assetId: string;
  serialNumber: string;
  priceMinor: number;
  condition: { ageMonths: number; operatingHours: number; failureProbability?: number; rulHours?: number };
  pricing?: { hoursOverTerm: number; modes: ModeWorking[]; expectedCostMinor: number; marginPercent: number; marginMinor: number; totalMinor: number };
}
interface Quote {
  id: string;
  productId: string;
  customerId: string;
  assetIds: string[];
  status: 'quoted' | 'accepted' | 'declined' | 'expired' | 'renewed';
  startsOn: string;
  endsOn: string;
  currency: string;
  totalMinor: number;
  working: { assets: QuotedAsset[] };
  contractId: string | null;
  renewalOfId: string | null;
  productName?: string;
}

const STATUS_BADGE: Record<Quote['status'], string> = { quoted: 'draft', accepted: 'paid', declined: 'dismissed', expired: 'overdue', renewed: 'cancelled' };
const emptyForm = { id: '', assetModelId: '', kind: 'extended_warranty' as Kind, name: '', currency: 'EUR', termMonths: '12', price: '', marginPercent: '20', defaultCost: '', maxAgeMonths: '', maxOperatingHours: '', maxFailurePct: '', minRulHours: '', reminderDays: '60', active: true };
type Form = typeof emptyForm;
const num = (s: string) => (s.trim() === '' ? undefined : Number(s.replace(',', '.')));

function formOf(p: Product): Form {
  const opt = (n: number | undefined) => (n === undefined ? '' : String(n));
  return {
    id: p.id, assetModelId: p.assetModelId, kind: p.kind, name: p.name, currency: p.currency, termMonths: String(p.termMonths), price: p.priceMinor ? (p.priceMinor / 100).toFixed(2) : '',
    marginPercent: String(p.marginPercent), defaultCost: p.defaultFailureCostMinor ? (p.defaultFailureCostMinor / 100).toFixed(2) : '', maxAgeMonths: opt(p.eligibility.maxAgeMonths),
    maxOperatingHours: opt(p.eligibility.maxOperatingHours), maxFailurePct: p.eligibility.maxFailureProbability === undefined ? '' : String(p.eligibility.maxFailureProbability * 100),
    minRulHours: opt(p.eligibility.minRulHours), reminderDays: String(p.reminderDays), active: p.active,
  };
}

function eligibilityText(e: Eligibility): string {
  const parts = [
    e.maxAgeMonths !== undefined ? `≤ ${e.maxAgeMonths} months old` : '',
    e.maxOperatingHours !== undefined ? `≤ ${fmtHours(e.maxOperatingHours, 0)}` : '',
    e.maxFailureProbability !== undefined ? `failure probability ≤ ${fmtPct(e.maxFailureProbability * 100)}` : '',
    e.minRulHours !== undefined ? `RUL ≥ ${fmtHours(e.minRulHours, 0)}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'any asset';
}

/** A plan: create or edit. */
function PlanForm({ reg, initial, onSaved }: { reg: Registry; initial: Form; onSaved: () => void }) {
  const [f, setF] = useState<Form>(initial);
  const text = (key: keyof Form, caption: string, extra: { required?: boolean; inputMode?: 'decimal' | 'numeric' } = {}) => (
    <label>
      {caption}
      <input value={String(f[key])} onChange={(e) => setF({ ...f, [key]: e.target.value })} {...extra} />
    </label>
  );
  return (
    <ActionForm
      label={f.id ? `Edit plan ${initial.name}` : 'New plan'}
      submit={f.id ? 'Save plan' : 'Create plan'}
      action={async () => {
        const price = f.price.trim() ? parseMajor(f.price) : 0;
        const defaultCost = f.defaultCost.trim() ? parseMajor(f.defaultCost) : 0;
        if (price === undefined) throw new Error('Price: not an amount');
        if (defaultCost === undefined) throw new Error('Default failure cost: not an amount');
        const maxFailurePct = num(f.maxFailurePct);
        const body = {
          assetModelId: f.assetModelId, kind: f.kind, name: f.name, currency: f.currency.trim().toUpperCase(), termMonths: Number(f.termMonths), priceMinor: price,
          marginPercent: num(f.marginPercent) ?? 0, defaultFailureCostMinor: defaultCost, reminderDays: Number(f.reminderDays), active: f.active,
          eligibility: { maxAgeMonths: num(f.maxAgeMonths), maxOperatingHours: num(f.maxOperatingHours), maxFailureProbability: maxFailurePct === undefined ? undefined : maxFailurePct / 100, minRulHours: num(f.minRulHours) },
        };
        await send(f.id ? 'PUT' : 'POST', f.id ? `/service-products/${f.id}` : '/service-products', body);
        if (!f.id) setF(emptyForm);
        onSaved();
      }}
    >
      <label style={{ maxWidth: '100%' }}>
        Asset model
        <select required style={{ maxWidth: '100%' }} value={f.assetModelId} onChange={(e) => setF({ ...f, assetModelId: e.target.value })}>
          <option value="">Choose…</option>
          {[...reg.models.values()].map((m) => (
            <option key={m.id} value={m.id}>
              {m.code} – {m.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Kind
        <select value={f.kind} onChange={(e) => setF({ ...f, kind: e.target.value as Kind })}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {label(k)}
            </option>
          ))}
        </select>
      </label>
      {text('name', 'Name', { required: true })}
      {text('currency', 'Currency', { required: true })}
      {text('termMonths', 'Term (months)', { required: true, inputMode: 'numeric' })}
      {f.kind === 'extended_warranty' ? (
        <>
          {text('marginPercent', 'Margin (%)', { inputMode: 'decimal' })}
          {text('defaultCost', 'Failure cost when no work order has one', { inputMode: 'decimal' })}
        </>
      ) : (
        text('price', 'Price per asset and term', { required: true, inputMode: 'decimal' })
      )}
      {text('maxAgeMonths', 'Eligible up to age (months)', { inputMode: 'numeric' })}
      {text('maxOperatingHours', 'Eligible up to operating hours', { inputMode: 'decimal' })}
      {text('maxFailurePct', 'Eligible up to failure probability (%)', { inputMode: 'decimal' })}
      {text('minRulHours', 'Eligible from remaining life (h)', { inputMode: 'decimal' })}
      {text('reminderDays', 'Renewal reminder (days before the end)', { inputMode: 'numeric' })}
      <label className="inline">
        <input type="checkbox" checked={f.active} onChange={(e) => setF({ ...f, active: e.target.checked })} /> On sale
      </label>
    </ActionForm>
  );
}

/** The quote's working, in major units: per asset and failure mode, how the price came about. */
function QuoteWorking({ quote, reg }: { quote: Quote; reg: Registry }) {
  const money = (minor: number) => fmtMoney(minor, quote.currency);
  return (
    <div className="quote-working">
      {quote.working.assets.map((a) => (
        <section key={a.assetId} aria-label={`Working for ${assetName(reg, a.assetId)}`}>
          <h4>
            {assetName(reg, a.assetId)}: {money(a.priceMinor)}
          </h4>
          <p className="muted">
            {a.condition.ageMonths} months old, {fmtHours(a.condition.operatingHours, 0)} on the hour meter
            {a.condition.failureProbability !== undefined ? `, failure probability ${fmtPct(a.condition.failureProbability * 100, 1)}` : ''}
            {a.condition.rulHours !== undefined ? `, remaining life ${fmtHours(a.condition.rulHours, 0)}` : ''}
          </p>
          {a.pricing ? (
            <div className="table-wrap">
            <table>
              <caption>Expected failure cost over {fmtHours(a.pricing.hoursOverTerm, 0)} of operation in the term</caption>
              <thead>
                <tr>
                  <th scope="col">Failure mode</th>
                  <th scope="col">Weibull shape</th>
                  <th scope="col">Weibull scale</th>
                  <th scope="col">Age</th>
                  <th scope="col">Hours over term</th>
                  <th scope="col">Expected failures</th>
                  <th scope="col">Condition factor</th>
                  <th scope="col">Average cost</th>
                  <th scope="col">Subtotal</th>
                </tr>
              </thead>
              <tbody>
                {a.pricing.modes.map((m) => (
                  <tr key={m.failureMode}>
                    <td>
                      {label(m.failureMode)} <span className="muted">({label(m.restoration)})</span>
                    </td>
                    <td>{fmtNumber(m.shape, 2)}</td>
                    <td>{fmtHours(m.scale, 0)}</td>
                    <td>{fmtHours(m.ageHours, 0)}</td>
                    <td>{fmtHours(m.hoursOverTerm, 0)}</td>
                    <td>{fmtNumber(m.expectedFailures, 3)}</td>
                    <td>{fmtNumber(m.conditionFactor, 2)}</td>
                    <td>
                      {money(m.averageCostMinor)} <span className="muted">{m.costBasis.source === 'work_orders' ? `(${m.costBasis.orders} work orders)` : '(default)'}</span>
                    </td>
                    <td>{money(m.subtotalMinor)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={8}>
                    Expected cost
                  </th>
                  <td>{money(a.pricing.expectedCostMinor)}</td>
                </tr>
                <tr>
                  <th scope="row" colSpan={8}>
                    Margin {fmtPct(a.pricing.marginPercent)}
                  </th>
                  <td>{money(a.pricing.marginMinor)}</td>
                </tr>
                <tr>
                  <th scope="row" colSpan={8}>
                    Price
                  </th>
                  <td>{money(a.pricing.totalMinor)}</td>
                </tr>
              </tfoot>
            </table>
            </div>
          ) : null}
        </section>
      ))}
    </div>
  );
}

/** The account manager's service products: plans per model, quotes with their working, acceptance, renewals due. */
export function ServiceProductsView({ role }: { role: Role }) {
  const mayWrite = role === 'admin' || role === 'account-manager';
  const reg = useAsync(loadRegistry, []);
  const products = useAsync(() => get<{ items: Product[] }>('/service-products'), []);
  const quotes = useAsync(() => get<{ items: Quote[] }>('/service-quotes'), []);
  const due = useAsync(() => get<{ items: Quote[] }>('/service-renewals/due'), []);
  const [editing, setEditing] = useState<Product | undefined>();
  const [planId, setPlanId] = useState('');
  const [assetIds, setAssetIds] = useState<string[]>([]);
  const [shown, setShown] = useState<Quote | undefined>();
  const [actionError, setActionError] = useState<Error>();
  const r = reg.data;
  const productOf = new Map((products.data?.items ?? []).map((p) => [p.id, p]));
  const plan = productOf.get(planId);
  const reloadAll = () => (products.reload(), quotes.reload(), due.reload());
  const customerOf = (q: Quote) => r?.customers.get(q.customerId)?.name ?? q.customerId;
  const act = (path: string, then?: (q: Quote) => void) => {
    setActionError(undefined);
    send<Quote>('POST', path).then(
      (q) => (then?.(q), setShown(q), reloadAll()),
      (err: unknown) => setActionError(err instanceof Error ? err : new Error(String(err))),
    );
  };

  return (
    <section>
      <h1>Service products</h1>
      <ErrorNote error={reg.error ?? products.error ?? quotes.error ?? due.error} />
      <Loading when={!r || !products.data} />
      {r && products.data ? (
        <>
          <section aria-labelledby="plans-h">
            <h2 id="plans-h">Plans per asset model</h2>
            <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Plan</th>
                  <th scope="col">Asset model</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Term</th>
                  <th scope="col">Price</th>
                  <th scope="col">Eligible</th>
                  <th scope="col">Status</th>
                  {mayWrite ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {products.data.items.map((p) => (
                  <tr key={p.id}>
                    <td>{p.name}</td>
                    <td>{r.models.get(p.assetModelId)?.code ?? p.assetModelId}</td>
                    <td>{label(p.kind)}</td>
                    <td>{p.termMonths} months</td>
                    <td>{p.kind === 'extended_warranty' ? `from reliability + ${fmtPct(p.marginPercent)}` : fmtMoney(p.priceMinor, p.currency)}</td>
                    <td>{eligibilityText(p.eligibility)}</td>
                    <td>{p.active ? <Badge kind="paid">on sale</Badge> : <Badge kind="dismissed">withdrawn</Badge>}</td>
                    {mayWrite ? (
                      <td>
                        <button type="button" className="secondary" onClick={() => setEditing(p)} aria-label={`Edit ${p.name}`}>
                          Edit
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
            {products.data.items.length === 0 ? <p className="muted">No plans yet.</p> : null}
            {mayWrite ? <PlanForm key={editing?.id ?? 'new'} reg={r} initial={editing ? formOf(editing) : emptyForm} onSaved={() => (setEditing(undefined), products.reload())} /> : null}
          </section>

          {mayWrite ? (
            <section aria-labelledby="quote-h">
              <h2 id="quote-h">Quote</h2>
              <ActionForm
                label="Quote a plan"
                submit="Quote"
                action={async () => {
                  setShown(await send<Quote>('POST', `/service-products/${planId}/quotes`, { assetIds }));
                  quotes.reload();
                }}
              >
                <label style={{ maxWidth: '100%' }}>
                  Plan
                  <select required style={{ maxWidth: '100%' }} value={planId} onChange={(e) => (setPlanId(e.target.value), setAssetIds([]))}>
                    <option value="">Choose…</option>
                    {products.data.items.filter((p) => p.active).map((p) => (
                      <option key={p.id} value={p.id}>
                        {p.name} ({r.models.get(p.assetModelId)?.code})
                      </option>
                    ))}
                  </select>
                </label>
                {plan ? (
                  <fieldset>
                    <legend>Assets (one customer)</legend>
                    {r.assets.filter((a) => a.assetModelId === plan.assetModelId).map((a) => (
                      <label key={a.id} className="inline">
                        <input type="checkbox" checked={assetIds.includes(a.id)} onChange={(e) => setAssetIds(e.target.checked ? [...assetIds, a.id] : assetIds.filter((x) => x !== a.id))} />{' '}
                        {assetName(r, a.id)} – {r.customers.get(r.sites.get(a.siteId)?.customerId ?? '')?.name ?? ''}
                      </label>
                    ))}
                  </fieldset>
                ) : null}
              </ActionForm>
              {shown ? (
                <article aria-labelledby="shown-h" className="quote">
                  <h3 id="shown-h">
                    {productOf.get(shown.productId)?.name ?? 'Quote'} for {customerOf(shown)}: {fmtMoney(shown.totalMinor, shown.currency)}{' '}
                    <Badge kind={STATUS_BADGE[shown.status]}>{shown.status}</Badge>
                  </h3>
                  <p>
                    {fmtDay(shown.startsOn)} to {fmtDay(shown.endsOn)}
                    {shown.contractId ? ' · warranty contract created' : shown.status === 'accepted' ? ' · subscription recorded' : ''}
                  </p>
                  <QuoteWorking quote={shown} reg={r} />
                  {shown.status === 'quoted' ? (
                    <div className="buttons">
                      <button type="button" onClick={() => act(`/service-quotes/${shown.id}/accept`)}>
                        Accept
                      </button>
                      <button type="button" className="secondary" onClick={() => act(`/service-quotes/${shown.id}/decline`)}>
                        Decline
                      </button>
                    </div>
                  ) : null}
                  <ErrorNote error={actionError} />
                </article>
              ) : null}
            </section>
          ) : null}

          <section aria-labelledby="due-h">
            <h2 id="due-h">Renewals due</h2>
            {(due.data?.items ?? []).length === 0 ? <p className="muted">No agreement ends within its reminder days.</p> : null}
            <QuoteTable items={due.data?.items ?? []} customerOf={customerOf} productName={(q) => q.productName ?? productOf.get(q.productId)?.name ?? ''} reg={r} mayWrite={mayWrite} onOpen={setShown} onRenew={(q) => act(`/service-quotes/${q.id}/renewal`)} />
          </section>

          <section aria-labelledby="quotes-h">
            <h2 id="quotes-h">Quotes and agreements</h2>
            <QuoteTable items={quotes.data?.items ?? []} customerOf={customerOf} productName={(q) => productOf.get(q.productId)?.name ?? ''} reg={r} mayWrite={mayWrite} onOpen={setShown} onRenew={(q) => act(`/service-quotes/${q.id}/renewal`)} />
          </section>
        </>
      ) : null}
    </section>
  );
}

function QuoteTable(props: { items: Quote[]; reg: Registry; mayWrite: boolean; customerOf: (q: Quote) => string; productName: (q: Quote) => string; onOpen: (q: Quote) => void; onRenew: (q: Quote) => void }) {
  if (props.items.length === 0) return null;
  return (
    <div className="table-wrap">
    <table>
      <thead>
        <tr>
          <th scope="col">Customer</th>
          <th scope="col">Plan</th>
          <th scope="col">Assets</th>
          <th scope="col">Term</th>
          <th scope="col">Price</th>
          <th scope="col">Status</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((q) => (
          <tr key={q.id}>
            <td>{props.customerOf(q)}</td>
            <td>{props.productName(q)}</td>
            <td>{q.assetIds.map((id) => assetName(props.reg, id)).join(', ')}</td>
            <td>
              {fmtDay(q.startsOn)} – {fmtDay(q.endsOn)}
            </td>
            <td>{fmtMoney(q.totalMinor, q.currency)}</td>
            <td>
              <Badge kind={STATUS_BADGE[q.status]}>{q.status}</Badge>
            </td>
            <td>
              <button type="button" className="secondary" onClick={() => props.onOpen(q)} aria-label={`Open quote for ${props.customerOf(q)}, ${props.productName(q)}`}>
                Open
              </button>{' '}
              {props.mayWrite && q.status === 'accepted' ? (
                <button type="button" onClick={() => props.onRenew(q)} aria-label={`Renew ${props.productName(q)} for ${props.customerOf(q)}`}>
                  Renew
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    </div>
  );
}
