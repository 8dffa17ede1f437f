import { bootstrapAdminUser } from '../accounts.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEmbeddedApi } from '../testing/embedded-api.js';

let clock = Date.UTC(2026, 11, 7, 9);
const TTL = 3_600_000;
const api = useEmbeddedApi({
  clock: () => clock,
  accounts: { sessionTtlMs: TTL, lockout: { maxFailures: 3, lockMs: 600_000 }, addressThrottle: { maxFailures: 6, windowMs: 600_000 } },
});
const ADMIN = { email: 'admin@example.com', password: 'first-admin-password' };
let adminKey = '';

beforeAll(async () => {
  adminKey = (await api.repos.apiKeys.bootstrapAdmin(undefined))!.key;
  const first = await bootstrapAdminUser(api.repos, { email: ADMIN.email, password: undefined });
  ADMIN.password = first!.password;
  expect(first).toMatchObject({ email: ADMIN.email, generated: true });
  expect(await bootstrapAdminUser(api.repos, { email: 'other@example.com', password: 'another-password' })).toBeUndefined();
});

interface Session {
  cookie: string;
  csrf: string;
}

async function signIn(email: string, password: string, ip = '10.0.0.1') {
  const res = await api.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email, password }, remoteAddress: ip });
  return { res, body: res.json() };
}

async function session(email: string, password: string): Promise<Session> {
  const { res, body } = await signIn(email, password);
  expect(res.statusCode, res.body).toBe(200);
  const cookie = res.cookies.find((c) => c.name === 'hm_session')!;
  return { cookie: `hm_session=${cookie.value}`, csrf: body.csrfToken };
}

