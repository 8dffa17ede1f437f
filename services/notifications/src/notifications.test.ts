import { serviceId } from '@hourmeter/db';
import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import { CSRF_HEADER, SESSION_COOKIE } from '@hourmeter/http';
import { testApi } from '@hourmeter/http/testing';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from './notifier.js';
import { notificationRoutes } from './routes.js';
import { planMessages } from './rules.js';
import { TestSmtpServer } from './testing.js';

const logger = pino({ level: 'silent' });
const CONSOLE = 'https://console.example.test';

describe.each(dbTargets())('e-mail notifications ($name)', (target) => {
  const fx = useDbTarget(target);
  if (!fx) return;
  const smtp = new TestSmtpServer();
  // A fixed clock at 01:00 UTC: before the 07:00 digest, moved forward by the tests.
  let clock = Date.UTC(2026, 11, 7, 1, 0);
  let notifier: Notifier;
  beforeAll(async () => {
    await smtp.start();
    notifier = createNotifier({
      notifications: fx.repos.notifications,
      smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
      from: 'Hourmeter <hourmeter@example.test>',
      consoleUrl: CONSOLE,
      logger,
      now: () => clock,
      options: { digestHourUtc: 7 },
    });
  });
  afterEach(async () => {
    for (const r of await fx.repos.notifications.listRecipients()) await fx.repos.notifications.removeRecipient(r.id);
    smtp.mails.length = 0;
  });
  afterAll(async () => {
    await notifier.stop();
    await smtp.stop();
  });

  async function scheduledOrder(technician: string) {
    const assetId = await fx!.newAsset();
    const order = await fx!.repos.workOrders.create({ kind: 'corrective', assetId, failureMode: 'bearing', description: 'noisy bearing' }, { actor: 'planner:key_1', now: clock, repeatWindowMs: 0 });
    await fx!.repos.workOrders.transition(order.id, { from: 'open', to: 'scheduled', actor: 'planner:key_1', at: clock, schedule: { technician, windowFrom: clock + 3_600_000, windowTo: clock + 7_200_000 } });
    return { assetId, order, asset: await fx!.repos.assets.get(assetId) };
  }

  it('mails the technician an assigned order at once (text and HTML, names, a console link); the planner gets it in the daily digest', async () => {
    const tech = await fx.repos.notifications.createRecipient({ name: 'Tess Tech', email: 'tess@example.test', role: 'engineer' });
    const planner = await fx.repos.notifications.createRecipient({ name: 'Pat Planner', email: 'pat@example.test', role: 'planner' });
    const bystander = await fx.repos.notifications.createRecipient({ name: 'Abe Account', email: 'abe@example.test', role: 'account-manager' });
    const { asset } = await scheduledOrder('Tess Tech');

    await notifier.runOnce();
    const [mail, ...more] = smtp.to(tech.email);
    expect(more).toEqual([]);
    expect(mail!.decoded).toMatch(/^Subject: \[Hourmeter\] corrective work order on Pump SN-\d+ at Plant scheduled for Tess Tech/m);
    expect(mail!.decoded).toMatch(/Content-Type: multipart\/alternative/);
    expect(mail!.decoded).toMatch(/Content-Type: text\/plain/);
    expect(mail!.decoded).toMatch(/Content-Type: text\/html/);
    expect(mail!.decoded).toContain(`Asset: Pump ${asset.serialNumber} at Plant`);
    expect(mail!.decoded).toContain(`Open the work orders: ${CONSOLE}/work-orders`);
    expect(mail!.decoded).toContain(`<a href="${CONSOLE}/work-orders">`);
    expect(mail!.decoded).not.toMatch(/ast_[0-9A-Z]{26}/);
    expect(smtp.to(planner.email)).toEqual([]);
    expect(smtp.to(bystander.email)).toEqual([]);

    clock = Date.UTC(2026, 11, 7, 7, 30); // the digest hour
    await notifier.runOnce();
    const digests = smtp.to(planner.email);
    expect(digests).toHaveLength(1);
    expect(digests[0]!.decoded).toMatch(/^Subject: \[Hourmeter\] daily digest 2026-12-07: 1 update/m);
    expect(digests[0]!.decoded).toContain('scheduled for Tess Tech');
    // Once a day: nothing new, no second digest.
    await notifier.runOnce();
    expect(smtp.to(planner.email)).toHaveLength(1);
    expect(smtp.to(bystander.email)).toEqual([]);
  });

  it('queues while the SMTP server is down and delivers once it is back, exactly once; the change never waited', async () => {
    const tech = await fx.repos.notifications.createRecipient({ name: 'Dee Down', email: 'dee@example.test', role: 'engineer' });
    await smtp.stop();
    const { order } = await scheduledOrder('Dee Down');
    expect((await fx.repos.workOrders.get(order.id)).state).toBe('scheduled');

    await notifier.runOnce();
    const [queued] = await fx.repos.notifications.listMessages({ recipientId: tech.id });
    expect(queued).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringMatching(/ECONNREFUSED/) });
    await notifier.runOnce(); // not due yet: no second attempt
    expect((await fx.repos.notifications.listMessages({ recipientId: tech.id }))[0]!.attempts).toBe(1);

    await smtp.start();
    clock += 31_000; // past the first backoff (30 s)
    await notifier.runOnce();
    expect(smtp.to(tech.email)).toHaveLength(1);
    expect((await fx.repos.notifications.listMessages({ recipientId: tech.id }))[0]).toMatchObject({ status: 'sent', attempts: 2 });
    await notifier.runOnce();
    expect(smtp.to(tech.email)).toHaveLength(1);
  });

  it('follows preferences over role defaults, and mails issued invoices in major units with the customer name', async () => {
    const muted = await fx.repos.notifications.createRecipient({ name: 'Mo Muted', email: 'mo@example.test', role: 'engineer', preferences: { 'workorder.assigned': 'off' } });
    const am = await fx.repos.notifications.createRecipient({ name: 'Abe Account', email: 'abe@example.test', role: 'account-manager' });
    await scheduledOrder('Mo Muted');
    const assetId = await fx.newAsset();
    const customer = await fx.repos.customers.get((await fx.repos.sites.get((await fx.repos.assets.get(assetId)).siteId)).customerId);
    // An issued invoice's outbox event as billing writes it (its own test proves it is written in the issuing transaction).
    await fx.repos.outbox.append({
      v: 1,
      id: serviceId('evt', clock),
      type: 'invoice.issued',
      at: clock,
      data: { invoice: { id: 'inv_1', customerId: customer.id, number: '2026-000042', totalMinor: 1_234_567, currency: 'EUR', periodStart: '2026-11-01', periodEnd: '2026-11-30' } },
    });
    await notifier.runOnce();
    expect(smtp.to(muted.email)).toEqual([]);
    const [invoiceMail] = smtp.to(am.email);
    expect(invoiceMail!.decoded).toContain('Customer: Acme');
    expect(invoiceMail!.decoded).toContain('Number: 2026-000042');
    expect(invoiceMail!.decoded).toContain('Total: €12,345.67');
    expect(invoiceMail!.decoded).toContain(`${CONSOLE}/contracts`);
  });

  it('never blocks or loses a change when no recipient or no SMTP server exists', async () => {
    await smtp.stop();
    try {
      const { order } = await scheduledOrder('Nobody');
      expect((await fx.repos.workOrders.get(order.id)).state).toBe('scheduled');
      await notifier.runOnce();
      expect(await fx.repos.notifications.listMessages({ status: 'pending' })).toEqual([]);
    } finally {
      await smtp.start();
    }
  });
});

