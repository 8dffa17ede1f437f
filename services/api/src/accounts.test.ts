import { dbTargets, expectAppError, useDbTarget } from '@hourmeter/db/testing';
import { describe, expect, it } from 'vitest';
import { accountService } from './accounts.js';

describe.each(dbTargets())('account service on $name', (target) => {
  const fixture = useDbTarget(target);
  if (!fixture) return;
  let clock = 1_000_000;
  const accounts = () =>
    accountService({
      users: fixture.repos.users,
      keys: fixture.repos.apiKeys,
      clock: () => clock,
      options: { sessionTtlMs: 60_000, lockout: { maxFailures: 2, lockMs: 30_000 } },
    });

  it('signs a person in to a session that authenticates with their role and name until it expires', async () => {
    const svc = accounts();
    await svc.createUser({ name: 'Erin Engineer', email: `erin-${target.name}@example.com`, role: 'engineer', password: 'a long passphrase' });
    const s = await svc.signIn(`erin-${target.name}@example.com`, 'a long passphrase', '10.1.0.1');
    const auth = svc.authenticator();
    expect(await auth.session!(s.token)).toEqual({ principal: { kind: 'user', id: s.user.id, role: 'engineer', name: 'Erin Engineer' }, csrfToken: s.csrfToken });
    expect(s.user.lastSignInAt).toBe(clock);
    clock += 60_000;
    expect(await auth.session!(s.token)).toBeUndefined();
  });

  it('locks after the allowed failures and unlocks when the lock ends', async () => {
    const svc = accounts();
    const email = `lock-${target.name}@example.com`;
    await svc.createUser({ name: 'Lou', email, role: 'planner', password: 'a long passphrase' });
    await expectAppError(svc.signIn(email, 'wrong', '10.1.0.2'), 'UNAUTHENTICATED');
    await expectAppError(svc.signIn(email, 'wrong', '10.1.0.2'), 'ACCOUNT_LOCKED');
    await expectAppError(svc.signIn(email, 'a long passphrase', '10.1.0.2'), 'ACCOUNT_LOCKED');
    clock += 30_000;
    expect((await svc.signIn(email, 'a long passphrase', '10.1.0.2')).user.lockedUntil).toBeNull();
  });
});
