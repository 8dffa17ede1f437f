import type { AddressInfo } from 'node:net';
import { newId, type Role } from '@hourmeter/domain';
import { createEventBus, parseEnvelope, type EventBus } from '@hourmeter/events';
import { testApi } from '@hourmeter/http/testing';
import { waitFor } from '@hourmeter/testkit';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { eventRoutes, type LiveEventsOptions, type LiveEvents } from './events.js';

const KEYS: Record<string, Role> = {};
const resetKeys = () => {
  for (const k of Object.keys(KEYS)) delete KEYS[k];
  Object.assign(KEYS, { 'key-admin': 'admin', 'key-eng': 'engineer', 'key-am': 'account-manager', 'key-am2': 'account-manager', 'key-plan': 'planner' });
};
resetKeys();
/** Session cookie values of signed-in people. */
const SESSIONS = new Map<string, Role>();
const keys = {
  authenticate: async (k: string) => (KEYS[k] ? { id: k, role: KEYS[k] } : undefined),
  session: async (t: string) => {
    const role = SESSIONS.get(t);
    return role && { principal: { kind: 'user' as const, id: `usr_${t}`, role, name: `Person ${t}` }, csrfToken: 'c' };
  },
};

/** The reads the stream mirrors, declared with the roles the real routes declare (work orders: planner, engineer). */
function readRoutes(api: FastifyInstance): void {
  api.get('/alerts/:id', async () => ({}));
  api.get('/work-orders/:id', { config: { allow: ['planner', 'engineer'] } }, async () => ({}));
  api.get('/devices/:id/status', async () => ({}));
}

let app: FastifyInstance | undefined;
let bus: EventBus;
let live: LiveEvents;
let counters: { clients: number; dropped: number };
const aborts: AbortController[] = [];

