import type { AssetModel, WorkOrder } from '@hourmeter/domain';
import { post } from '../api';
import type { Registry } from '../data';
import { Field, Form, useFields } from '../forms';
import { label, navigate } from '../ui';

/** The kinds a planner opens by hand (preventive ones come from prediction and schedules). */
const KINDS = ['corrective', 'inspection', 'installation'] as const;
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
/** The SLA priority the server derives from a severity when none is chosen (critical P1 .. low P4, P3 without one). */
const PRIORITY_OF: Record<string, string> = { critical: 'P1', high: 'P2', medium: 'P3', low: 'P4', '': 'P3' };

/** The failure modes an asset model knows: its prediction mapping and the modes it suggests parts for. */
export function failureModesOf(model: AssetModel | undefined): string[] {
  const modes = [...(model?.prediction?.failureModes ?? []).map((m) => m.failureMode), ...Object.keys(model?.prediction?.suggestedParts ?? {})];
  return [...new Set(modes)].sort();
}

/** "serial · model · site", the name a planner picks an asset by. */
function assetLabel(reg: Registry, id: string): string {
  const a = reg.assetById.get(id)!;
  return [a.serialNumber, reg.models.get(a.assetModelId)?.name, reg.sites.get(a.siteId)?.name].filter(Boolean).join(' · ');
}

/**
 * Opens a corrective, inspection or installation order. The server's field
 * errors appear under their fields (an installation on a model without a
 * checklist template is refused under "Kind").
 */
export function NewWorkOrder({ reg, onCreated }: { reg: Registry; onCreated: () => void }) {
  const assets = [...reg.assets].sort((a, b) => assetLabel(reg, a.id).localeCompare(assetLabel(reg, b.id)));
  const f = useFields({ kind: 'corrective', assetId: assets[0]?.id ?? '', failureMode: '', severity: '', priority: '', description: '' });
  const model = reg.models.get(reg.assetById.get(f.v.assetId)?.assetModelId ?? '');
  const modes = failureModesOf(model);
  const priority = f.v.priority || PRIORITY_OF[f.v.severity];
  return (
    <Form
      label="New work order"
      submit="Open work order"
      className="admin-form grid-form"
      action={async () => {
        const body = {
          kind: f.v.kind,
          assetId: f.v.assetId,
          ...(f.v.kind === 'corrective' && f.v.failureMode.trim() ? { failureMode: f.v.failureMode.trim() } : {}),
          ...(f.v.severity ? { severity: f.v.severity } : {}),
          ...(f.v.priority ? { priority: f.v.priority } : {}),
          ...(f.v.description.trim() ? { description: f.v.description.trim() } : {}),
        };
        const created = await post<WorkOrder>('/work-orders', body);
        f.setV({ ...f.v, failureMode: '', description: '' });
        onCreated();
        navigate(`/work-orders/${created.id}`);
      }}
    >
      <Field name="kind" label="Kind" hint={f.v.kind === 'installation' ? "Needs the asset model's installation checklist template." : undefined}>
        {(p) => (
          <select {...p} value={f.v.kind} onChange={f.on('kind')}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {label(k)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field name="assetId" label="Asset">
        {(p) => (
          <select {...p} required value={f.v.assetId} onChange={(e) => f.setV({ ...f.v, assetId: e.target.value, failureMode: '' })}>
            {assets.length === 0 ? <option value="">no assets registered</option> : null}
            {assets.map((a) => (
              <option key={a.id} value={a.id}>
                {assetLabel(reg, a.id)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {f.v.kind === 'corrective' ? (
        <Field name="failureMode" label="Failure mode" hint={modes.length ? undefined : 'This model names no failure modes; type one (e.g. seal_leak).'}>
          {(p) =>
            modes.length ? (
              <select {...p} required value={f.v.failureMode} onChange={f.on('failureMode')}>
                <option value="">choose a failure mode</option>
                {modes.map((m) => (
                  <option key={m} value={m}>
                    {label(m)}
                  </option>
                ))}
              </select>
            ) : (
              <input {...p} required maxLength={64} value={f.v.failureMode} onChange={f.on('failureMode')} />
            )
          }
        </Field>
      ) : null}
      <Field name="severity" label="Severity">
        {(p) => (
          <select {...p} value={f.v.severity} onChange={f.on('severity')}>
            <option value="">not set</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field name="priority" label="SLA priority" hint={`The order gets the ${priority} response and fix times of the customer's contract (or customer class).`}>
        {(p) => (
          <select {...p} value={f.v.priority} onChange={f.on('priority')}>
            <option value="">from the severity ({PRIORITY_OF[f.v.severity]})</option>
            {['P1', 'P2', 'P3', 'P4'].map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field name="description" label="Description">
        {(p) => <textarea {...p} maxLength={2000} rows={2} value={f.v.description} onChange={f.on('description')} />}
      </Field>
    </Form>
  );
}
