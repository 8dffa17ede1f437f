import type { Part, Warehouse } from '@hourmeter/domain';
import { all, get } from '../api';
import { ErrorNote, Link, Loading, fmtMoney, label, useAsync } from '../ui';

interface Level {
  warehouseId: string;
  partId: string;
  onHand: number;
  reserved: number;
  available: number;
  reorderPoint: number;
}

/** A row of /reports/parts-reconciliation. */
interface Reconciled {
  workOrderId: string;
  partNumber: string;
  consumed: number;
  issued: number;
  issuedFrom: string;
  returnedUnused: number;
  returnedDefective: number;
  stockDifference: number;
  notReturned: number;
  status: 'ok' | 'stock_mismatch' | 'return_missing';
}

/** Part availability per warehouse: one row per part, one column per location; below it, what does not reconcile. */
export function PartsView() {
  const data = useAsync(async () => {
    const [parts, warehouses, stock, reconciliation] = await Promise.all([
      all<Part>('/parts'),
      all<Warehouse>('/warehouses'),
      get<{ items: Level[] }>('/stock'),
      get<{ rows: Reconciled[] }>('/reports/parts-reconciliation'),
    ]);
    return { parts, warehouses, stock: new Map(stock.items.map((l) => [`${l.partId}|${l.warehouseId}`, l])), open: reconciliation.rows.filter((r) => r.status !== 'ok') };
  }, []);
  const d = data.data;
  return (
    <section aria-labelledby="parts-h">
      <h1 id="parts-h">Parts and stock</h1>
      <ErrorNote error={data.error} />
      <Loading when={data.loading && !d} />
      {d && d.parts.length === 0 ? <p className="muted">No parts in the catalogue yet.</p> : null}
      {d && d.parts.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>Available (on hand − reserved) per warehouse; highlighted at or below the reorder point</caption>
            <thead>
              <tr>
                <th scope="col">Part</th>
                <th scope="col">Description</th>
                <th scope="col">Unit cost</th>
                {d.warehouses.map((w) => (
                  <th key={w.id} scope="col">
                    {w.name} <span className="small muted">({w.level})</span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {d.parts.map((p) => (
                <tr key={p.id}>
                  <th scope="row">{p.partNumber}</th>
                  <td>{p.description}</td>
                  <td>{fmtMoney(p.unitCost.amountMinor, p.unitCost.currency)}</td>
                  {d.warehouses.map((w) => {
                    const l = d.stock.get(`${p.id}|${w.id}`);
                    return (
                      <td key={w.id} className={l && l.available <= l.reorderPoint && l.reorderPoint > 0 ? 'low' : ''}>
                        {l ? `${l.available} / ${l.onHand}` : '–'}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {d ? (
        <div className="table-wrap">
          <table>
            <caption>Parts to reconcile (last 365 days): consumed on completions against issued and returned</caption>
            <thead>
              <tr>
                <th scope="col">Work order</th>
                <th scope="col">Part</th>
                <th scope="col">Consumed</th>
                <th scope="col">Issued (from)</th>
                <th scope="col">Returned unused</th>
                <th scope="col">Returned defective</th>
                <th scope="col">Not returned</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {d.open.map((r) => (
                <tr key={`${r.workOrderId}-${r.partNumber}`}>
                  <td>
                    <Link to={`/work-orders/${r.workOrderId}`}>{r.workOrderId}</Link>
                  </td>
                  <td>{r.partNumber}</td>
                  <td>{r.consumed}</td>
                  <td>
                    {r.issued} {r.issuedFrom ? `(${r.issuedFrom})` : ''}
                  </td>
                  <td>{r.returnedUnused}</td>
                  <td>{r.returnedDefective}</td>
                  <td className={r.notReturned > 0 ? 'low' : ''}>{r.notReturned}</td>
                  <td>{label(r.status)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {d.open.length === 0 ? <p className="muted">Everything consumed was issued and came back.</p> : null}
        </div>
      ) : null}
    </section>
  );
}
