import { openDb, repositories } from '@hourmeter/db';
import { createEventBus, type AnyEnvelope } from '@hourmeter/events';
import { createIngest } from '@hourmeter/ingest';
import { newId } from '@hourmeter/domain';
import { createDuckDbTelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir, waitFor } from '@hourmeter/testkit';
import { createWebhookDispatcher } from '@hourmeter/webhooks';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRejectionEvents } from './ingest-rejection-events.js';

const logger = pino({ level: 'silent' });

describe('ingest.rejected events', () => {
  const dir = tempDir('hm-rejection-events-');
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    dir.cleanup();
  });
  let parts: Awaited<ReturnType<typeof open>>;
  async function open() {
    const store = await createDuckDbTelemetryStore({ dataDir: `${dir.path}/store`, threads: 1 });
    const ingest = await createIngest({ logger, store, config: { spoolDir: `${dir.path}/spool`, fsyncIntervalMs: 2, flushIntervalMs: 10 } });
    const db = await openDb({ dataDir: dir.path, logger });
    const repos = repositories(db);
    const bus = createEventBus({ logger });
    // The webhook dispatcher appends bus events of the types it carries to the integration outbox.
    const dispatcher = createWebhookDispatcher({ webhooks: repos.webhooks, outbox: repos.outbox, events: bus, logger });
    cleanups.push(async () => {
      await dispatcher.stop();
      await ingest.close();
      await store.close();
      await db.close();
    });
    const seen: AnyEnvelope[] = [];
    bus.onAny((e) => void seen.push(e));
    return { ingress: withRejectionEvents(ingest, bus, { windowMs: 150 }), repos, seen };
  }
  beforeAll(async () => {
    parts = await open();
  });

  const device = { deviceId: newId('device'), assetId: newId('asset') };
  const publish = (payload: unknown, d = device) =>
    parts.ingress.accept({ ...d, topic: `hm/v1/${d.deviceId}/telemetry`, payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)), qos: 1, receivedAt: Date.now() });

  it('sums a device\'s rejections over the window into one event, and none for a clean device', async () => {
    const clean = { deviceId: newId('device'), assetId: newId('asset') };
    const t = Date.now() - 60_000;
    await publish([{ ts: t, metrics: { ok: 1 } }, { ts: t + 1, metrics: { 'Bad-Name': 1 } }, { ts: 5, metrics: { x: 1 } }]);
    await publish('{not json');
    await publish([{ ts: t + 2, metrics: { 'Also-Bad': 2 } }]);
    await publish({ ts: t, metrics: { fine: 1 } }, clean);
    await waitFor('the summary event', () => parts.seen.some((e) => e.type === 'ingest.rejected'));
    const events = parts.seen.filter((e) => e.type === 'ingest.rejected');
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ deviceId: device.deviceId, assetId: device.assetId, rejected: { INVALID_METRIC: 2, STALE_TIMESTAMP: 1, MALFORMED_JSON: 1 }, example: { code: 'INVALID_METRIC' } });
    await waitFor('appended to the integration outbox', async () => (await parts.repos.outbox.ofType('ingest.rejected')).length === 1);
    expect((await parts.repos.outbox.ofType('ingest.rejected'))[0]!.id).toBe(events[0]!.id);
  });

  it('opens a new window for rejections after the last one was emitted', async () => {
    const before = parts.seen.filter((e) => e.type === 'ingest.rejected').length;
    await publish('[]');
    await waitFor('a second summary', () => parts.seen.filter((e) => e.type === 'ingest.rejected').length === before + 1);
    expect(parts.seen.at(-1)!.data).toMatchObject({ rejected: { INVALID_SHAPE: 1 } });
  });
});
