import { CustomerRole, isCustomerRole, Role, StaffRole, type Customer, type User } from '@hourmeter/domain';
import { useState } from 'react';
import { all, get, post, send } from '../api';
import { ActionForm, Badge, ErrorNote, Loading, fmtTime, label, useAsync } from '../ui';

const ROLES = Role.options;
/** A staff account stays staff and a customer's stays the customer's: the server refuses a change across. */
const rolesLike = (role: Role) => (isCustomerRole(role) ? CustomerRole.options : StaffRole.options);

function CreateUser({ onCreated, customers }: { onCreated: () => void; customers: readonly Customer[] }) {
  const [form, setForm] = useState({ name: '', email: '', role: 'planner' as Role, password: '', customerId: '' });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const forCustomer = isCustomerRole(form.role);
  return (
    <ActionForm
      label="Add a user"
      submit="Add user"
      action={async () => {
        const { customerId, ...rest } = form;
        await post('/users', forCustomer ? { ...rest, customerId } : rest);
        setForm({ name: '', email: '', role: form.role, password: '', customerId: form.customerId });
        onCreated();
      }}
    >
      <label>
        Name <input name="name" required maxLength={100} value={form.name} onChange={set('name')} />
      </label>
      <label>
        E-mail <input name="email" type="email" required value={form.email} onChange={set('email')} />
      </label>
      <label>
        Role{' '}
        <select name="role" value={form.role} onChange={set('role')}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {label(r)}
            </option>
          ))}
        </select>
      </label>
      {forCustomer ? (
        <label>
          Customer{' '}
          <select name="customerId" required value={form.customerId} onChange={set('customerId')}>
            <option value="">Choose…</option>
            {customers.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label>
        Initial password <input name="password" type="password" autoComplete="new-password" required minLength={12} value={form.password} onChange={set('password')} />
      </label>
    </ActionForm>
  );
}

function UserRow({ user, onChanged, customers }: { user: User; onChanged: () => void; customers: ReadonlyMap<string, string> }) {
  const [error, setError] = useState<Error>();
  const [password, setPassword] = useState('');
  const run = (p: Promise<unknown>) => p.then(onChanged, (e: unknown) => setError(e as Error));
  const locked = user.lockedUntil !== null && user.lockedUntil > Date.now();
  return (
    <tr>
      <th scope="row">{user.name}</th>
      <td>{user.email}</td>
      <td>
        <select aria-label={`Role of ${user.name}`} value={user.role} onChange={(e) => run(send('PATCH', `/users/${user.id}`, { role: e.target.value }))}>
          {rolesLike(user.role).map((r) => (
            <option key={r} value={r}>
              {label(r)}
            </option>
          ))}
        </select>
        {user.customerId ? <span className="muted"> of {customers.get(user.customerId) ?? 'a deleted customer'}</span> : null}
      </td>
      <td>
        {user.disabledAt !== null ? <Badge kind="cancelled">disabled</Badge> : locked ? <Badge kind="high">locked until {fmtTime(user.lockedUntil)}</Badge> : <Badge kind="completed">active</Badge>}
      </td>
      <td>{fmtTime(user.lastSignInAt)}</td>
      <td>
        <button type="button" className="secondary" onClick={() => run(send('PATCH', `/users/${user.id}`, { disabled: user.disabledAt === null }))}>
          {user.disabledAt === null ? 'Disable' : 'Enable'}
        </button>
        <ActionForm
          label={`Reset the password of ${user.name}`}
          submit="Reset password"
          action={async () => {
            await post(`/users/${user.id}/password`, { password });
            setPassword('');
            onChanged();
          }}
        >
          <input aria-label={`New password for ${user.name}`} type="password" autoComplete="new-password" required minLength={12} value={password} onChange={(e) => setPassword(e.target.value)} />
        </ActionForm>
        <ErrorNote error={error} />
      </td>
    </tr>
  );
}

/** The admin's people: who may sign in, with which role; resets and disabling end their sessions. */
export function UsersView() {
  const users = useAsync(() => get<{ items: User[] }>('/users'), []);
  const customers = useAsync(() => all<Customer>('/customers'), []);
  const customerNames = new Map((customers.data ?? []).map((c) => [c.id, c.name]));
  return (
    <section aria-labelledby="users-h">
      <h1 id="users-h">Users</h1>
      <ErrorNote error={users.error} />
      <Loading when={users.loading && !users.data} />
      {users.data ? (
        <div className="table-wrap">
          <table>
            <caption>People who sign in to the console. Machines use API keys.</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">E-mail</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((u) => (
                <UserRow key={u.id} user={u} onChanged={users.reload} customers={customerNames} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <h2>Add a user</h2>
      <CreateUser onCreated={users.reload} customers={customers.data ?? []} />
    </section>
  );
}
