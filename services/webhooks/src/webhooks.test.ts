import { dbTargets, useDbTarget } from '@hourmeter/db/testing';
import { testApi } from '@hourmeter/http/testing';
import { waitFor } from '@hourmeter/testkit';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookDispatcher, type WebhookDispatcher, type WebhookDispatcherOptions } from './dispatcher.js';
import { webhookRoutes } from './routes.js';
import { SIGNATURE_HEADER, verifySignature } from './signature.js';
import { startReceiver, type Receiver } from './testing.js';

const logger = pino({ level: 'silent' });
const FAST: WebhookDispatcherOptions = { pollIntervalMs: 20, timeoutMs: 300, retry: { baseMs: 40, maxMs: 150 } };

describe.each(dbTargets())('webhooks ($name)', (target) => {
  const fx = useDbTarget(target);
  if (!fx) return;
  let receiver: Receiver;
  const dispatchers: WebhookDispatcher[] = [];
  const dispatcher = (options: WebhookDispatcherOptions = FAST) => {
    const d = createWebhookDispatcher({ webhooks: fx.repos.webhooks, outbox: fx.repos.outbox, logger, options });
    dispatchers.push(d);
    d.start();
    return d;
  };
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    for (const d of dispatchers.splice(0)) await d.stop();
    // Each test starts from an empty subscription list.
    for (const s of await fx.repos.webhooks.listSubscriptions()) await fx.repos.webhooks.deleteSubscription(s.id);
    receiver.mode = 'ok';
    receiver.received.length = 0;
  });
  afterAll(async () => receiver?.close());

  const newOrder = async (assetId: string, description: string) =>
    fx.repos.workOrders.create({ kind: 'corrective', assetId, description }, { actor: 'planner:key_1', now: Date.now(), repeatWindowMs: 0 });
  const eventsReceived = (type: string) =>
    receiver.received
      .filter((r) => r.answered === 200)
      .map((r) => JSON.parse(r.body) as { id: string; type: string; data: { workOrder?: { description?: string } } })
      .filter((e) => e.type === type);

  it('retries through failures and timeouts with backoff, then delivers signed; nothing is lost across a restart', async () => {
    const assetId = await fx.newAsset();
    const { subscription, secret } = await fx.repos.webhooks.createSubscription({ url: receiver.url, eventTypes: ['workorder.*'], allowPrivateNetwork: true });
    receiver.mode = 'fail';
    const first = dispatcher();
    const order1 = await newOrder(assetId, 'first');
    await waitFor('two failed attempts', async () => {
      const [d] = (await fx.repos.webhooks.listDeliveries(subscription.id)).items;
      return (d?.attempts ?? 0) >= 2;
    });
    receiver.mode = 'hang';
    await waitFor('an attempt that timed out', async () => {
      const [d] = (await fx.repos.webhooks.listDeliveries(subscription.id)).items;
      return (await fx.repos.webhooks.getDelivery(d!.id)).attemptLog.some((a) => /no answer within 300 ms/.test(a.error ?? ''));
    });

    // The process stops; an order is written meanwhile; a new process on the same database carries on.
    await first.stop();
    const order2 = await newOrder(assetId, 'second');
    receiver.mode = 'ok';
    dispatcher();
    // The receiver answers before the dispatcher records the attempt: wait for the log, not the receiver.
    await waitFor('both deliveries recorded as succeeded', async () => {
      const items = (await fx.repos.webhooks.listDeliveries(subscription.id)).items;
      return items.length === 2 && items.every((d) => d.status === 'succeeded');
    });

    const delivered = eventsReceived('workorder.created');
    expect(new Set(delivered.map((e) => (e.data.workOrder as { id: string }).id))).toEqual(new Set([order1.id, order2.id]));
    for (const r of receiver.received.filter((x) => x.answered === 200)) {
      expect(verifySignature(r.headers[SIGNATURE_HEADER] as string, r.body, secret)).toEqual({ ok: true });
      expect(verifySignature(r.headers[SIGNATURE_HEADER] as string, `${r.body} `, secret).ok).toBe(false);
      expect(r.headers['hourmeter-event-type']).toBe('workorder.created');
    }
    const log = await fx.repos.webhooks.listDeliveries(subscription.id);
    expect(log.items.map((d) => d.status)).toEqual(['succeeded', 'succeeded']);
    const firstDelivery = await fx.repos.webhooks.getDelivery(log.items.find((d) => d.eventId === delivered.find((e) => e.data.workOrder?.description === 'first')!.id)!.id);
    const codes = firstDelivery.attemptLog.map((a) => a.statusCode ?? 'timeout');
    // At least the two failures seen above (on a loaded machine a 500 can also arrive after the timeout).
    expect(codes.filter((c) => c === 500).length).toBeGreaterThanOrEqual(2);
    expect(codes).toContain('timeout');
    expect(codes.at(-1)).toBe(200);
    // Backoff: each wait at least 80 % of the doubled base (40, 80, 150 capped).
    const gaps = firstDelivery.attemptLog.slice(1, 3).map((a, i) => a.at - firstDelivery.attemptLog[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(32);
    expect(gaps[1]).toBeGreaterThanOrEqual(64);
  });

  it('writes work-order events in the transaction of the change: a refused transition leaves none', async () => {
    const assetId = await fx.newAsset();
    const order = await newOrder(assetId, 'tx');
    const before = (await fx.repos.outbox.ofType('workorder.updated')).length;
    await expect(fx.repos.workOrders.transition(order.id, { from: 'in_progress', to: 'completed', actor: 'x', at: Date.now() })).rejects.toThrow(/ILLEGAL_TRANSITION|is open/);
    expect((await fx.repos.outbox.ofType('workorder.updated')).length).toBe(before);
    await fx.repos.workOrders.transition(order.id, { from: 'open', to: 'cancelled', actor: 'planner:key_1', at: Date.now() });
    const updates = (await fx.repos.outbox.ofType('workorder.updated')).filter((e) => (e.data as { workOrder: { id: string } }).workOrder.id === order.id);
    expect(updates.map((e) => e.data)).toEqual([expect.objectContaining({ change: 'transition', from: 'open', to: 'cancelled', actor: 'planner:key_1' })]);
  });

  it('disables a subscription whose attempts keep failing, with a webhook.disabled event others receive', async () => {
    const assetId = await fx.newAsset();
    const failing = await startReceiver();
    failing.mode = 'fail';
    try {
      const { subscription } = await fx.repos.webhooks.createSubscription({ url: failing.url, eventTypes: ['workorder.created'], allowPrivateNetwork: true });
      await fx.repos.webhooks.createSubscription({ url: receiver.url, eventTypes: ['webhook.disabled'], allowPrivateNetwork: true });
      dispatcher({ ...FAST, disableAfterMs: 300 });
      await newOrder(assetId, 'never delivered');
      // Deadlines for a full, loaded suite run: several retries and two deliveries on PostgreSQL.
      await waitFor('the failing subscription disabled', async () => (await fx.repos.webhooks.getSubscription(subscription.id)).status === 'disabled', { timeoutMs: 30_000 });
      const disabled = await fx.repos.webhooks.getSubscription(subscription.id);
      expect(disabled.disabledReason).toMatch(/HTTP 500/);
      await waitFor('the disabled event delivered', () => eventsReceived('webhook.disabled').length === 1, { timeoutMs: 30_000 });
      expect(eventsReceived('webhook.disabled')[0]).toMatchObject({ data: { subscription: { id: subscription.id, status: 'disabled' } } });
      // A disabled subscription is not attempted any more.
      const attempts = failing.received.length;
      await newOrder(assetId, 'after disabling');
      await fx.repos.webhooks.createSubscription({ url: receiver.url, eventTypes: ['workorder.created'], allowPrivateNetwork: true });
      await newOrder(assetId, 'marker');
      await waitFor('the marker delivered to the healthy subscription', () => eventsReceived('workorder.created').some((e) => e.data.workOrder?.description === 'marker'));
      expect(failing.received.length).toBe(attempts);
    } finally {
      await failing.close();
    }
  });

  it('redelivers on request, logging the manual attempt with its response code', async () => {
    const assetId = await fx.newAsset();
    const { subscription } = await fx.repos.webhooks.createSubscription({ url: receiver.url, eventTypes: ['workorder.created'], allowPrivateNetwork: true });
    const d = dispatcher();
    await newOrder(assetId, 'again');
    await waitFor('delivered once', async () => (await fx.repos.webhooks.listDeliveries(subscription.id)).items[0]?.status === 'succeeded');
    const [delivery] = (await fx.repos.webhooks.listDeliveries(subscription.id)).items;
    const again = await d.redeliver(delivery!.id);
    expect(again.attemptLog.map((a) => [a.statusCode, a.manual])).toEqual([
      [200, false],
      [200, true],
    ]);
    expect(eventsReceived('workorder.created').map((e) => e.id)).toEqual([delivery!.eventId, delivery!.eventId]);
  });

  it('does not connect to a private address a subscription was not allowed, even by host name', async () => {
    const assetId = await fx.newAsset();
    const hostUrl = receiver.url.replace('127.0.0.1', 'localhost');
    const byIp = await fx.repos.webhooks.createSubscription({ url: receiver.url, eventTypes: ['workorder.created'] });
    const byName = await fx.repos.webhooks.createSubscription({ url: hostUrl, eventTypes: ['workorder.created'] });
    const d = dispatcher();
    await newOrder(assetId, 'blocked');
    await d.runOnce();
    for (const s of [byIp, byName]) {
      await waitFor('a blocked attempt logged', async () => (await fx.repos.webhooks.listDeliveries(s.subscription.id)).items[0]?.attempts === 1);
      const [delivery] = (await fx.repos.webhooks.listDeliveries(s.subscription.id)).items;
      expect(delivery!.lastError).toMatch(/loopback, private or link-local/);
    }
    expect(receiver.received).toEqual([]);
  });

  it('API: admin only; refuses private, loopback and link-local URLs unless allowPrivateNetwork', async () => {
    const d = dispatcher();
    const app = await testApi(
      { authenticate: async (k) => (k === 'admin' ? { id: 'key_a', role: 'admin' } : k === 'planner' ? { id: 'key_p', role: 'planner' } : undefined) },
      (api) => webhookRoutes(api, { webhooks: fx.repos.webhooks, dispatcher: d }),
    );
    try {
      const post = (body: object, key = 'admin') => app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: { authorization: `Bearer ${key}` }, payload: body });
      for (const url of [receiver.url, 'http://localhost:9/x', 'http://169.254.169.254/latest', 'http://10.1.2.3/', 'http://[::1]:8080/', 'http://[::ffff:192.168.1.1]/']) {
        const res = await post({ url, eventTypes: ['alert.raised'] });
        expect(res.statusCode, url).toBe(400);
        expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringMatching(/allowPrivateNetwork/) });
      }
      expect((await post({ url: receiver.url, eventTypes: ['alert.raised'] }, 'planner')).statusCode).toBe(403);
      expect((await post({ url: 'ftp://example.com/', eventTypes: ['alert.raised'] })).statusCode).toBe(400);
      expect((await post({ url: receiver.url, eventTypes: ['alert.nonsense'], allowPrivateNetwork: true })).statusCode).toBe(400);
      const created = await post({ url: receiver.url, eventTypes: ['alert.*', 'invoice.issued'], allowPrivateNetwork: true });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ secret: expect.stringMatching(/^whsec_/), subscription: { status: 'active', allowPrivateNetwork: true } });
      const list = await app.inject({ method: 'GET', url: '/api/v1/webhooks', headers: { authorization: 'Bearer admin' } });
      expect(JSON.stringify(list.json())).not.toContain('whsec_');
    } finally {
      await app.close();
    }
  });
});
