import type { Lead, NpsResponse, WorkOrder } from '@hourmeter/domain';
import { useState } from 'react';
import { get, post } from '../api';
import { ActionForm, ErrorNote, fmtMoney, label, parseMajor, useAsync } from '../ui';

/**
 * On a work order's detail: the sales leads heard on this visit (record one) and
 * the customer's NPS answer for it (record it once). Issue #19.
 */
export function VisitSales({ order }: { order: WorkOrder }) {
  const data = useAsync(async () => {
    const [leads, nps] = await Promise.all([get<{ items: Lead[] }>(`/work-orders/${order.id}/leads`), get<{ response: NpsResponse | null }>(`/work-orders/${order.id}/nps`)]);
    return { leads: leads.items, nps: nps.response };
  }, [order.id]);
  const empty = { need: '', product: '', estimated: '', currency: 'EUR', name: '', email: '', phone: '' };
  const [f, setF] = useState(empty);
  const [score, setScore] = useState('');
  const [comment, setComment] = useState('');
  const d = data.data;
  return (
    <>
      <h3>Sales leads from this visit</h3>
      <ErrorNote error={data.error} />
      {d && d.leads.length > 0 ? (
        <table>
          <caption>Leads recorded on this work order</caption>
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col">Need</th>
              <th scope="col">Estimated</th>
              <th scope="col">Contact</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {d.leads.map((l) => (
              <tr key={l.id}>
                <td>{l.product}</td>
                <td>{l.need}</td>
                <td>{fmtMoney(l.estimatedMinor, l.currency)}</td>
                <td>{l.contact.name}</td>
                <td>{label(l.state)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <ActionForm
        label="Record a lead"
        submit="Record lead"
        className="action-form grid-form"
        action={async () => {
          const amountMinor = parseMajor(f.estimated);
          if (amountMinor === undefined || amountMinor <= 0) throw new Error('Estimated value: a positive amount such as 12500.00');
          await post(`/work-orders/${order.id}/leads`, {
            need: f.need,
            product: f.product,
            estimated: { amountMinor, currency: f.currency.trim().toUpperCase() },
            contact: { name: f.name, ...(f.email ? { email: f.email } : {}), ...(f.phone ? { phone: f.phone } : {}) },
          });
          setF(empty);
          data.reload();
        }}
      >
        <label>
          Need
          <input required value={f.need} onChange={(e) => setF({ ...f, need: e.target.value })} placeholder="a second line next year" />
        </label>
        <label>
          Product
          <input required value={f.product} onChange={(e) => setF({ ...f, product: e.target.value })} />
        </label>
        <label>
          Estimated value
          <input required inputMode="decimal" value={f.estimated} onChange={(e) => setF({ ...f, estimated: e.target.value })} />
        </label>
        <label>
          Currency
          <input required maxLength={3} value={f.currency} onChange={(e) => setF({ ...f, currency: e.target.value })} />
        </label>
        <label>
          Contact name
          <input required value={f.name} onChange={(e) => setF({ ...f, name: e.target.value })} />
        </label>
        <label>
          Contact e-mail
          <input type="email" value={f.email} onChange={(e) => setF({ ...f, email: e.target.value })} />
        </label>
        <label>
          Contact phone
          <input type="tel" value={f.phone} onChange={(e) => setF({ ...f, phone: e.target.value })} />
        </label>
      </ActionForm>
      <h3>Customer satisfaction (NPS)</h3>
      {d?.nps ? (
        <p>
          Score <strong>{d.nps.score}</strong> of 10{d.nps.comment ? ` — “${d.nps.comment}”` : ''}
        </p>
      ) : d ? (
        <ActionForm
          label="Record NPS"
          submit="Record NPS"
          action={async () => {
            await post(`/work-orders/${order.id}/nps`, { score: Number(score), ...(comment.trim() ? { comment } : {}) });
            data.reload();
          }}
        >
          <label>
            How likely to recommend us (0-10)
            <input required type="number" min={0} max={10} step={1} value={score} onChange={(e) => setScore(e.target.value)} />
          </label>
          <label>
            Comment
            <input value={comment} onChange={(e) => setComment(e.target.value)} />
          </label>
        </ActionForm>
      ) : null}
    </>
  );
}