describe.each(dbTargets())('/me/notification-preferences for signed-in users and API keys ($name)', (target) => {
  const fx = useDbTarget(target);
  if (!fx) return;

  /** The API as the server builds it, with the real user sessions behind the cookie. */
  async function api() {
    const users = fx!.repos.users;
    return testApi(
      {
        authenticate: async (k) => (k === 'key-linked' ? { id: 'key_linked', role: 'planner' } : k === 'key-alone' ? { id: 'key_alone', role: 'planner' } : undefined),
        session: async (token) => {
          const s = await users.sessions.resolve(token);
          return s && { principal: { kind: 'user', id: s.user.id, role: s.user.role, name: s.user.name }, csrfToken: s.csrfToken };
        },
      },
      (a) => notificationRoutes(a, { notifications: fx!.repos.notifications, users }),
    );
  }

  it('gives a signed-in user their own settings from the account, which they change with the CSRF token; mail follows their current role', async () => {
    const email = `erin-${target.name}@example.test`;
    const user = await fx.repos.users.create({ name: 'Erin Engineer', email, role: 'engineer', passwordHash: 'scrypt$1$1$1$x$y' });
    await fx.repos.users.sessions.create(user.id, 'cookie-erin', 'csrf-erin', Date.now() + 3_600_000);
    const app = await api();
    try {
      const cookie = `${SESSION_COOKIE}=cookie-erin`;
      const got = await app.inject({ method: 'GET', url: '/api/v1/me/notification-preferences', headers: { cookie } });
      expect(got.statusCode).toBe(200);
      expect(got.json()).toMatchObject({ name: 'Erin Engineer', email, role: 'engineer', userId: user.id, apiKeyId: null, preferences: {} });
      // A write without the session's CSRF token is refused and changes nothing.
      const forged = await app.inject({ method: 'PATCH', url: '/api/v1/me/notification-preferences', headers: { cookie }, payload: { preferences: { 'alert.raised': 'off' } } });
      expect(forged.statusCode).toBe(403);
      const patched = await app.inject({ method: 'PATCH', url: '/api/v1/me/notification-preferences', headers: { cookie, [CSRF_HEADER]: 'csrf-erin' }, payload: { preferences: { 'alert.raised': 'off' } } });
      expect(patched.statusCode).toBe(200);
      const again = await app.inject({ method: 'PATCH', url: '/api/v1/me/notification-preferences', headers: { cookie, [CSRF_HEADER]: 'csrf-erin' }, payload: { preferences: { 'invoice.issued': 'digest' } } });
      expect(again.json()).toMatchObject({ id: got.json<{ id: string }>().id, preferences: { 'alert.raised': 'off', 'invoice.issued': 'digest' } });
      expect((await fx.repos.notifications.listRecipients()).filter((r) => r.userId === user.id)).toHaveLength(1);
      const bad = await app.inject({ method: 'PATCH', url: '/api/v1/me/notification-preferences', headers: { cookie, [CSRF_HEADER]: 'csrf-erin' }, payload: { preferences: { 'alert.raised': 'sometimes' } } });
      expect(bad.statusCode).toBe(400);

      // Mail is planned with the user's role as it is now: an engineer made account manager hears of SLA risk.
      const slaRisk = { v: 1 as const, id: serviceId('evt', Date.now()), type: 'contract.sla_at_risk', at: Date.now(), data: { contract: { id: 'ctr_x', name: 'PBH', customerId: 'cus_x', assetIds: [] } } };
      await fx.repos.users.update(user.id, { role: 'account-manager' });
      await fx.repos.outbox.append(slaRisk);
      await fx.repos.notifications.queueFromOutbox(200, Date.now(), (event, recipients, names) => planMessages(event, recipients.filter((r) => r.userId === user.id), names, CONSOLE));
      expect((await fx.repos.notifications.listMessages({ recipientId: got.json<{ id: string }>().id })).map((m) => [m.rule, m.status])).toEqual([['contract.sla_at_risk', 'pending']]);
      // Changing the role ended the session; signed in again, the settings show the new role.
      await fx.repos.users.sessions.create(user.id, 'cookie-erin-2', 'csrf-erin-2', Date.now() + 3_600_000);
      const after = await app.inject({ method: 'GET', url: '/api/v1/me/notification-preferences', headers: { cookie: `${SESSION_COOKIE}=cookie-erin-2` } });
      expect(after.json()).toMatchObject({ id: got.json<{ id: string }>().id, role: 'account-manager', preferences: { 'alert.raised': 'off' } });
      // A disabled user is mailed nothing.
      await fx.repos.users.update(user.id, { disabled: true });
      await fx.repos.outbox.append({ ...slaRisk, id: serviceId('evt', Date.now()) });
      await fx.repos.notifications.queueFromOutbox(200, Date.now(), (event, recipients, names) => planMessages(event, recipients.filter((r) => r.userId === user.id), names, CONSOLE));
      expect(await fx.repos.notifications.listMessages({ recipientId: got.json<{ id: string }>().id })).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('links a user to the recipient an admin made for their address, and keeps API keys as before', async () => {
    const email = `pat-${target.name}@example.test`;
    const made = await fx.repos.notifications.createRecipient({ name: 'Pat', email, role: 'planner', preferences: { 'alert.raised': 'off' } });
    const user = await fx.repos.users.create({ name: 'Pat Planner', email, role: 'planner', passwordHash: 'scrypt$1$1$1$x$y' });
    await fx.repos.users.sessions.create(user.id, 'cookie-pat', 'csrf-pat', Date.now() + 3_600_000);
    const app = await api();
    try {
      const mine = await app.inject({ method: 'GET', url: '/api/v1/me/notification-preferences', headers: { cookie: `${SESSION_COOKIE}=cookie-pat` } });
      expect(mine.json()).toMatchObject({ id: made.id, userId: user.id, preferences: { 'alert.raised': 'off' } });
      const alone = await app.inject({ method: 'GET', url: '/api/v1/me/notification-preferences', headers: { authorization: 'Bearer key-alone' } });
      expect(alone.statusCode).toBe(404);
      expect(alone.json()).toMatchObject({ code: 'NOT_FOUND' });
      const expired = await app.inject({ method: 'GET', url: '/api/v1/me/notification-preferences', headers: { cookie: `${SESSION_COOKIE}=no-such-session` } });
      expect(expired.statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });
});
