import { ID_PREFIXES, newId } from '@hourmeter/domain';
import { EVENT_SCHEMA_VERSION, type AnyEnvelope, type Envelope, type EventPayloads, type EventType } from './catalogue.js';

/** What the bus needs from a logger (pino fits). */
export interface EventLogger {
  error(obj: object, msg: string): void;
}

export type Listener<K extends EventType> = (event: Envelope<K>) => void | Promise<void>;
export type AnyListener = (event: AnyEnvelope) => void | Promise<void>;

/** The emitting side, which services take as an optional `events` dep. */
export interface EventSink {
  /** Wraps `data` in a versioned envelope and delivers it. Never throws because of a listener. */
  emit<K extends EventType>(type: K, data: EventPayloads[K], opts?: { at?: number }): Envelope<K>;
}

/** The subscribing side (the SSE endpoint, metrics, a future MQTT bridge). */
export interface EventSubscriber {
  /** Returns the unsubscribe function. */
  on<K extends EventType>(type: K, listener: Listener<K>): () => void;
  /** Every event; returns the unsubscribe function. */
  onAny(listener: AnyListener): () => void;
}

export interface EventBus extends EventSink, EventSubscriber {
  /** Delivers an envelope made elsewhere (e.g. received over MQTT and parsed with `parseEnvelope`) as is. */
  publish(event: AnyEnvelope): void;
  stats(): { emitted: number; listenerErrors: number; listeners: number };
}

export interface EventBusOptions {
  logger: EventLogger;
  /** Stamped on envelopes as `source` (e.g. `hourmeter` or `prediction@host`). */
  source?: string | undefined;
  now?: (() => number) | undefined;
}

/** Event ids: `evt_` + the same time-sortable ULID body as every other Hourmeter id. */
export function newEventId(at: number = Date.now()): string {
  return `evt_${newId('alert', at).slice(ID_PREFIXES.alert.length + 1)}`;
}

/**
 * In-process event bus. Delivery is synchronous and in subscription order, so
 * listeners must be cheap (enqueue, count, write to a socket buffer); work
 * belongs in their own queue. A listener that throws or rejects is logged and
 * never disturbs the emitter or the other listeners: an alert must be raised
 * even when the live-update stream is broken.
 */
export function createEventBus(opts: EventBusOptions): EventBus {
  const now = opts.now ?? Date.now;
  const byType = new Map<EventType, Set<AnyListener>>();
  const any = new Set<AnyListener>();
  const counters = { emitted: 0, listenerErrors: 0 };

  const failed = (err: unknown, event: AnyEnvelope) => {
    counters.listenerErrors++;
    try {
      opts.logger.error({ err, eventType: event.type, eventId: event.id }, 'event listener failed');
    } catch {
      // A broken logger must not break the emitter either.
    }
  };

  function deliver(event: AnyEnvelope): void {
    counters.emitted++;
    const targets = [...(byType.get(event.type) ?? []), ...any];
    for (const listener of targets) {
      try {
        const result = listener(event);
        if (result && typeof (result).then === 'function') {
          (result).then(undefined, (err: unknown) => failed(err, event));
        }
      } catch (err) {
        failed(err, event);
      }
    }
  }

  return {
    emit(type, data, emitOpts = {}) {
      const at = emitOpts.at ?? now();
      const event = {
        v: EVENT_SCHEMA_VERSION,
        id: newEventId(at),
        type,
        at,
        ...(opts.source ? { source: opts.source } : {}),
        data,
      } as Envelope<typeof type>;
      deliver(event as AnyEnvelope);
      return event;
    },
    publish: deliver,
    on(type, listener) {
      let set = byType.get(type);
      if (!set) byType.set(type, (set = new Set()));
      const l = listener as AnyListener;
      set.add(l);
      return () => void set.delete(l);
    },
    onAny(listener) {
      any.add(listener);
      return () => void any.delete(listener);
    },
    stats: () => ({
      ...counters,
      listeners: any.size + [...byType.values()].reduce((n, s) => n + s.size, 0),
    }),
  };
}
