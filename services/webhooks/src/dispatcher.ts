import type { ClaimedDelivery, OutboxRepository, WebhookDelivery, WebhookRepository, WebhookAttempt } from '@hourmeter/db';
import type { EventSubscriber } from '@hourmeter/events';
import type { Logger } from 'pino';
import { WEBHOOK_EVENT_TYPES } from './event-types.js';
import { sendWebhook, type SendRequest } from './http-sender.js';
import { DEFAULT_RETRY_POLICY, nextRetry, type RetryPolicy } from './retry-policy.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

export interface WebhookDispatcherOptions {
  /** How often the outbox and due retries are looked at when nothing wakes the loop. Default 1 s. */
  readonly pollIntervalMs?: number;
  /** Longest wait for a receiver's answer. Default 10 s. */
  readonly timeoutMs?: number;
  /** Deliveries attempted at once. Default 8. */
  readonly concurrency?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** A subscription whose every attempt failed for this long is disabled. Default 24 h. */
  readonly disableAfterMs?: number;
}

export interface WebhookDispatcherDeps {
  readonly webhooks: WebhookRepository;
  readonly outbox: OutboxRepository;
  /** The bus whose alert and device events are appended to the outbox. */
  readonly events?: EventSubscriber | undefined;
  readonly logger: Logger;
  readonly now?: (() => number) | undefined;
  readonly options?: WebhookDispatcherOptions | undefined;
  /** Replaces the HTTP client (never needed outside tests of this module). */
  readonly send?: ((req: SendRequest) => ReturnType<typeof sendWebhook>) | undefined;
}

export interface WebhookDispatcher {
  start(): void;
  /** One pass: outbox -> deliveries, then every due delivery attempted once. Resolves to the attempts made. */
  runOnce(): Promise<number>;
  /** Sends a delivery again now (an admin's redelivery), whatever its state; recorded as a manual attempt. */
  redeliver(deliveryId: string): Promise<WebhookDelivery & { attemptLog: WebhookAttempt[] }>;
  stop(): Promise<void>;
  stats(): { attempts: number; succeeded: number; failed: number; disabledSubscriptions: number; busEventsLost: number };
}

/**
 * Delivers the integration outbox to webhook subscriptions. All state is in
 * the database (outbox, deliveries with their next attempt time, attempts),
 * so a restarted process carries on where the last one stopped, and several
 * api processes can run it at once (claims are conditional updates with a
 * lease of one timeout plus a margin).
 */
export function createWebhookDispatcher(deps: WebhookDispatcherDeps): WebhookDispatcher {
  const log = deps.logger.child({ svc: 'webhooks' });
  const now = deps.now ?? Date.now;
  const opts = deps.options ?? {};
  const pollMs = opts.pollIntervalMs ?? 1000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const concurrency = opts.concurrency ?? 8;
  const leaseMs = timeoutMs + 30_000;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
  const disableAfterMs = opts.disableAfterMs ?? 24 * 3_600_000;
  const send = deps.send ?? sendWebhook;
  const counters = { attempts: 0, succeeded: 0, failed: 0, disabledSubscriptions: 0, busEventsLost: 0 };

  let running = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  const appends = new Set<Promise<void>>();

  const unsubscribe = deps.events?.onAny((event) => {
    if (WEBHOOK_EVENT_TYPES[event.type as keyof typeof WEBHOOK_EVENT_TYPES] !== 'bus') return;
    const p = deps.outbox.append(event).then(
      () => wake?.(),
      (err: unknown) => {
        counters.busEventsLost++;
        log.error({ err, eventId: event.id, type: event.type }, 'event not appended to the integration outbox; webhooks will not see it');
      },
    );
    appends.add(p);
    void p.finally(() => appends.delete(p));
  });

  function request(d: ClaimedDelivery): SendRequest {
    const at = now();
    return {
      url: d.url,
      body: d.body,
      timeoutMs,
      allowPrivateNetwork: d.allowPrivateNetwork,
      headers: {
        [SIGNATURE_HEADER]: signatureHeader(d.secret, Math.floor(at / 1000), d.body),
        'hourmeter-event-id': d.eventId,
        'hourmeter-event-type': d.eventType,
        'hourmeter-delivery-id': d.id,
        'user-agent': 'Hourmeter-Webhooks/1',
      },
    };
  }

  async function attempt(d: ClaimedDelivery, manual: boolean): Promise<void> {
    const outcome = await send(request(d));
    const at = now();
    const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    counters.attempts++;
    if (ok) counters.succeeded++;
    else counters.failed++;
    const retry = ok || manual ? undefined : nextRetry(policy, d.attempts + 1, d.createdAt, at);
    const { disabled } = await deps.webhooks.recordAttempt(d, outcome, { now: at, manual, retry, disableAfterMs });
    const fields = { deliveryId: d.id, subscriptionId: d.subscriptionId, eventType: d.eventType, statusCode: outcome.statusCode, ms: Math.round(outcome.durationMs) };
    if (ok) log.debug(fields, 'webhook delivered');
    else log.warn({ ...fields, error: outcome.error, retry }, 'webhook delivery failed');
    if (disabled) {
      counters.disabledSubscriptions++;
      log.warn({ subscriptionId: d.subscriptionId }, 'webhook subscription disabled after persistent failure');
    }
  }

  async function runOnce(): Promise<number> {
    while ((await deps.webhooks.fanOut(200, now())).events > 0);
    let made = 0;
    for (;;) {
      const due = await deps.webhooks.claimDue(now(), concurrency, leaseMs);
      await Promise.all(
        due.map((d) =>
          attempt(d, false).catch((err: unknown) => log.error({ err, deliveryId: d.id }, 'could not record a webhook attempt; it is retried after its lease')),
        ),
      );
      made += due.length;
      if (due.length < concurrency) return made;
    }
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        await runOnce();
      } catch (err) {
        log.error({ err }, 'webhook dispatch pass failed; retrying');
      }
      if (!running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollMs);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    runOnce,
    async redeliver(deliveryId) {
      const d = await deps.webhooks.forRedelivery(deliveryId);
      await attempt(d, true);
      return deps.webhooks.getDelivery(deliveryId);
    },
    async stop() {
      running = false;
      unsubscribe?.();
      wake?.();
      await loop;
      await Promise.allSettled([...appends]);
    },
    stats: () => ({ ...counters }),
  };
}
