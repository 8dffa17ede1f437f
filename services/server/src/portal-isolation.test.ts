import { openDb, repositories } from '@hourmeter/db';
import { mayCall, type DeclaredRoute } from '@hourmeter/http';
import { loadConfig } from '@hourmeter/runtime';
import { pgDatabase, tempDir } from '@hourmeter/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildServer, type ServerHandle } from './build-server.js';
import { seedPortalCustomers, type PortalCustomer } from './testing/portal-customers.js';

/**
 * Issue #19: isolation is absolute. Every /api/v1 route the whole process
 * serves (read from the running API, so a route added later is walked too)
 * is called as customer B's admin with customer A's ids in its path
 * parameters and query filters. Each answer must be a refusal (403: the
 * route is not a customer's) or "not found" (404: A's id does not exist for
 * B), or, for B's own lists, B's data; and no body may carry any of A's ids
 * or names. The same detector run as A finds A's data, so it can fail.
 */
const ADMIN_KEY = 'hm_portal_isolation_admin_key_0123456789';

const engines = [
  { name: 'sqlite' as const, skip: undefined },
  { name: 'postgres' as const, skip: inject('postgresUrl') ? undefined : 'no PostgreSQL (install postgresql)' },
];

describe.each(engines)('portal isolation on $name', ({ name, skip }) => {
  if (skip) {
    it.skip(skip, () => undefined);
    return;
  }
  const dir = tempDir();
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let server: ServerHandle;
  let a: PortalCustomer;
  let b: PortalCustomer;
  let alertA: string;
  let alertB: string;

  const admin = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.address}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  /** A signed-in customer user: the session cookie and its CSRF token, as the console holds them. */
  async function signIn(c: PortalCustomer) {
    const res = await fetch(`${server.address}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: c.email, password: c.password }) });
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    return async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${server.address}${path}`, {
        method,
        headers: { cookie, 'x-csrf-token': csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: r.status, body: await r.text() };
    };
  }

  beforeAll(async () => {
    if (name === 'postgres') database = await pgDatabase(inject('postgresUrl'));
    server = await buildServer(
      loadConfig({
        HM_DATA_DIR: dir.path,
        HM_ADMIN_KEY: ADMIN_KEY,
        HM_HTTP_HOST: '127.0.0.1',
        HM_HTTP_PORT: '0',
        HM_MQTT_HOST: '127.0.0.1',
        HM_MQTT_PORT: '0',
        HM_LOG_LEVEL: 'silent',
        ...(database ? { DATABASE_URL: database.url } : {}),
      }),
    );
    const seeded = await seedPortalCustomers(admin, [
      { name: 'Aardvark Quarries Ltd', tag: 'AARD' },
      { name: 'Bramble Foods GmbH', tag: 'BRAM' },
    ]);
    a = seeded[0]!;
    b = seeded[1]!;
    // Alerts come from prediction; raised here directly on the same store, as the detector would.
    const db = await openDb({ dataDir: dir.path, logger: pino({ level: 'silent' }), databaseUrl: database?.url });
    try {
      const repos = repositories(db);
      const raise = (assetId: string, failureMode: string) =>
        repos.alerts.raise({ assetId, failureMode, severity: 'high', evidence: { signals: [{ metric: 'vibration', score: 6 }], windowFrom: 0, windowTo: 1 }, modelVersion: 'anomaly-v1', at: Date.now(), reason: 'raised' });
      alertA = (await raise(a.assetId, 'aardvark_bearing_wear')).id;
      alertB = (await raise(b.assetId, 'bramble_seal_leak')).id;
    } finally {
      await db.close();
    }
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await database?.drop();
    dir.cleanup();
  });

  /** What must never reach B: every id and name of A's. */
  const markersOf = (c: PortalCustomer, alertId: string) => [
    c.customerId, c.name, c.siteId, c.siteName, c.assetId, c.serialNumber, c.contractId, c.invoiceId, c.invoiceNumber, c.creditNoteId, c.workOrderId, c.userId, c.email, alertId, 'aardvark',
  ];

  /** The id of A's that a path parameter most plausibly names, by the segment before it; every id of A's where none fits. */
  function idsFor(url: string, param: string, c: PortalCustomer, alertId: string): string[] {
    if (param === 'noteId') return [c.creditNoteId];
    const segment = url.split('/').slice(0, url.split('/').indexOf(`:${param}`)).at(-1);
    const byCollection: Record<string, string> = {
      customers: c.customerId,
      sites: c.siteId,
      assets: c.assetId,
      contracts: c.contractId,
      invoices: c.invoiceId,
      'work-orders': c.workOrderId,
      alerts: alertId,
      users: c.userId,
    };
    const known = segment ? byCollection[segment] : undefined;
    return known ? [known] : [c.assetId, c.customerId, c.siteId, c.contractId, c.invoiceId, c.workOrderId, alertId, c.userId];
  }

  /** Every concrete request of a route with A's ids: each path parameter filled, each customer-data filter set to A's. */
  function requestsOf(route: DeclaredRoute, c: PortalCustomer, alertId: string): string[] {
    const params = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
    let urls = [route.url];
    for (const p of params) urls = urls.flatMap((u) => idsFor(route.url, p, c, alertId).map((id) => u.replace(`:${p}`, encodeURIComponent(id))));
    const filters = new URLSearchParams({ customerId: c.customerId, siteId: c.siteId, assetId: c.assetId, contractId: c.contractId, invoiceId: c.invoiceId, workOrderId: c.workOrderId, q: c.serialNumber, search: c.name });
    return urls.map((u) => `${u}?${filters.toString()}`);
  }

  it('walks every route as customer B with customer A ids and finds nothing of A', async () => {
    // Signing out ends the walk's session, so it goes last.
    const signOut = (r: DeclaredRoute) => (r.url.endsWith('/auth/sign-out') ? 1 : 0);
    const routes = server.apiRoutes.filter((r) => !r.url.endsWith('*')).sort((x, y) => signOut(x) - signOut(y));
    expect(routes.length, 'routes read from the running API').toBeGreaterThan(120);
    const asB = await signIn(b);
    const markers = markersOf(a, alertA).map((m) => m.toLowerCase());
    const leaks: string[] = [];
    const wrongStatus: string[] = [];
    let calls = 0;
    for (const route of routes) {
      const allowed = mayCall('customer-admin', route.allow);
      const hasParams = route.url.includes(':');
      for (const url of requestsOf(route, a, alertA)) {
        // Writes carry a plausible body so a route that would act on A's record gets the chance to.
        const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : { name: 'Isolation probe', disabled: true, role: 'customer-viewer' };
        const res = await asB(route.method, url, body);
        calls++;
        // A 404 names the id the caller sent ("asset ast_... not found"), as for an id that never existed: that echo tells B nothing.
        const sent = res.status === 404 ? decodeURIComponent(url.split('?')[0]!).split('/').filter((seg) => /^[a-z]+_[0-9A-Z]{26}$/.test(seg)) : [];
        const lower = sent.reduce((text, id) => text.replaceAll(id, '<sent id>'), res.body).toLowerCase();
        if (res.status === 404) expect(JSON.parse(res.body), url).toMatchObject({ code: 'NOT_FOUND' });
        for (const m of markers) if (lower.includes(m)) leaks.push(`${route.method} ${url} -> ${res.status} carries "${m}"`);
        // Not a customer's route: refused by the role matrix. A customer's route about one of A's records: not found.
        // A customer's list: B's own data (checked for A's above), or a validation error for a malformed query.
        const expected = !allowed ? [403] : hasParams ? [404] : signOut(route) ? [204] : route.method === 'GET' ? [200] : [400];
        if (!expected.includes(res.status)) wrongStatus.push(`${route.method} ${url} -> ${res.status} (expected ${expected.join('/')}) ${res.body.slice(0, 160)}`);
      }
    }
    expect(leaks, 'customer A data in customer B answers').toEqual([]);
    expect(wrongStatus).toEqual([]);
    expect(calls).toBeGreaterThanOrEqual(routes.length);
  }, 180_000);

  it("shows each customer its own data, so the walk's detector would see a leak", async () => {
    const asA = await signIn(a);
    const markers = markersOf(a, alertA);
    const own = await Promise.all(
      ['/api/v1/portal/fleet', '/api/v1/portal/work-orders', '/api/v1/portal/alerts', '/api/v1/portal/invoices', `/api/v1/portal/assets/${a.assetId}`, '/api/v1/portal/users'].map((p) => asA('GET', p)),
    );
    for (const r of own) expect(r.status).toBe(200);
    const all = own.map((r) => r.body).join('\n');
    for (const m of [a.serialNumber, a.siteName, a.workOrderId, a.invoiceNumber, a.creditNoteId, alertA, a.email]) expect(all).toContain(m);
    expect(markers.filter((m) => all.includes(m)).length).toBeGreaterThan(5);
    // And nothing of B's reaches A either.
    for (const m of [b.assetId, b.serialNumber, b.invoiceId, b.workOrderId, alertB, b.email]) expect(all).not.toContain(m);
    const pdf = await fetch(`${server.address}/api/v1/portal/invoices/${b.invoiceId}/pdf`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    // Staff name the customer whose portal to preview; without one the request is incomplete.
    expect(pdf.status).toBe(400);
  });

  it("refuses a request or complaint naming another customer's asset, work order or invoice with 404, and stores nothing", async () => {
    const asA = await signIn(a);
    const asB = await signIn(b);
    const staffList = () => admin<{ items: { id: string; customerId: string }[] }>('GET', '/service-requests?limit=500');
    const before = (await staffList()).items.length;
    const probes = [
      { assetId: a.assetId, symptom: 'Probe', contact: 'Mallory' },
      { type: 'complaint', assetId: b.assetId, symptom: 'Probe', contact: 'Mallory', cause: { kind: 'work_order', workOrderId: a.workOrderId } },
      { type: 'complaint', assetId: b.assetId, symptom: 'Probe', contact: 'Mallory', cause: { kind: 'invoice', invoiceId: a.invoiceId } },
    ];
    const markers = markersOf(a, alertA).map((m) => m.toLowerCase());
    for (const body of probes) {
      const res = await asB('POST', '/api/v1/portal/service-requests', body);
      expect(res.status, res.body).toBe(404);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'NOT_FOUND' });
      // The 404 echoes only the id B sent; nothing else of A's.
      const sent = [a.assetId, a.workOrderId, a.invoiceId].reduce((t, id) => t.replaceAll(id, '<sent id>'), res.body).toLowerCase();
      expect(markers.filter((m) => sent.includes(m))).toEqual([]);
    }
    expect((await staffList()).items.length).toBe(before);
    // The same complaints about their own work order and invoice are A's to make, and only A lists them.
    for (const cause of [{ kind: 'work_order', workOrderId: a.workOrderId }, { kind: 'invoice', invoiceId: a.invoiceId }]) {
      const res = await asA('POST', '/api/v1/portal/service-requests', { type: 'complaint', assetId: a.assetId, symptom: 'Aardvark complaint', contact: 'Ada', cause });
      expect(res.status, res.body).toBe(201);
    }
    const listA = await asA('GET', '/api/v1/portal/service-requests');
    expect(listA.body).toContain(a.invoiceId);
    expect(listA.body).toContain(a.serialNumber);
    const listB = (await asB('GET', `/api/v1/portal/service-requests?customerId=${a.customerId}`)).body.toLowerCase();
    expect(markers.filter((m) => listB.includes(m))).toEqual([]);
  });

  it('lets a customer admin manage only their own people, never staff or another customer', async () => {
    const asA = await signIn(a);
    const invited = await asA('POST', '/api/v1/portal/users', { name: 'Aardvark Viewer', email: 'aard-viewer@example.com', role: 'customer-viewer', password: 'a-viewer-password-1' });
    expect(invited.status).toBe(201);
    expect(JSON.parse(invited.body)).toMatchObject({ role: 'customer-viewer', customerId: a.customerId });
    // A customer admin cannot mint staff: the role is refused by validation, not stored.
    expect((await asA('POST', '/api/v1/portal/users', { name: 'Sneaky', email: 'sneaky@example.com', role: 'admin', password: 'sneaky-password-1' })).status).toBe(400);
    expect((await asA('POST', '/api/v1/users', { name: 'Sneaky', email: 'sneaky@example.com', role: 'admin', password: 'sneaky-password-1' })).status).toBe(403);
    // B's admin cannot touch A's new viewer; A's can.
    const asB = await signIn(b);
    const viewerId = (JSON.parse(invited.body) as { id: string }).id;
    expect((await asB('PATCH', `/api/v1/portal/users/${viewerId}`, { disabled: true })).status).toBe(404);
    const users = await admin<{ items: { id: string; disabledAt: number | null }[] }>('GET', '/users');
    expect(users.items.find((u) => u.id === viewerId)?.disabledAt).toBeNull();
    // A viewer reads the portal but manages no one.
    const viewer = await signIn({ ...a, email: 'aard-viewer@example.com', password: 'a-viewer-password-1' });
    expect((await viewer('GET', '/api/v1/portal/fleet')).status).toBe(200);
    expect((await viewer('GET', '/api/v1/portal/users')).status).toBe(403);
    expect((await asA('PATCH', `/api/v1/portal/users/${viewerId}`, { disabled: true })).status).toBe(200);
    // Disabling ends the viewer's session at once.
    expect((await viewer('GET', '/api/v1/portal/fleet')).status).toBe(401);
  });
});
