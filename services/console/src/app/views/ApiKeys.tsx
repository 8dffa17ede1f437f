import { Role, type ApiKey } from '@hourmeter/domain';
import { useState } from 'react';
import { get, post } from '../api';
import { Field, Form } from '../forms';
import { Badge, ErrorNote, Loading, fmtTime, label, useAsync } from '../ui';

/** Keys for machines (CI, integrations): created with a role, the secret shown once, revoked for good. */
export function ApiKeysView() {
  const keys = useAsync(() => get<{ items: ApiKey[] }>('/api-keys'), []);
  const [form, setForm] = useState({ name: '', role: 'engineer' as Role });
  const [created, setCreated] = useState<{ name: string; key: string }>();
  const [error, setError] = useState<Error>();
  return (
    <section aria-labelledby="keys-h">
      <h2 id="keys-h">API keys</h2>
      <ErrorNote error={keys.error ?? error} />
      <Loading when={keys.loading && !keys.data} />
      {created ? (
        <div className="once" role="status">
          <p>
            Key of <strong>{created.name}</strong> — shown only now; store it in the machine that uses it:
          </p>
          <code className="secret">{created.key}</code>
          <button type="button" onClick={() => setCreated(undefined)}>
            I have stored it
          </button>
        </div>
      ) : null}
      <div className="table-wrap">
        <table>
          <caption>API keys (machines; people sign in with a password)</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Starts with</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(keys.data?.items ?? []).map((k) => (
              <tr key={k.id}>
                <th scope="row">{k.name}</th>
                <td>{label(k.role)}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{fmtTime(k.lastUsedAt)}</td>
                <td>{k.revokedAt === null ? <Badge kind="completed">active</Badge> : <Badge kind="cancelled">revoked {fmtTime(k.revokedAt)}</Badge>}</td>
                <td>
                  {k.revokedAt === null ? (
                    <button
                      type="button"
                      className="danger"
                      onClick={() => {
                        if (confirm(`Revoke the key ${k.name}? Machines using it are refused from now on.`))
                          post(`/api-keys/${k.id}/revoke`).then(keys.reload, (e: unknown) => setError(e as Error));
                      }}
                    >
                      Revoke {k.name}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Form
        label="Create an API key"
        submit="Create key"
        action={async () => {
          const r = await post<{ apiKey: ApiKey; key: string }>('/api-keys', form);
          setCreated({ name: r.apiKey.name, key: r.key });
          setForm({ ...form, name: '' });
          keys.reload();
        }}
      >
        <Field name="name" label="Key name">
          {(p) => <input {...p} required maxLength={100} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}
        </Field>
        <Field name="role" label="Key role">
          {(p) => (
            <select {...p} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
              {Role.options.map((r) => (
                <option key={r} value={r}>
                  {label(r)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </Form>
    </section>
  );
}
