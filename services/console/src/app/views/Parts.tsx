import type { Part, Warehouse } from '@hourmeter/domain';
import { all, get } from '../api';
import { ErrorNote, Loading, fmtMoney, useAsync } from '../ui';

interface Level {
  warehouseId: string;
  partId: string;
  onHand: number;
  reserved: number;
  available: number;
  reorderPoint: number;
}

/** Part availability per warehouse: one row per part, one column per location. */
export function PartsView() {
  const data = useAsync(async () => {
    const [parts, warehouses, stock] = await Promise.all([all<Part>('/parts'), all<Warehouse>('/warehouses'), get<{ items: Level[] }>('/stock')]);
    return { parts, warehouses, stock: new Map(stock.items.map((l) => [`${l.partId}|${l.warehouseId}`, l])) };
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
    </section>
  );
}
