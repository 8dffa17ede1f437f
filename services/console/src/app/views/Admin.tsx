import type { Asset, AssetModel, Customer, Device, DeviceCredentials, FailureCode, ProductionBatch, Site } from '@hourmeter/domain';
import { useState } from 'react';
import { all, get, post, send } from '../api';
import { mapLimit, type ConnectionState } from '../data';
import { Field, Form, useFields, type Change } from '../forms';
import { Badge, ErrorNote, Link, Loading, TIME_ZONES, fmtDay, fmtMoney, fmtTime, label, parseMajor, useAsync, useLive } from '../ui';
import { ApiKeysView } from './ApiKeys';
import { PartsAdmin } from './PartsAdmin';
import { UsersView } from './Users';

/** The registry every admin section names things from. */
async function loadAll() {
  const [customers, sites, models, batches, assets] = await Promise.all([
    all<Customer>('/customers'),
    all<Site>('/sites'),
    all<AssetModel>('/asset-models'),
    all<ProductionBatch>('/production-batches'),
    all<Asset>('/assets'),
  ]);
  const by = <T extends { id: string }>(xs: T[]) => new Map(xs.map((x) => [x.id, x]));
  return { customers, sites, models, batches, assets, customer: by(customers), site: by(sites), model: by(models), batch: by(batches), asset: by(assets) };
}
type Reg = Awaited<ReturnType<typeof loadAll>>;

const siteName = (r: Reg, id: string) => {
  const s = r.site.get(id);
  return s ? `${s.name} (${r.customer.get(s.customerId)?.name ?? 'unknown customer'})` : 'unknown site';
};
const assetLabel = (r: Reg, id: string) => {
  const a = r.asset.get(id);
  return a ? `${a.serialNumber} (${r.model.get(a.assetModelId)?.code ?? 'unknown model'})` : 'unknown asset';
};
/** A number input's text: undefined when empty, so the server's default applies. */
const num = (s: string) => (s.trim() === '' ? undefined : Number(s));

// ---------------------------------------------------------------- customers and sites