function call(method: 'GET' | 'POST' | 'PATCH', url: string, opts: { as?: Session | string; csrf?: string | false; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (typeof opts.as === 'string') headers.authorization = `Bearer ${opts.as}`;
  else if (opts.as) {
    headers.cookie = opts.as.cookie;
    if (opts.csrf !== false) headers['x-csrf-token'] = opts.csrf ?? opts.as.csrf;
  }
  return api.app.inject({ method, url: `/api/v1${url}`, headers, ...(opts.body === undefined ? {} : { payload: opts.body as object }) });
}

let seq = 0;
async function newUser(role: 'planner' | 'engineer' | 'account-manager', password = 'correct horse battery') {
  const res = await call('POST', '/users', { as: adminKey, body: { name: `Pat Planner ${++seq}`, email: `Pat${seq}@Example.com`, role, password } });
  expect(res.statusCode, res.body).toBe(201);
  return { ...res.json(), password };
}

describe('sign-in with a session cookie', () => {
  it('sets an httpOnly SameSite=Strict cookie and tells /me who signed in', async () => {
    const { res, body } = await signIn(ADMIN.email, ADMIN.password);
    expect(res.statusCode).toBe(200);
    const cookie = res.cookies.find((c) => c.name === 'hm_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/' });
    expect(body.user).toMatchObject({ email: ADMIN.email, role: 'admin', name: 'Administrator' });
    expect(JSON.stringify(body)).not.toContain(cookie.value);
    const me = await call('GET', '/me', { as: { cookie: `hm_session=${cookie.value}`, csrf: body.csrfToken } });
    expect(me.json()).toEqual({ kind: 'user', id: body.user.id, role: 'admin', name: 'Administrator', csrfToken: body.csrfToken });
  });

  it('answers a wrong password and an unknown e-mail alike', async () => {
    const a = await signIn(ADMIN.email, 'not the password', '10.0.1.1');
    const b = await signIn('nobody@example.com', 'not the password', '10.0.1.1');
    for (const r of [a, b]) expect(r.res.statusCode).toBe(401);
    expect(a.body).toMatchObject({ code: 'UNAUTHENTICATED', detail: b.body.detail });
    expect((await signIn('not-an-email', 'x')).res.statusCode).toBe(400);
  });

  it('refuses a write made with the cookie but without the CSRF token; a Bearer key needs none', async () => {
    const s = await session(ADMIN.email, ADMIN.password);
    const body = { name: 'Acme', currency: 'EUR' };
    const missing = await call('POST', '/customers', { as: s, csrf: false, body });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().code).toBe('CSRF_REFUSED');
    expect((await call('POST', '/customers', { as: s, csrf: 'forged', body })).json().code).toBe('CSRF_REFUSED');
    expect((await call('GET', '/customers', { as: s, csrf: false })).statusCode).toBe(200);
    expect((await call('POST', '/customers', { as: s, body })).statusCode).toBe(201);
    expect((await call('POST', '/customers', { as: adminKey, body })).statusCode).toBe(201);
  });

  it("applies the user's role to every route, as with a key of that role", async () => {
    const planner = await newUser('planner');
    const s = await session(planner.email.toLowerCase(), planner.password);
    expect((await call('GET', '/me', { as: s })).json()).toMatchObject({ role: 'planner', name: planner.name });
    expect((await call('GET', '/users', { as: s })).json().code).toBe('FORBIDDEN');
    expect((await call('POST', '/api-keys', { as: s, body: { name: 'x', role: 'admin' } })).statusCode).toBe(403);
    expect((await call('POST', '/customers', { as: s, body: { name: 'Planned', currency: 'EUR' } })).statusCode).toBe(403);
    const customer = (await call('POST', '/customers', { as: adminKey, body: { name: 'For a site', currency: 'EUR' } })).json();
    expect((await call('POST', '/sites', { as: s, body: { customerId: customer.id, name: 'Plant' } })).statusCode).toBe(201);
  });

  it('locks an account after repeated failures until an admin resets the password', async () => {
    const u = await newUser('engineer');
    for (let i = 0; i < 2; i++) expect((await signIn(u.email, 'wrong password', '10.0.2.1')).res.statusCode).toBe(401);
    const third = await signIn(u.email, 'wrong password', '10.0.2.1');
    expect(third.res.statusCode).toBe(429);
    expect(third.body.code).toBe('ACCOUNT_LOCKED');
    // Locked: even the right password is refused.
    expect((await signIn(u.email, u.password, '10.0.2.2')).body.code).toBe('ACCOUNT_LOCKED');
    const reset = await call('POST', `/users/${u.id}/password`, { as: adminKey, body: { password: 'a brand new password' } });
    expect(reset.json()).toMatchObject({ lockedUntil: null });
    expect((await signIn(u.email, u.password, '10.0.2.2')).res.statusCode).toBe(401);
    expect((await signIn(u.email, 'a brand new password', '10.0.2.2')).res.statusCode).toBe(200);
  });

  it('throttles an address that keeps failing, whatever e-mail it tries', async () => {
    for (let i = 0; i < 6; i++) expect((await signIn(`guess${i}@example.com`, 'password', '10.0.3.1')).res.statusCode).toBe(401);
    expect((await signIn(ADMIN.email, ADMIN.password, '10.0.3.1')).body.code).toBe('RATE_LIMITED');
    expect((await signIn(ADMIN.email, ADMIN.password, '10.0.3.2')).res.statusCode).toBe(200);
  });

  it('ends a session at sign-out, when it expires, and when the user is disabled', async () => {
    const u = await newUser('account-manager');
    const a = await session(u.email, u.password);
    const out = await call('POST', '/auth/sign-out', { as: a });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === 'hm_session')?.value).toBe('');
    expect((await call('GET', '/me', { as: a })).statusCode).toBe(401);

    const b = await session(u.email, u.password);
    clock += TTL;
    expect((await call('GET', '/me', { as: b })).statusCode).toBe(401);

    const c = await session(u.email, u.password);
    expect((await call('PATCH', `/users/${u.id}`, { as: adminKey, body: { disabled: true } })).json().disabledAt).toBe(clock);
    expect((await call('GET', '/me', { as: c })).statusCode).toBe(401);
    expect((await signIn(u.email, u.password)).res.statusCode).toBe(401);
  });

  it('refuses a weak password and a duplicate e-mail with clear codes', async () => {
    const weak = await call('POST', '/users', { as: adminKey, body: { name: 'W', email: 'w@example.com', role: 'planner', password: 'short' } });
    expect(weak.json().code).toBe('VALIDATION_FAILED');
    const dup = await call('POST', '/users', { as: adminKey, body: { name: 'D', email: ADMIN.email.toUpperCase(), role: 'planner', password: 'long enough password' } });
    expect(dup.statusCode).toBe(409);
    expect(JSON.stringify((await call('GET', '/users', { as: adminKey })).json())).not.toMatch(/scrypt|password/);
  });
});