async function start(options: LiveEventsOptions = {}): Promise<string> {
  bus = createEventBus({ logger: { error: () => {} } });
  app = await testApi(keys, (api) => {
    counters = { clients: 0, dropped: 0 };
    live = eventRoutes(api, { events: bus, keys, options, counters });
    readRoutes(api);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/events`;
}

afterEach(async () => {
  resetKeys();
  for (const a of aborts.splice(0)) a.abort();
  await app?.close();
  app = undefined;
});

/** Opens the stream like the console does (fetch + ReadableStream) and collects parsed SSE frames. */
async function open(url: string, key = 'key-eng', headers: Record<string, string> = { authorization: `Bearer ${key}` }) {
  const abort = new AbortController();
  aborts.push(abort);
  const res = await fetch(url, { headers, signal: abort.signal });
  const frames: { event?: string; id?: string; data?: string; comment?: string }[] = [];
  let text = '';
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += value;
        let cut: number;
        while ((cut = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, cut);
          text = text.slice(cut + 2);
          const f: (typeof frames)[number] = {};
          for (const line of block.split('\n')) {
            const i = line.indexOf(':');
            const [k, v] = i === 0 ? ['comment', line.slice(1).trim()] : [line.slice(0, i), line.slice(i + 1).trimStart()];
            (f as Record<string, string>)[k] = v!;
          }
          frames.push(f);
        }
      }
    } catch {
      // aborted
    }
  })();
  return { res, frames, abort, pump, events: () => frames.filter((f) => f.event) };
}

const device = () => ({ deviceId: newId('device'), at: Date.now(), transport: 'tcp' as const });

describe('GET /api/v1/events (server-sent events)', () => {
  it('streams bus events to any authenticated role as event/data frames', async () => {
    const url = await start();
    for (const key of ['key-eng', 'key-am', 'key-admin']) {
      const s = await open(url, key);
      expect(s.res.status).toBe(200);
      expect(s.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(s.res.headers.get('x-request-id')).toBeTruthy();
      await waitFor('stream condition', () => s.frames.length >= 1, { timeoutMs: 5000 });
      s.abort.abort();
    }
    const s = await open(url);
    await waitFor('stream condition', () => live.stats().clients === 1, { timeoutMs: 5000 });
    const sent = bus.emit('device.connected', device());
    await waitFor('stream condition', () => s.events().length === 1, { timeoutMs: 5000 });
    const [frame] = s.events();
    expect(frame).toMatchObject({ event: 'device.connected', id: sent.id });
    expect(parseEnvelope(JSON.parse(frame!.data!))).toEqual(sent);
  });

  it('needs a bearer key like every other route', async () => {
    const url = await start();
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    const wrong = await fetch(url, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const viaQuery = await fetch(`${url}?key=key-eng`);
    expect(viaQuery.status).toBe(401);
  });

  it('filters by ?types= and rejects unknown types', async () => {
    const url = await start();
    const s = await open(`${url}?types=device.disconnected,alert.raised`);
    await waitFor('stream condition', () => live.stats().clients === 1, { timeoutMs: 5000 });
    bus.emit('device.connected', device());
    bus.emit('device.disconnected', { deviceId: newId('device'), at: 5 });
    await waitFor('stream condition', () => s.events().length === 1, { timeoutMs: 5000 });
    bus.emit('device.connected', device());
    bus.emit('device.disconnected', { deviceId: newId('device'), at: 6 });
    await waitFor('stream condition', () => s.events().length === 2, { timeoutMs: 5000 });
    expect(s.events().map((f) => f.event)).toEqual(['device.disconnected', 'device.disconnected']);

    const bad = await fetch(`${url}?types=alert.raised,alert.exploded`, { headers: { authorization: 'Bearer key-eng' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringContaining('alert.exploded') });
  });

  it('sends heartbeats while idle', async () => {
    const url = await start({ heartbeatMs: 40 });
    const s = await open(url);
    await waitFor('stream condition', () => s.frames.filter((f) => f.comment?.startsWith('heartbeat')).length >= 3, { timeoutMs: 5000 });
  });

  it('unsubscribes when the client goes away', async () => {
    const url = await start();
    const before = bus.stats().listeners;
    const s = await open(url);
    await waitFor('stream condition', () => live.stats().clients === 1 && bus.stats().listeners === before + 1, { timeoutMs: 5000 });
    s.abort.abort();
    await waitFor('stream condition', () => live.stats().clients === 0 && bus.stats().listeners === before, { timeoutMs: 5000 });
  });

  it('drops a client that does not read instead of buffering without bound', async () => {
    const url = await start({ maxBufferedBytes: 64 * 1024 });
    const abort = new AbortController();
    aborts.push(abort);
    // Headers read, body never read: the socket buffers fill and the server must give up on it.
    const res = await fetch(url, { headers: { authorization: 'Bearer key-eng' }, signal: abort.signal });
    expect(res.status).toBe(200);
    await waitFor('stream condition', () => live.stats().clients === 1, { timeoutMs: 5000 });
    const reason = 'x'.repeat(2000);
    const alert = {
      id: newId('alert'),
      assetId: newId('asset'),
      failureMode: 'bearing',
      severity: 'high' as const,
      state: 'resolved' as const,
      evidence: { signals: [], windowFrom: 1, windowTo: 2 },
      raisedAt: 1,
      lastDetectedAt: 2,
      createdAt: 1,
      updatedAt: 2,
    };
    for (let i = 0; i < 20_000 && live.stats().clients > 0; i++) {
      bus.emit('alert.transitioned', { alert, to: 'resolved', actor: 'system', reason });
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    await waitFor('stream condition', () => live.stats().clients === 0, { timeoutMs: 5000 });
    expect(live.stats().dropped).toBe(1);
    expect(counters).toEqual({ clients: 0, dropped: 1 });
    expect(bus.stats().listeners).toBe(0);
  });

  it('does not keep the server from closing', async () => {
    const url = await start();
    const s = await open(url);
    await waitFor('stream condition', () => live.stats().clients === 1, { timeoutMs: 5000 });
    const t0 = Date.now();
    await app!.close();
    app = undefined;
    expect(Date.now() - t0).toBeLessThan(3000);
    await s.pump;
  });

  it('answers 503 beyond maxClients', async () => {
    const url = await start({ maxClients: 1 });
    await open(url);
    await waitFor('stream condition', () => live.stats().clients === 1, { timeoutMs: 5000 });
    const second = await fetch(url, { headers: { authorization: 'Bearer key-eng' } });
    expect(second.status).toBe(503);
  });

  it('gives each role only the events whose REST read it may call, and 403 for types it asks for but may not read', async () => {
    const url = await start();
    const am = await open(url, 'key-am');
    const planner = await open(url, 'key-plan');
    await waitFor('both streams open', () => live.stats().clients === 2, { timeoutMs: 5000 });
    const workOrder = {
      id: newId('workOrder'), assetId: newId('asset'), kind: 'corrective', state: 'open', failureMode: 'bearing',
      title: 'x', priority: 1, createdAt: 1, updatedAt: 1,
    };
    bus.emit('workorder.created', { workOrder } as never);
    const sent = bus.emit('device.connected', device());
    await waitFor('planner sees both', () => planner.events().length === 2, { timeoutMs: 5000 });
    await waitFor('account manager sees the device event', () => am.events().length === 1, { timeoutMs: 5000 });
    expect(am.events().map((f) => f.id)).toEqual([sent.id]);
    expect(planner.events().map((f) => f.event)).toEqual(['workorder.created', 'device.connected']);

    const refused = await fetch(`${url}?types=workorder.created`, { headers: { authorization: 'Bearer key-am' } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'FORBIDDEN', detail: expect.stringContaining('GET /api/v1/work-orders/:id') });
  });

  it('closes the streams of a revoked key within the re-check interval, and only those', async () => {
    const url = await start({ keyRecheckMs: 100 });
    const revoked = await open(url, 'key-am');
    const other = await open(url, 'key-am2');
    await waitFor('both streams open', () => live.stats().clients === 2, { timeoutMs: 5000 });
    delete KEYS['key-am'];
    await revoked.pump;
    await waitFor('the revoked stream gone', () => live.stats().clients === 1, { timeoutMs: 5000 });
    const sent = bus.emit('device.connected', device());
    await waitFor('the other key still served', () => other.events().some((f) => f.id === sent.id), { timeoutMs: 5000 });
    expect(revoked.events().some((f) => f.id === sent.id)).toBe(false);
  });

  it("serves a signed-in person's session cookie and closes the stream once the session ends", async () => {
    const url = await start({ keyRecheckMs: 100 });
    SESSIONS.set('s1', 'planner');
    const s = await open(url, '', { cookie: 'hm_session=s1' });
    expect(s.res.status).toBe(200);
    await waitFor('the stream open', () => live.stats().clients === 1, { timeoutMs: 5000 });
    const sent = bus.emit('device.connected', device());
    await waitFor('the event delivered', () => s.events().some((f) => f.id === sent.id), { timeoutMs: 5000 });
    SESSIONS.delete('s1');
    await s.pump;
    await waitFor("the ended session's stream gone", () => live.stats().clients === 0, { timeoutMs: 5000 });
  });

  it('answers 429 beyond the streams allowed per key and per role', async () => {
    const url = await start({ maxPerKey: 2, maxPerRole: 3 });
    await open(url, 'key-am');
    await open(url, 'key-am');
    await waitFor('two streams open', () => live.stats().clients === 2, { timeoutMs: 5000 });
    const third = await fetch(url, { headers: { authorization: 'Bearer key-am' } });
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ code: 'RATE_LIMITED', detail: expect.stringContaining('HM_EVENTS_MAX_STREAMS_PER_KEY') });
    // Another key of the same role gets the role's last slot, then the role is full.
    await open(url, 'key-am2');
    await waitFor('three streams open', () => live.stats().clients === 3, { timeoutMs: 5000 });
    const fourth = await fetch(url, { headers: { authorization: 'Bearer key-am2' } });
    expect(fourth.status).toBe(429);
    expect(await fourth.json()).toMatchObject({ code: 'RATE_LIMITED', detail: expect.stringContaining('HM_EVENTS_MAX_STREAMS_PER_ROLE') });
    // Other roles are not held by it.
    expect((await open(url, 'key-eng')).res.status).toBe(200);
  });
});
