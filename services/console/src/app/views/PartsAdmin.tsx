import type { AssetModel, Part, Warehouse } from '@hourmeter/domain';
import { useState } from 'react';
import { all, post } from '../api';
import { Field, Form } from '../forms';
import { ErrorNote, label, parseMajor, useAsync } from '../ui';
import { PartsView } from './Parts';

const LEVELS = ['central', 'regional', 'station'] as const;

/** The admin's side of parts: add catalogue parts and warehouses, receive stock; the availability grid below. */
export function PartsAdmin() {
  const data = useAsync(async () => {
    const [parts, warehouses, models] = await Promise.all([all<Part>('/parts'), all<Warehouse>('/warehouses'), all<AssetModel>('/asset-models')]);
    return { parts, warehouses, models };
  }, []);
  // The grid below keeps its own data: a key change makes it load again after a write.
  const [version, setVersion] = useState(0);
  const changed = () => (data.reload(), setVersion((v) => v + 1));
  const [part, setPart] = useState({ partNumber: '', description: '', unitCost: '', currency: 'EUR', fits: [] as string[] });
  const [wh, setWh] = useState({ code: '', name: '', level: 'central', parentId: '', lat: '', lon: '' });
  const [rx, setRx] = useState({ partId: '', warehouseId: '', quantity: '' });
  const d = data.data;
  return (
    <>
      <ErrorNote error={data.error} />
      <h2>Add a part to the catalogue</h2>
      <Form
        label="Add a part"
        submit="Add part"
        action={async () => {
          await post('/parts', {
            partNumber: part.partNumber,
            description: part.description,
            unitCost: { amountMinor: parseMajor(part.unitCost) ?? part.unitCost, currency: part.currency.toUpperCase() },
            fitsAssetModelIds: part.fits,
          });
          setPart({ ...part, partNumber: '', description: '', unitCost: '' });
          changed();
        }}
      >
        <Field name="partNumber" label="Part number">
          {(p) => <input {...p} required maxLength={40} value={part.partNumber} onChange={(e) => setPart({ ...part, partNumber: e.target.value })} />}
        </Field>
        <Field name="description" label="Description">
          {(p) => <input {...p} required maxLength={500} value={part.description} onChange={(e) => setPart({ ...part, description: e.target.value })} />}
        </Field>
        <Field name="unitCost.amountMinor" label="Unit cost" hint="major units, e.g. 120.50">
          {(p) => <input {...p} inputMode="decimal" required value={part.unitCost} onChange={(e) => setPart({ ...part, unitCost: e.target.value })} />}
        </Field>
        <Field name="unitCost.currency" label="Currency">
          {(p) => <input {...p} required pattern="[A-Za-z]{3}" maxLength={3} value={part.currency} onChange={(e) => setPart({ ...part, currency: e.target.value })} />}
        </Field>
        <Field name="fitsAssetModelIds" label="Fits models">
          {(p) => (
            <select {...p} multiple value={part.fits} onChange={(e) => setPart({ ...part, fits: [...e.target.selectedOptions].map((o) => o.value) })}>
              {(d?.models ?? []).map((m) => (
                <option key={m.id} value={m.id}>
                  {m.code} — {m.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      </Form>

      <h2>Add a warehouse</h2>
      <Form
        label="Add a warehouse"
        submit="Add warehouse"
        action={async () => {
          await post('/warehouses', {
            code: wh.code,
            name: wh.name,
            level: wh.level,
            ...(wh.parentId ? { parentId: wh.parentId } : {}),
            location: { lat: wh.lat === '' ? undefined : Number(wh.lat), lon: wh.lon === '' ? undefined : Number(wh.lon) },
          });
          setWh({ ...wh, code: '', name: '' });
          changed();
        }}
      >
        <Field name="code" label="Code">
          {(p) => <input {...p} required maxLength={64} value={wh.code} onChange={(e) => setWh({ ...wh, code: e.target.value })} />}
        </Field>
        <Field name="name" label="Name">
          {(p) => <input {...p} required maxLength={200} value={wh.name} onChange={(e) => setWh({ ...wh, name: e.target.value })} />}
        </Field>
        <Field name="level" label="Level">
          {(p) => (
            <select {...p} value={wh.level} onChange={(e) => setWh({ ...wh, level: e.target.value })}>
              {LEVELS.map((l) => (
                <option key={l} value={l}>
                  {label(l)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field name="parentId" label="Supplied by">
          {(p) => (
            <select {...p} value={wh.parentId} onChange={(e) => setWh({ ...wh, parentId: e.target.value })}>
              <option value="">none (top of the chain)</option>
              {(d?.warehouses ?? []).map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field name="location.lat" label="Latitude">
          {(p) => <input {...p} type="number" step="any" min={-90} max={90} required value={wh.lat} onChange={(e) => setWh({ ...wh, lat: e.target.value })} />}
        </Field>
        <Field name="location.lon" label="Longitude">
          {(p) => <input {...p} type="number" step="any" min={-180} max={180} required value={wh.lon} onChange={(e) => setWh({ ...wh, lon: e.target.value })} />}
        </Field>
      </Form>

      <h2>Receive stock</h2>
      <Form
        label="Receive stock"
        submit="Receive"
        action={async () => {
          await post('/stock/movements', { partId: rx.partId, warehouseId: rx.warehouseId, kind: 'receipt', quantity: rx.quantity === '' ? undefined : Number(rx.quantity) });
          setRx({ ...rx, quantity: '' });
          changed();
        }}
      >
        <Field name="partId" label="Part">
          {(p) => (
            <select {...p} required value={rx.partId} onChange={(e) => setRx({ ...rx, partId: e.target.value })}>
              <option value="">choose a part</option>
              {(d?.parts ?? []).map((x) => (
                <option key={x.id} value={x.id}>
                  {x.partNumber} — {x.description}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field name="warehouseId" label="Warehouse">
          {(p) => (
            <select {...p} required value={rx.warehouseId} onChange={(e) => setRx({ ...rx, warehouseId: e.target.value })}>
              <option value="">choose a warehouse</option>
              {(d?.warehouses ?? []).map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field name="quantity" label="Quantity received">
          {(p) => <input {...p} type="number" min={1} step={1} required value={rx.quantity} onChange={(e) => setRx({ ...rx, quantity: e.target.value })} />}
        </Field>
      </Form>
      <PartsView key={version} />
    </>
  );
}
