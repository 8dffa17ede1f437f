import { CustomerInput } from '@hourmeter/domain';
import { describe, expect, it } from 'vitest';
import { dbTargets, expectAppError, useDbTarget } from '../testing.js';

const POLICY = { maxFailures: 3, lockMs: 60_000 };

describe.each(dbTargets())('users and sessions on $name', (target) => {
  const fixture = useDbTarget(target);
  if (!fixture) return;
  const users = () => fixture.repos.users;
  let seq = 0;
  const newUser = (role: 'admin' | 'planner' = 'planner') =>
    users().create({ name: `Person ${++seq}`, email: `p${seq}-${target.name}@example.com`, role, passwordHash: 'scrypt$x' }, 1_000);

  it('creates a user once per e-mail address and lists it without the hash', async () => {
    const u = await newUser();
    expect(u).toEqual({ id: u.id, name: u.name, email: u.email, role: 'planner', customerId: null, createdAt: 1_000, disabledAt: null, lockedUntil: null, lastSignInAt: null });
    await expectAppError(users().create({ name: 'Twin', email: u.email, role: 'admin', passwordHash: 'h' }), 'CONFLICT');
    expect((await users().list()).find((x) => x.id === u.id)).toEqual(u);
    expect(JSON.stringify(await users().list())).not.toContain('scrypt$x');
    expect((await users().findForSignIn(u.email))?.passwordHash).toBe('scrypt$x');
  });

  it('locks an account when consecutive failures reach the limit, and a sign-in clears the count', async () => {
    const u = await newUser();
    expect(await users().recordFailedSignIn(u.id, POLICY, 2_000)).toBeNull();
    await users().recordSignIn(u.id, 2_500);
    expect(await users().recordFailedSignIn(u.id, POLICY, 3_000)).toBeNull();
    expect(await users().recordFailedSignIn(u.id, POLICY, 3_100)).toBeNull();
    expect(await users().recordFailedSignIn(u.id, POLICY, 3_200)).toBe(63_200);
    expect(await users().get(u.id)).toMatchObject({ lockedUntil: 63_200, lastSignInAt: 2_500 });
    // A reset lifts the lock.
    await users().setPasswordHash(u.id, 'scrypt$new', { endSessions: true }, 4_000);
    expect(await users().get(u.id)).toMatchObject({ lockedUntil: null });
  });

  it('counts concurrent failures without losing one', async () => {
    const u = await newUser();
    const locks = await Promise.all([1, 2, 3].map((i) => users().recordFailedSignIn(u.id, POLICY, 5_000 + i)));
    expect(locks.filter((l) => l !== null)).toHaveLength(1);
  });

  it('resolves a session until it expires, and never by a wrong token', async () => {
    const u = await newUser();
    await users().sessions.create(u.id, 'tok-a', 'csrf-a', 10_000, 1_000);
    expect(await users().sessions.resolve('tok-a', 9_999)).toMatchObject({ user: { id: u.id }, csrfToken: 'csrf-a', expiresAt: 10_000 });
    expect(await users().sessions.resolve('tok-a', 10_000)).toBeUndefined();
    expect(await users().sessions.resolve('tok-b', 5_000)).toBeUndefined();
    expect(await users().sessions.purgeExpired(10_000)).toBeGreaterThanOrEqual(1);
  });

  it('ends the sessions of a user who is disabled, changes role or gets a new password', async () => {
    const u = await newUser();
    const open = async (t: string) => users().sessions.create(u.id, t, 'c', 1e12, 1_000);
    await open('s1');
    await users().update(u.id, { name: 'Renamed' });
    expect(await users().sessions.resolve('s1', 2_000)).toMatchObject({ user: { name: 'Renamed' } });
    await users().update(u.id, { role: 'admin' });
    expect(await users().sessions.resolve('s1', 2_000)).toBeUndefined();
    await open('s2');
    await users().setPasswordHash(u.id, 'h2', { endSessions: true });
    expect(await users().sessions.resolve('s2', 2_000)).toBeUndefined();
    await open('s3');
    expect(await users().update(u.id, { disabled: true }, 3_000)).toMatchObject({ disabledAt: 3_000 });
    expect(await users().sessions.resolve('s3', 3_000)).toBeUndefined();
    expect(await users().update(u.id, { disabled: false })).toMatchObject({ disabledAt: null });
    await open('s4');
    await users().sessions.end('s4');
    expect(await users().sessions.resolve('s4', 3_000)).toBeUndefined();
  });

  it('creates the first admin only on an empty table', async () => {
    // Other tests of this suite have added users already.
    await newUser();
    expect(await users().bootstrapAdmin({ name: 'Admin', email: `first-${target.name}@example.com`, role: 'admin', passwordHash: 'h' })).toBeUndefined();
    await expectAppError(users().get('usr_missing'), 'NOT_FOUND');
  });

  it("keeps each customer's users to that customer: listed, found and changed only within it", async () => {
    const customer = (name: string) => fixture.repos.customers.create(CustomerInput.parse({ name: `${name} ${target.name}`, currency: 'EUR' }));
    const [a, b] = [await customer('Acme'), await customer('Brix')];
    const person = (c: string, role: 'customer-admin' | 'customer-viewer', n: string) =>
      users().create({ name: n, email: `${n}-${target.name}@example.com`.toLowerCase(), role, passwordHash: 'h', customerId: c });
    const aAdmin = await person(a.id, 'customer-admin', 'AnnA');
    const aViewer = await person(a.id, 'customer-viewer', 'AlfA');
    const bViewer = await person(b.id, 'customer-viewer', 'BobB');
    const staff = await newUser();

    expect(aAdmin.customerId).toBe(a.id);
    expect((await users().listOfCustomer(a.id)).map((u) => u.id).sort()).toEqual([aAdmin.id, aViewer.id].sort());
    expect((await users().listOfCustomer(b.id)).map((u) => u.id)).toEqual([bViewer.id]);
    expect(await users().getOfCustomer(aViewer.id, a.id)).toEqual(aViewer);
    // Another customer's user and a staff user are "not found" from a customer's side, never revealed.
    await expectAppError(users().getOfCustomer(bViewer.id, a.id), 'NOT_FOUND');
    await expectAppError(users().getOfCustomer(staff.id, a.id), 'NOT_FOUND');
    // A viewer may become an admin of the same customer, but no account crosses between staff and customer.
    expect(await users().update(aViewer.id, { role: 'customer-admin' })).toMatchObject({ role: 'customer-admin', customerId: a.id });
    await expectAppError(users().update(aViewer.id, { role: 'admin' }), 'VALIDATION_FAILED');
    await expectAppError(users().update(staff.id, { role: 'customer-viewer' }), 'VALIDATION_FAILED');
    // A customer user names a customer that exists.
    await expectAppError(users().create({ name: 'Ghost', email: `ghost-${target.name}@example.com`, role: 'customer-viewer', passwordHash: 'h', customerId: 'cus_00000000000000000000000000' }), 'VALIDATION_FAILED');
    // The customer cannot be deleted from under its people.
    await expect(fixture.repos.customers.remove(b.id)).rejects.toThrow();
  });
});