function Customers({ reg, reload }: { reg: Reg; reload: () => void }) {
  const [editing, setEditing] = useState<Customer>();
  const empty = { name: '', currency: 'EUR', timeZone: 'UTC' };
  const f = useFields(empty);
  const edit = (c: Customer | undefined) => {
    setEditing(c);
    f.setV(c ? { name: c.name, currency: c.currency, timeZone: c.timeZone ?? 'UTC' } : empty);
  };
  return (
    <>
      <div className="table-wrap">
        <table>
          <caption>Customers</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Currency</th>
              <th scope="col">Time zone</th>
              <th scope="col">Sites</th>
              <th scope="col">Edit</th>
            </tr>
          </thead>
          <tbody>
            {reg.customers.map((c) => (
              <tr key={c.id}>
                <th scope="row">{c.name}</th>
                <td>{c.currency}</td>
                <td>{c.timeZone ?? 'UTC'}</td>
                <td>{reg.sites.filter((s) => s.customerId === c.id).length}</td>
                <td>
                  <button type="button" className="secondary" onClick={() => edit(c)}>
                    Edit {c.name}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>{editing ? `Edit ${editing.name}` : 'Add a customer'}</h2>
      <Form
        label={editing ? `Edit customer ${editing.name}` : 'Add a customer'}
        submit={editing ? 'Save customer' : 'Add customer'}
        action={async () => {
          const body = { name: f.v.name, currency: f.v.currency.toUpperCase(), timeZone: f.v.timeZone };
          if (editing) await send('PATCH', `/customers/${editing.id}`, body);
          else await post('/customers', body);
          edit(undefined);
          reload();
        }}
      >
        <Field name="name" label="Name">
          {(p) => <input {...p} required maxLength={200} value={f.v.name} onChange={f.on('name')} />}
        </Field>
        <Field name="currency" label="Currency" hint="ISO 4217, e.g. EUR">
          {(p) => <input {...p} required pattern="[A-Za-z]{3}" maxLength={3} value={f.v.currency} onChange={f.on('currency')} />}
        </Field>
        <Field name="timeZone" label="Time zone (contracts' clock)">
          {(p) => <ZoneSelect p={p} value={f.v.timeZone} onChange={f.on('timeZone')} />}
        </Field>
      </Form>
      {editing ? (
        <button type="button" className="secondary" onClick={() => edit(undefined)}>
          Cancel editing
        </button>
      ) : null}
    </>
  );
}

function ZoneSelect({ p, value, onChange }: { p: object; value: string; onChange: Change }) {
  return (
    <select {...p} value={value} onChange={onChange}>
      {TIME_ZONES.map((z) => (
        <option key={z} value={z}>
          {z}
        </option>
      ))}
    </select>
  );
}

function Sites({ reg, reload }: { reg: Reg; reload: () => void }) {
  const [editing, setEditing] = useState<Site>();
  const empty = { customerId: reg.customers[0]?.id ?? '', name: '', address: '', timezone: 'UTC', lat: '', lon: '' };
  const f = useFields(empty);
  const edit = (s: Site | undefined) => {
    setEditing(s);
    f.setV(
      s
        ? { customerId: s.customerId, name: s.name, address: s.address ?? '', timezone: s.timezone, lat: s.location ? String(s.location.lat) : '', lon: s.location ? String(s.location.lon) : '' }
        : empty,
    );
  };
  return (
    <>
      <div className="table-wrap">
        <table>
          <caption>Sites</caption>
          <thead>
            <tr>
              <th scope="col">Site</th>
              <th scope="col">Customer</th>
              <th scope="col">Time zone</th>
              <th scope="col">Coordinates</th>
              <th scope="col">Edit</th>
            </tr>
          </thead>
          <tbody>
            {reg.sites.map((s) => (
              <tr key={s.id}>
                <th scope="row">{s.name}</th>
                <td>{reg.customer.get(s.customerId)?.name ?? 'unknown customer'}</td>
                <td>{s.timezone}</td>
                <td>{s.location ? `${s.location.lat}, ${s.location.lon}` : '–'}</td>
                <td>
                  <button type="button" className="secondary" onClick={() => edit(s)}>
                    Edit {s.name}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>{editing ? `Edit ${editing.name}` : 'Add a site'}</h2>
      {reg.customers.length === 0 ? <p className="muted">Add a customer first.</p> : null}
      <Form
        label={editing ? `Edit site ${editing.name}` : 'Add a site'}
        submit={editing ? 'Save site' : 'Add site'}
        action={async () => {
          const lat = num(f.v.lat);
          const lon = num(f.v.lon);
          const body = {
            customerId: f.v.customerId,
            name: f.v.name,
            timezone: f.v.timezone,
            ...(f.v.address.trim() ? { address: f.v.address.trim() } : {}),
            ...(lat !== undefined || lon !== undefined ? { location: { lat, lon } } : {}),
          };
          if (editing) await send('PATCH', `/sites/${editing.id}`, body);
          else await post('/sites', body);
          edit(undefined);
          reload();
        }}
      >
        <Field name="customerId" label="Customer">
          {(p) => (
            <select {...p} required value={f.v.customerId} onChange={f.on('customerId')}>
              {reg.customers.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field name="name" label="Name">
          {(p) => <input {...p} required maxLength={200} value={f.v.name} onChange={f.on('name')} />}
        </Field>
        <Field name="address" label="Address">
          {(p) => <input {...p} maxLength={500} value={f.v.address} onChange={f.on('address')} />}
        </Field>
        <Field name="timezone" label="Site time zone">
          {(p) => <ZoneSelect p={p} value={f.v.timezone} onChange={f.on('timezone')} />}
        </Field>
        <Field name="location.lat" label="Latitude">
          {(p) => <input {...p} type="number" step="any" min={-90} max={90} value={f.v.lat} onChange={f.on('lat')} />}
        </Field>
        <Field name="location.lon" label="Longitude">
          {(p) => <input {...p} type="number" step="any" min={-180} max={180} value={f.v.lon} onChange={f.on('lon')} />}
        </Field>
      </Form>
    </>
  );
}

// ---------------------------------------------------------------- asset models and failure codes

/** "bearing_temp*=bearing_wear" lines <-> the model's failure-mode mapping. */
const modesText = (m: AssetModel) => (m.prediction?.failureModes ?? []).map((x) => `${x.pattern}=${x.failureMode}`).join('\n');
const parseModes = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [pattern = '', failureMode = ''] = l.split('=').map((x) => x.trim());
      return { pattern, failureMode };
    });

function Models({ reg, reload }: { reg: Reg; reload: () => void }) {
  const [editing, setEditing] = useState<AssetModel>();
  const empty = { code: '', name: '', manufacturer: '', runningMetric: 'running', leadTimeHours: '72', repeatWindowDays: '', maxGapSeconds: '900', warrantyMonths: '24', modes: '' };
  const f = useFields(empty);
  const edit = (m: AssetModel | undefined) => {
    setEditing(m);
    f.setV(
      m
        ? {
            code: m.code,
            name: m.name,
            manufacturer: m.manufacturer ?? '',
            runningMetric: m.runningRule.metric,
            leadTimeHours: String(m.leadTimeHours),
            repeatWindowDays: m.repeatWindowDays === undefined ? '' : String(m.repeatWindowDays),
            maxGapSeconds: String(m.maxGapSeconds),
            warrantyMonths: String(m.warrantyMonths),
            modes: modesText(m),
          }
        : empty,
    );
  };
  return (
    <>
      <div className="table-wrap">
        <table>
          <caption>Asset models (product lines)</caption>
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">Name</th>
              <th scope="col">Running metric</th>
              <th scope="col">Lead time</th>
              <th scope="col">Repeat window</th>
              <th scope="col">Failure modes</th>
              <th scope="col">Edit</th>
            </tr>
          </thead>
          <tbody>
            {reg.models.map((m) => (
              <tr key={m.id}>
                <th scope="row">{m.code}</th>
                <td>{m.name}</td>
                <td>
                  {m.runningRule.metric} ({m.runningRule.kind})
                </td>
                <td>{m.leadTimeHours} h</td>
                <td>{m.repeatWindowDays === undefined ? 'default (30 days)' : `${m.repeatWindowDays} days`}</td>
                <td>{(m.prediction?.failureModes ?? []).map((x) => label(x.failureMode)).join(', ') || 'built-in'}</td>
                <td>
                  <button type="button" className="secondary" onClick={() => edit(m)}>
                    Edit {m.code}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>{editing ? `Edit ${editing.code}` : 'Add an asset model'}</h2>
      <Form
        label={editing ? `Edit asset model ${editing.code}` : 'Add an asset model'}
        submit={editing ? 'Save model' : 'Add model'}
        action={async () => {
          const modes = parseModes(f.v.modes);
          const body = {
            code: f.v.code,
            name: f.v.name,
            ...(f.v.manufacturer.trim() ? { manufacturer: f.v.manufacturer.trim() } : {}),
            // An edit keeps the rule's kind (threshold, counter) and its settings; only the metric is edited here.
            runningRule: editing ? { ...editing.runningRule, metric: f.v.runningMetric } : { kind: 'boolean', metric: f.v.runningMetric },
            leadTimeHours: num(f.v.leadTimeHours),
            maxGapSeconds: num(f.v.maxGapSeconds),
            warrantyMonths: num(f.v.warrantyMonths),
            ...(num(f.v.repeatWindowDays) !== undefined ? { repeatWindowDays: num(f.v.repeatWindowDays) } : {}),
            ...(modes.length || editing?.prediction ? { prediction: { ...editing?.prediction, failureModes: modes } } : {}),
          };
          if (editing) await send('PATCH', `/asset-models/${editing.id}`, body);
          else await post('/asset-models', body);
          edit(undefined);
          reload();
        }}
      >
        <Field name="code" label="Code">
          {(p) => <input {...p} required maxLength={64} pattern="[A-Za-z0-9][A-Za-z0-9._\/\-]*" value={f.v.code} onChange={f.on('code')} />}
        </Field>
        <Field name="name" label="Name">
          {(p) => <input {...p} required maxLength={200} value={f.v.name} onChange={f.on('name')} />}
        </Field>
        <Field name="manufacturer" label="Manufacturer">
          {(p) => <input {...p} maxLength={200} value={f.v.manufacturer} onChange={f.on('manufacturer')} />}
        </Field>
        <Field name="runningRule.metric" label="Running metric" hint="new models: true while running; an edit keeps the rule's kind">
          {(p) => <input {...p} required pattern="[a-z][a-z0-9_.]*" value={f.v.runningMetric} onChange={f.on('runningMetric')} />}
        </Field>
        <Field name="leadTimeHours" label="Lead time (hours)" hint="parts + travel + margin">
          {(p) => <input {...p} type="number" min={1} max={10000} step="any" required value={f.v.leadTimeHours} onChange={f.on('leadTimeHours')} />}
        </Field>
        <Field name="repeatWindowDays" label="Repeat-failure window (days)" hint="empty: 30 days">
          {(p) => <input {...p} type="number" min={1} max={3650} step={1} value={f.v.repeatWindowDays} onChange={f.on('repeatWindowDays')} />}
        </Field>
        <Field name="maxGapSeconds" label="Longest data gap counted (s)">
          {(p) => <input {...p} type="number" min={1} max={86400} step={1} required value={f.v.maxGapSeconds} onChange={f.on('maxGapSeconds')} />}
        </Field>
        <Field name="warrantyMonths" label="Warranty (months)">
          {(p) => <input {...p} type="number" min={0} max={240} step={1} required value={f.v.warrantyMonths} onChange={f.on('warrantyMonths')} />}
        </Field>
        <Field name="prediction.failureModes" label="Failure modes by metric" hint="one per line: metric pattern=failure mode, e.g. bearing_temp*=bearing_wear">
          {(p) => <textarea {...p} rows={3} value={f.v.modes} onChange={f.on('modes')} />}
        </Field>
      </Form>
      {editing ? <FailureCodes model={editing} /> : <p className="muted">Failure codes: edit a model to manage its catalogue.</p>}
    </>
  );
}

function FailureCodes({ model }: { model: AssetModel }) {
  const codes = useAsync(() => get<{ items: FailureCode[] }>(`/asset-models/${model.id}/failure-codes`), [model.id]);
  const f = useFields({ kind: 'symptom', code: '', description: '' });
  return (
    <>
      <h3>Failure codes of {model.code}</h3>
      <ErrorNote error={codes.error} />
      <ul>
        {(codes.data?.items ?? []).map((c) => (
          <li key={`${c.kind}-${c.code}`}>
            {c.kind}: <strong>{c.code}</strong> — {c.description}
          </li>
        ))}
      </ul>
      <Form
        label={`Add a failure code to ${model.code}`}
        submit="Add failure code"
        action={async () => {
          await send('PUT', `/asset-models/${model.id}/failure-codes`, f.v);
          f.setV({ ...f.v, code: '', description: '' });
          codes.reload();
        }}
      >
        <Field name="kind" label="Kind">
          {(p) => (
            <select {...p} value={f.v.kind} onChange={f.on('kind')}>
              {['symptom', 'cause', 'remedy'].map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          )}
        </Field>
        <Field name="code" label="Code" hint="upper case, e.g. BRG-NOISE">
          {(p) => <input {...p} required pattern="[A-Z0-9][A-Z0-9._\-]*" value={f.v.code} onChange={f.on('code')} />}
        </Field>
        <Field name="description" label="Description">
          {(p) => <input {...p} required maxLength={500} value={f.v.description} onChange={f.on('description')} />}
        </Field>
      </Form>
    </>
  );
}

// ---------------------------------------------------------------- batches and assets

function Batches({ reg, reload }: { reg: Reg; reload: () => void }) {
  const f = useFields({ assetModelId: reg.models[0]?.id ?? '', code: '', producedOn: '', unitCount: '', reserve: '0', currency: 'EUR' });
  return (
    <>
      <div className="table-wrap">
        <table>
          <caption>Production batches</caption>
          <thead>
            <tr>
              <th scope="col">Batch</th>
              <th scope="col">Model</th>
              <th scope="col">Produced</th>
              <th scope="col">Units</th>
              <th scope="col">Quality reserve</th>
            </tr>
          </thead>
          <tbody>
            {reg.batches.map((b) => (
              <tr key={b.id}>
                <th scope="row">{b.code}</th>
                <td>{reg.model.get(b.assetModelId)?.code ?? 'unknown model'}</td>
                <td>{fmtDay(b.producedOn)}</td>
                <td>{b.unitCount}</td>
                <td>{fmtMoney(b.qualityReserve.amountMinor, b.qualityReserve.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Add a production batch</h2>
      <Form
        label="Add a production batch"
        submit="Add batch"
        action={async () => {
          const amount = parseMajor(f.v.reserve);
          await post('/production-batches', {
            assetModelId: f.v.assetModelId,
            code: f.v.code,
            producedOn: f.v.producedOn,
            unitCount: num(f.v.unitCount),
            qualityReserve: { amountMinor: amount ?? f.v.reserve, currency: f.v.currency.toUpperCase() },
          });
          reload();
        }}
      >
        <Field name="assetModelId" label="Model">
          {(p) => <ModelSelect p={p} reg={reg} value={f.v.assetModelId} onChange={f.on('assetModelId')} />}
        </Field>
        <Field name="code" label="Batch code">
          {(p) => <input {...p} required maxLength={64} value={f.v.code} onChange={f.on('code')} />}
        </Field>
        <Field name="producedOn" label="Produced on">
          {(p) => <input {...p} type="date" required value={f.v.producedOn} onChange={f.on('producedOn')} />}
        </Field>
        <Field name="unitCount" label="Units built">
          {(p) => <input {...p} type="number" min={1} step={1} required value={f.v.unitCount} onChange={f.on('unitCount')} />}
        </Field>
        <Field name="qualityReserve.amountMinor" label="Quality reserve" hint="in major units, e.g. 25,000.00">
          {(p) => <input {...p} inputMode="decimal" required value={f.v.reserve} onChange={f.on('reserve')} />}
        </Field>
        <Field name="qualityReserve.currency" label="Reserve currency">
          {(p) => <input {...p} required pattern="[A-Za-z]{3}" maxLength={3} value={f.v.currency} onChange={f.on('currency')} />}
        </Field>
      </Form>
    </>
  );
}

function ModelSelect({ p, reg, value, onChange }: { p: object; reg: Reg; value: string; onChange: Change }) {
  return (
    <select {...p} required value={value} onChange={onChange}>
      {reg.models.map((m) => (
        <option key={m.id} value={m.id}>
          {m.code} — {m.name}
        </option>
      ))}
    </select>
  );
}

function Assets({ reg, reload }: { reg: Reg; reload: () => void }) {
  const [editing, setEditing] = useState<Asset>();
  const empty = { serialNumber: '', assetModelId: reg.models[0]?.id ?? '', siteId: reg.sites[0]?.id ?? '', productionBatchId: '', commissionedOn: '', warrantyEndsOn: '' };
  const f = useFields(empty);
  const edit = (a: Asset | undefined) => {
    setEditing(a);
    f.setV(
      a
        ? { serialNumber: a.serialNumber, assetModelId: a.assetModelId, siteId: a.siteId, productionBatchId: a.productionBatchId ?? '', commissionedOn: a.commissionedOn, warrantyEndsOn: a.warrantyEndsOn }
        : empty,
    );
  };
  const batches = reg.batches.filter((b) => b.assetModelId === f.v.assetModelId);
  return (
    <>
      <div className="table-wrap">
        <table>
          <caption>Assets</caption>
          <thead>
            <tr>
              <th scope="col">Serial number</th>
              <th scope="col">Model</th>
              <th scope="col">Site</th>
              <th scope="col">Batch</th>
              <th scope="col">Commissioned</th>
              <th scope="col">Warranty ends</th>
              <th scope="col">Edit</th>
            </tr>
          </thead>
          <tbody>
            {reg.assets.map((a) => (
              <tr key={a.id}>
                <th scope="row">
                  <Link to={`/assets/${a.id}`}>{a.serialNumber}</Link>
                </th>
                <td>{reg.model.get(a.assetModelId)?.code ?? 'unknown model'}</td>
                <td>{siteName(reg, a.siteId)}</td>
                <td>{a.productionBatchId ? (reg.batch.get(a.productionBatchId)?.code ?? 'unknown batch') : '–'}</td>
                <td>{fmtDay(a.commissionedOn)}</td>
                <td>{fmtDay(a.warrantyEndsOn)}</td>
                <td>
                  <button type="button" className="secondary" onClick={() => edit(a)}>
                    Edit {a.serialNumber}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>{editing ? `Edit ${editing.serialNumber}` : 'Add an asset'}</h2>
      {reg.models.length === 0 || reg.sites.length === 0 ? <p className="muted">Add an asset model and a site first.</p> : null}
      <Form
        label={editing ? `Edit asset ${editing.serialNumber}` : 'Add an asset'}
        submit={editing ? 'Save asset' : 'Add asset'}
        action={async () => {
          const body = {
            serialNumber: f.v.serialNumber,
            assetModelId: f.v.assetModelId,
            siteId: f.v.siteId,
            commissionedOn: f.v.commissionedOn,
            ...(f.v.productionBatchId ? { productionBatchId: f.v.productionBatchId } : {}),
            ...(f.v.warrantyEndsOn ? { warrantyEndsOn: f.v.warrantyEndsOn } : {}),
          };
          if (editing) await send('PATCH', `/assets/${editing.id}`, body);
          else await post('/assets', body);
          edit(undefined);
          reload();
        }}
      >
        <Field name="serialNumber" label="Serial number">
          {(p) => <input {...p} required maxLength={64} value={f.v.serialNumber} onChange={f.on('serialNumber')} />}
        </Field>
        <Field name="assetModelId" label="Model">
          {(p) => <ModelSelect p={p} reg={reg} value={f.v.assetModelId} onChange={f.on('assetModelId')} />}
        </Field>
        <Field name="siteId" label="Site">
          {(p) => (
            <select {...p} required value={f.v.siteId} onChange={f.on('siteId')}>
              {reg.sites.map((s) => (
                <option key={s.id} value={s.id}>
                  {siteName(reg, s.id)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field name="productionBatchId" label="Production batch">
          {(p) => (
            <select {...p} value={f.v.productionBatchId} onChange={f.on('productionBatchId')}>
              <option value="">none</option>
              {batches.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.code}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field name="commissionedOn" label="Commissioned on">
          {(p) => <input {...p} type="date" required value={f.v.commissionedOn} onChange={f.on('commissionedOn')} />}
        </Field>
        <Field name="warrantyEndsOn" label="Warranty ends on" hint="empty: commissioning + the model's warranty">
          {(p) => <input {...p} type="date" value={f.v.warrantyEndsOn} onChange={f.on('warrantyEndsOn')} />}
        </Field>
      </Form>
    </>
  );
}

// ---------------------------------------------------------------- devices

interface ConnectionInfo {
  mqttUrl: string | null;
  mqttPort: number | null;
  telemetryTopic: string;
}

/** Host and port devices dial: the broker URL when the server knows it, else this host with the broker's port. */
function brokerOf(info: ConnectionInfo): { url: string; host: string; port: number } {
  if (info.mqttUrl) {
    const u = new URL(info.mqttUrl);
    return { url: info.mqttUrl, host: u.hostname, port: Number(u.port || 1883) };
  }
  const port = info.mqttPort ?? 1883;
  return { url: `mqtt://${location.hostname}:${port}`, host: location.hostname, port };
}

/** The new secret, shown once, with everything a device needs to connect. */
function Credentials({ creds, info, onDone }: { creds: DeviceCredentials; info: ConnectionInfo; onDone: () => void }) {
  const b = brokerOf(info);
  const topic = info.telemetryTopic.replace('{deviceId}', creds.username);
  const payload = JSON.stringify({ ts: Date.now(), metrics: { running: true } });
  const pub = `mosquitto_pub -h ${b.host} -p ${b.port} -i ${creds.username} -u ${creds.username} -P '${creds.password}' -q 1 -t ${topic} -m '${payload}'`;
  const [copied, setCopied] = useState('');
  const copy = (what: string, text: string) =>
    navigator.clipboard.writeText(text).then(
      () => setCopied(what),
      () => setCopied('copy refused by the browser: select the text instead'),
    );
  return (
    <section className="once" aria-labelledby="creds-h">
      <h3 id="creds-h">Device credentials — shown only now</h3>
      <p>Store the password in the device now: Hourmeter keeps only its hash and cannot show it again (rotate to get a new one).</p>
      <dl className="facts" data-testid="device-credentials">
        <dt>MQTT URL</dt>
        <dd data-field="mqtt-url">{b.url}</dd>
        <dt>Username and client id</dt>
        <dd data-field="username">{creds.username}</dd>
        <dt>Password</dt>
        <dd>
          <code data-field="password">{creds.password}</code>
        </dd>
        <dt>Telemetry topic</dt>
        <dd data-field="topic">{topic}</dd>
      </dl>
      <p>Connection example (publishes one reading):</p>
      <code className="secret" data-field="example">
        {pub}
      </code>
      <div className="buttons">
        <button type="button" className="secondary" onClick={() => void copy('Password copied', creds.password)}>
          Copy password
        </button>
        <button type="button" className="secondary" onClick={() => void copy('Example copied', pub)}>
          Copy example
        </button>
        <button type="button" onClick={onDone}>
          I have stored it
        </button>
        <span role="status">{copied}</span>
      </div>
    </section>
  );
}

function Devices({ reg }: { reg: Reg }) {
  const devices = useAsync(async () => {
    const list = await all<Device>('/devices');
    const states = await mapLimit(list, 6, (d) => get<ConnectionState>(`/devices/${d.id}/status`));
    return list.map((d, i) => ({ device: d, state: states[i]! }));
  }, []);
  useLive(['device.'], devices.reload);
  const info = useAsync(() => get<ConnectionInfo>('/devices/connection'), []);
  const [shown, setShown] = useState<DeviceCredentials>();
  const [error, setError] = useState<Error>();
  const f = useFields({ assetId: reg.assets[0]?.id ?? '', name: '' });
  const act = (p: Promise<{ credentials?: DeviceCredentials }>) =>
    p.then(
      (r) => {
        setError(undefined);
        if (r.credentials) setShown(r.credentials);
        devices.reload();
      },
      (e: unknown) => setError(e as Error),
    );
  return (
    <>
      <ErrorNote error={devices.error ?? info.error ?? error} />
      {shown && info.data ? <Credentials creds={shown} info={info.data} onDone={() => setShown(undefined)} /> : null}
      <div className="table-wrap">
        <table>
          <caption>Devices: MQTT identities of assets</caption>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Asset</th>
              <th scope="col">Status</th>
              <th scope="col">Connection</th>
              <th scope="col">Last seen</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(devices.data ?? []).map(({ device: d, state }) => (
              <tr key={d.id}>
                <th scope="row">{d.name ?? 'unnamed device'}</th>
                <td>{assetLabel(reg, d.assetId)}</td>
                <td>
                  <Badge kind={d.status === 'active' ? 'completed' : 'cancelled'}>{d.status}</Badge>
                </td>
                <td data-device-connection={d.name}>{d.status === 'revoked' ? '–' : state.online ? 'connected' : 'not connected'}</td>
                <td>{fmtTime(state.lastSeenAt)}</td>
                <td>
                  {d.status === 'active' ? (
                    <div className="buttons">
                      <button type="button" className="secondary" onClick={() => void act(post(`/devices/${d.id}/rotate-secret`))}>
                        Rotate secret of {d.name ?? 'device'}
                      </button>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => {
                          if (confirm(`Revoke ${d.name ?? 'this device'} for good? It is disconnected and can never connect again.`)) void act(post(`/devices/${d.id}/revoke`));
                        }}
                      >
                        Revoke {d.name ?? 'device'}
                      </button>
                    </div>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Loading when={devices.loading && !devices.data} />
      </div>
      <h2>Provision a device</h2>
      {reg.assets.length === 0 ? <p className="muted">Add an asset first.</p> : null}
      <Form
        label="Provision a device"
        submit="Provision device"
        action={async () => {
          const r = await post<{ device: Device; credentials: DeviceCredentials }>('/devices', { assetId: f.v.assetId, ...(f.v.name.trim() ? { name: f.v.name.trim() } : {}) });
          setShown(r.credentials);
          f.setV({ ...f.v, name: '' });
          devices.reload();
        }}
      >
        <Field name="assetId" label="Asset">
          {(p) => (
            <select {...p} required value={f.v.assetId} onChange={f.on('assetId')}>
              {reg.assets.map((a) => (
                <option key={a.id} value={a.id}>
                  {assetLabel(reg, a.id)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field name="name" label="Device name">
          {(p) => <input {...p} maxLength={200} value={f.v.name} onChange={f.on('name')} placeholder="e.g. edge gateway" />}
        </Field>
      </Form>
    </>
  );
}

// ---------------------------------------------------------------- the area

const SECTIONS = [
  ['customers', 'Customers'],
  ['sites', 'Sites'],
  ['models', 'Asset models'],
  ['batches', 'Batches'],
  ['assets', 'Assets'],
  ['devices', 'Devices'],
  ['users', 'Users and API keys'],
  ['parts', 'Parts and stock'],
] as const;
type Section = (typeof SECTIONS)[number][0];

/** The admin's registry: one area, one sub-page per kind of thing, every form validated by the API's own schemas. */
export function AdminView({ section }: { section: string | undefined }) {
  const current: Section = SECTIONS.some(([s]) => s === section) ? (section as Section) : 'customers';
  const reg = useAsync(loadAll, []);
  const title = SECTIONS.find(([s]) => s === current)![1];
  return (
    <section aria-labelledby="admin-h">
      <h1 id="admin-h">Admin — {title}</h1>
      <nav className="subnav" aria-label="Admin">
        <ul>
          {SECTIONS.map(([s, text]) => (
            <li key={s}>
              <Link to={`/admin/${s}`} aria-current={s === current ? 'page' : undefined}>
                {text}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <ErrorNote error={reg.error} />
      <Loading when={reg.loading && !reg.data} />
      {current === 'users' ? (
        <>
          <UsersView />
          <ApiKeysView />
        </>
      ) : null}
      {current === 'parts' ? <PartsAdmin /> : null}
      {reg.data && current === 'customers' ? <Customers reg={reg.data} reload={reg.reload} /> : null}
      {reg.data && current === 'sites' ? <Sites reg={reg.data} reload={reg.reload} /> : null}
      {reg.data && current === 'models' ? <Models reg={reg.data} reload={reg.reload} /> : null}
      {reg.data && current === 'batches' ? <Batches reg={reg.data} reload={reg.reload} /> : null}
      {reg.data && current === 'assets' ? <Assets reg={reg.data} reload={reg.reload} /> : null}
      {reg.data && current === 'devices' ? <Devices reg={reg.data} /> : null}
    </section>
  );
}
