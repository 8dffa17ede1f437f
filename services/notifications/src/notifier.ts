import type { NotificationRepository } from '@hourmeter/db';
import { createTransport, type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { renderDigest } from './render.js';
import { planMessages } from './rules.js';

export interface NotifierOptions {
  /** How often the outbox, the digest and the mail queue are looked at. Default 2 s. */
  readonly pollIntervalMs?: number;
  /** UTC hour (0-23) from which each day's digest is composed. Default 7. */
  readonly digestHourUtc?: number;
  /** First retry after a failed send; doubles up to retryMaxMs. Defaults 30 s and 1 h. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
}

export interface NotifierDeps {
  readonly notifications: NotificationRepository;
  /** SMTP server URL: `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://host:465`. */
  readonly smtpUrl: string;
  /** The From address. */
  readonly from: string;
  /** Where the console is, for links in mails (e.g. https://hourmeter.example.com). */
  readonly consoleUrl: string;
  readonly logger: Logger;
  readonly now?: (() => number) | undefined;
  readonly options?: NotifierOptions | undefined;
}

export interface Notifier {
  start(): void;
  /** One pass: queue mails for new events, compose due digests, send what is due. Resolves to mails sent. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
  stats(): { sent: number; sendFailures: number; refused: number };
}

/** nodemailer's SMTP transport with bounded waits, from a URL. */
export function smtpTransport(url: string): Transporter {
  const u = new URL(url);
  return createTransport({
    host: u.hostname,
    port: Number(u.port) || (u.protocol === 'smtps:' ? 465 : 587),
    secure: u.protocol === 'smtps:',
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
}

/**
 * E-mail notifications. Events come from the integration outbox (the same
 * rows webhooks deliver), so a change never waits for mail; each mail is
 * queued in the database first and sent from there, retried with backoff
 * while the SMTP server is down or answers 4xx, marked failed only when it
 * refuses the mail for good (5xx).
 */
export function createNotifier(deps: NotifierDeps): Notifier {
  const log = deps.logger.child({ svc: 'notifications' });
  const now = deps.now ?? Date.now;
  const o = deps.options ?? {};
  const pollMs = o.pollIntervalMs ?? 2000;
  const digestHour = o.digestHourUtc ?? 7;
  const baseMs = o.retryBaseMs ?? 30_000;
  const maxMs = o.retryMaxMs ?? 3_600_000;
  const transport = smtpTransport(deps.smtpUrl);
  const counters = { sent: 0, sendFailures: 0, refused: 0 };
  let running = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;

  async function composeDigests(at: number): Promise<void> {
    const date = new Date(at);
    if (date.getUTCHours() < digestHour) return;
    const day = date.toISOString().slice(0, 10);
    for (const recipientId of await deps.notifications.digestWaiting()) {
      await deps.notifications.composeDigest(recipientId, day, at, (items) => renderDigest(day, items, deps.consoleUrl));
    }
  }

  async function sendDue(): Promise<number> {
    let sent = 0;
    for (;;) {
      const due = await deps.notifications.claimDue(now(), 4, 120_000);
      for (const m of due) {
        try {
          await transport.sendMail({ from: deps.from, to: { name: m.name, address: m.email }, subject: m.subject, text: m.textBody, html: m.htmlBody, messageId: `<${m.id}@hourmeter>` });
          await deps.notifications.recordSend(m.id, { sent: true }, now());
          counters.sent++;
          sent++;
        } catch (err) {
          const e = err as { responseCode?: number; message?: string };
          const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
          const error = `${e.responseCode ? `SMTP ${e.responseCode}: ` : ''}${e.message ?? String(err)}`.slice(0, 2000);
          const retryAt = permanent ? undefined : now() + Math.min(baseMs * 2 ** Math.min(m.attempts, 30), maxMs);
          if (permanent) counters.refused++;
          else counters.sendFailures++;
          log.warn({ messageId: m.id, error, retryAt }, permanent ? 'mail refused by the SMTP server' : 'mail not sent; will retry');
          await deps.notifications.recordSend(m.id, { sent: false, error, retryAt }, now());
        }
      }
      if (due.length < 4) return sent;
    }
  }

  async function runOnce(): Promise<number> {
    while ((await deps.notifications.queueFromOutbox(200, now(), (event, recipients, names) => planMessages(event, recipients, names, deps.consoleUrl))) > 0);
    await composeDigests(now());
    return sendDue();
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        await runOnce();
      } catch (err) {
        log.error({ err }, 'notification pass failed; retrying');
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
    async stop() {
      running = false;
      wake?.();
      await loop;
      transport.close();
    },
    stats: () => ({ ...counters }),
  };
}
