/**
 * What a webhook can subscribe to, and how each event reaches the outbox:
 * `transactional` ones are written by the change's own database transaction
 * (a committed change always has its event, a rolled-back one never);
 * `bus` ones are appended when the in-process event bus carries them (an
 * event emitted just before a crash can be missed).
 */
export const WEBHOOK_EVENT_TYPES = {
  'alert.raised': 'bus',
  'alert.updated': 'bus',
  'alert.transitioned': 'bus',
  'workorder.created': 'transactional',
  'workorder.updated': 'transactional',
  'workorder.completed': 'transactional',
  'invoice.issued': 'transactional',
  'invoice.paid': 'transactional',
  'creditnote.issued': 'transactional',
  'payment.recorded': 'transactional',
  'contract.sla_at_risk': 'transactional',
  'reserve.warning': 'bus',
  'reserve.exhausted': 'bus',
  'reserve.released': 'bus',
  'device.connected': 'bus',
  'device.disconnected': 'bus',
  'ingest.rejected': 'bus',
  'webhook.disabled': 'transactional',
} as const satisfies Record<string, 'bus' | 'transactional'>;

export type WebhookEventType = keyof typeof WEBHOOK_EVENT_TYPES;

export function isWebhookEventType(type: string): type is WebhookEventType {
  return Object.hasOwn(WEBHOOK_EVENT_TYPES, type);
}

/** A subscription pattern is an event type, `<entity>.*` covering at least one, or `*`. */
export function isValidPattern(pattern: string): boolean {
  if (pattern === '*' || isWebhookEventType(pattern)) return true;
  return pattern.endsWith('.*') && Object.keys(WEBHOOK_EVENT_TYPES).some((t) => t.startsWith(pattern.slice(0, -1)));
}
