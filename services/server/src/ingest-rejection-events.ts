import type { EventSink } from '@hourmeter/events';
import type { IngressOutcome, TelemetryIngress, TelemetryMessage } from '@hourmeter/messages';

interface Pending {
  assetId: string;
  from: number;
  to: number;
  rejected: Record<string, number>;
  example: { code: string; message: string };
  timer: NodeJS.Timeout;
}

export interface RejectionEventsIngress extends TelemetryIngress {
  /** Emits what is still being summed up (shutdown). */
  flush(): void;
}

/**
 * Wraps ingest so rejected readings become `ingest.rejected` events (webhooks,
 * the live stream): the first rejection of a device opens a window of
 * `windowMs`, and one event at its end carries the counts by code. A device
 * sending garbage at 100 readings a second yields one event a minute.
 */
export function withRejectionEvents(ingress: TelemetryIngress, events: EventSink, opts: { windowMs?: number; now?: () => number } = {}): RejectionEventsIngress {
  const windowMs = opts.windowMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const pending = new Map<string, Pending>();

  function emit(deviceId: string): void {
    const p = pending.get(deviceId);
    if (!p) return;
    pending.delete(deviceId);
    clearTimeout(p.timer);
    events.emit('ingest.rejected', { deviceId, assetId: p.assetId, from: p.from, to: p.to, rejected: p.rejected, example: p.example });
  }

  function note(msg: TelemetryMessage, outcome: IngressOutcome): void {
    if (outcome.status !== 'accepted' || outcome.rejections.length === 0) return;
    const at = now();
    let p = pending.get(msg.deviceId);
    if (!p) {
      const timer = setTimeout(() => emit(msg.deviceId), windowMs);
      timer.unref();
      p = { assetId: msg.assetId, from: at, to: at, rejected: {}, example: { code: '', message: '' }, timer };
      pending.set(msg.deviceId, p);
    }
    p.to = at;
    for (const r of outcome.rejections) p.rejected[r.code] = (p.rejected[r.code] ?? 0) + 1;
    const last = outcome.rejections.at(-1)!;
    p.example = { code: last.code, message: last.message.slice(0, 2000) };
  }

  return {
    async accept(msg) {
      const outcome = await ingress.accept(msg);
      note(msg, outcome);
      return outcome;
    },
    flush() {
      for (const deviceId of [...pending.keys()]) emit(deviceId);
    },
  };
}
