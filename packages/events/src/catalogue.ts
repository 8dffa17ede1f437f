import { Alert, AlertState, EpochMs, idOf, Money, WorkOrder, WorkOrderCompletion, WorkOrderState } from '@hourmeter/domain';
import { z } from 'zod';

/**
 * The event catalogue: one zod schema per event type (past tense,
 * `entity.verb`). Payloads are plain JSON (ids, strings, numbers, epoch ms),
 * so the same envelopes can travel between processes over MQTT unchanged.
 * A breaking change to a payload gets a new envelope version `v`; adding an
 * optional field does not.
 */
export const EVENT_SCHEMA_VERSION = 1 as const;

export const AlertRaised = z.object({ alert: Alert });
export const AlertUpdated = z.object({
  alert: Alert,
  /** What changed: a new detection (severity, evidence), the preventive work order linked, the assignee or the snooze. */
  change: z.enum(['detection', 'work_order_linked', 'assigned', 'snoozed']),
});
export const AlertTransitioned = z.object({
  alert: Alert,
  /** Previous state when the emitter knew it. */
  from: AlertState.optional(),
  to: AlertState,
  /** API key id (`role:key_...`) or `system`. */
  actor: z.string().min(1).max(100),
  reason: z.string().max(2000),
});
export const WorkOrderCreated = z.object({ workOrder: WorkOrder });
export const WorkOrderUpdated = z.object({
  workOrder: WorkOrder,
  /** `transition` (schedule/start/cancel) or `refreshed` (a preventive order re-requested while open). */
  change: z.enum(['transition', 'refreshed']),
  from: WorkOrderState.optional(),
  to: WorkOrderState,
  actor: z.string().min(1).max(100),
});
export const WorkOrderCompleted = z.object({ workOrder: WorkOrder, completion: WorkOrderCompletion });
/** A production batch's quality reserve reached a threshold, or its warranty ended (DOMAIN.md: the reserve belongs to production). */
export const ReserveSignal = z.object({
  productionBatchId: idOf('productionBatch'),
  code: z.string(),
  reserve: Money,
  /** What warranty repairs charged to the reserve, all time. */
  consumed: Money,
  /** consumed / reserve (null for an empty reserve). */
  share: z.number().nonnegative().nullable(),
  /** The remainder paid out as production's quality bonus (`reserve.released` only). */
  bonus: Money.optional(),
});
export const DeviceConnected = z.object({
  deviceId: idOf('device'),
  at: EpochMs,
  transport: z.enum(['tcp', 'ws']),
  clientAddress: z.string().max(200).optional(),
});
export const DeviceDisconnected = z.object({
  deviceId: idOf('device'),
  at: EpochMs,
  /** Start of the connection that ended, when known. */
  connectedSince: EpochMs.optional(),
});

/**
 * Readings of a device rejected by ingest (bad payloads, invalid readings),
 * summarised per device over a window so a misconfigured device yields one
 * event a minute, not one per reading.
 */
export const IngestRejected = z.object({
  deviceId: idOf('device'),
  assetId: idOf('asset'),
  /** The window the counts cover, epoch ms. */
  from: EpochMs,
  to: EpochMs,
  /** Rejected readings (or whole payloads) by rejection code. */
  rejected: z.record(z.string(), z.int().positive()),
  /** The latest rejection, to show what is wrong. */
  example: z.object({ code: z.string(), message: z.string().max(2000) }),
});

/** Event type -> payload schema. */
export const EVENT_PAYLOADS = {
  'alert.raised': AlertRaised,
  'alert.updated': AlertUpdated,
  'alert.transitioned': AlertTransitioned,
  'workorder.created': WorkOrderCreated,
  'workorder.updated': WorkOrderUpdated,
  'workorder.completed': WorkOrderCompleted,
  'reserve.warning': ReserveSignal,
  'reserve.exhausted': ReserveSignal,
  'reserve.released': ReserveSignal,
  'device.connected': DeviceConnected,
  'device.disconnected': DeviceDisconnected,
  'ingest.rejected': IngestRejected,
} as const;

export type EventType = keyof typeof EVENT_PAYLOADS;
export type EventPayloads = { [K in EventType]: z.infer<(typeof EVENT_PAYLOADS)[K]> };
export const EVENT_TYPES = Object.keys(EVENT_PAYLOADS) as EventType[];
export const EventTypeSchema = z.enum(EVENT_TYPES as [EventType, ...EventType[]]);

export function isEventType(s: string): s is EventType {
  return Object.hasOwn(EVENT_PAYLOADS, s);
}

const EventId = z.string().regex(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/, 'must be an event id (evt_...)');

function envelopeOf<K extends EventType>(type: K) {
  return z.object({
    v: z.literal(EVENT_SCHEMA_VERSION),
    id: EventId,
    type: z.literal(type),
    /** When it happened, epoch ms. */
    at: EpochMs,
    /** Emitting process or service, for tracing across processes. */
    source: z.string().min(1).max(100).optional(),
    data: EVENT_PAYLOADS[type],
  });
}

/** Any event envelope, discriminated by `type`. Use it where envelopes enter a process. */
export const EventEnvelope = z.discriminatedUnion(
  'type',
  EVENT_TYPES.map((t) => envelopeOf(t)) as unknown as [ReturnType<typeof envelopeOf<EventType>>, ...ReturnType<typeof envelopeOf<EventType>>[]],
);

/** An envelope of one event type. */
export interface Envelope<K extends EventType = EventType> {
  v: typeof EVENT_SCHEMA_VERSION;
  id: string;
  type: K;
  at: number;
  source?: string | undefined;
  data: EventPayloads[K];
}

/** Every envelope type as a union, so `switch (e.type)` narrows `e.data`. */
export type AnyEnvelope = { [K in EventType]: Envelope<K> }[EventType];

/** Parses an envelope received from outside the process (MQTT, a file): throws a ZodError when it does not fit. */
export function parseEnvelope(input: unknown): AnyEnvelope {
  return EventEnvelope.parse(input) as AnyEnvelope;
}

/** MQTT topic an event travels on between processes (`hm/v1/events/alert.raised`). */
export function eventTopic(type: EventType): string {
  return `hm/v1/events/${type}`;
}
