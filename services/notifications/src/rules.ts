import type { DisplayNames, NotificationMode, NotificationRecipient, OutboxEnvelope, PlannedMessage } from '@hourmeter/db';
import { renderEvent, type Rendered } from './render.js';

/**
 * What a person can be told by e-mail, and the default for each role
 * (absent = off). A recipient's preferences override the defaults rule by rule.
 */
export const NOTIFICATION_RULES = {
  'alert.raised': { what: 'an alert is raised', defaults: { engineer: 'immediate', planner: 'digest', admin: 'digest' } },
  'alert.escalated': { what: 'an alert becomes critical', defaults: { engineer: 'immediate', planner: 'immediate', admin: 'immediate' } },
  'workorder.assigned': { what: 'a work order is scheduled to a technician (the technician named on it always hears, unless off)', defaults: { planner: 'digest' } },
  'invoice.issued': { what: 'an invoice is issued', defaults: { 'account-manager': 'immediate', admin: 'digest' } },
  // The account manager sells and answers for the guarantee; the customer's credit follows a miss.
  'contract.sla_at_risk': { what: "a PBH contract's availability guarantee is at risk (or missed) in the running period", defaults: { 'account-manager': 'immediate', admin: 'digest' } },
  // The reserve is production's money: management (admin) watches it, the account manager releases it, engineers chase the defects behind it.
  'reserve.warning': { what: "a production batch's quality reserve is 80 % used", defaults: { admin: 'immediate', 'account-manager': 'immediate', engineer: 'digest' } },
  'reserve.exhausted': { what: "a production batch's quality reserve is used up or overdrawn", defaults: { admin: 'immediate', 'account-manager': 'immediate', engineer: 'immediate' } },
} as const satisfies Record<string, { what: string; defaults: Partial<Record<string, NotificationMode>> }>;

export type NotificationRule = keyof typeof NOTIFICATION_RULES;

export function isNotificationRule(s: string): s is NotificationRule {
  return Object.hasOwn(NOTIFICATION_RULES, s);
}

interface EventData {
  alert?: { severity?: string };
  change?: string;
  to?: string;
  workOrder?: { technician?: string | null };
}

/** The rule an event falls under, if any. */
export function ruleOf(event: OutboxEnvelope): NotificationRule | undefined {
  const d = (event.data ?? {}) as EventData;
  switch (event.type) {
    case 'alert.raised':
      return 'alert.raised';
    case 'alert.updated':
      // A new detection that made the alert critical; other updates are not news.
      return d.change === 'detection' && d.alert?.severity === 'critical' ? 'alert.escalated' : undefined;
    case 'workorder.updated':
      return d.change === 'transition' && d.to === 'scheduled' ? 'workorder.assigned' : undefined;
    case 'invoice.issued':
    case 'contract.sla_at_risk':
    case 'reserve.warning':
    case 'reserve.exhausted':
      return event.type;
    default:
      return undefined;
  }
}

/** Whether the event names this person themselves (the technician of an order), which makes it theirs by default. */
function concernsPersonally(r: NotificationRecipient, event: OutboxEnvelope): boolean {
  const technician = (event.data as EventData | null)?.workOrder?.technician?.trim().toLowerCase();
  return !!technician && (technician === r.name.trim().toLowerCase() || technician === r.email.toLowerCase());
}

export function modeFor(r: NotificationRecipient, rule: NotificationRule, event: OutboxEnvelope): NotificationMode {
  const chosen = r.preferences[rule];
  if (chosen) return chosen;
  if (concernsPersonally(r, event)) return 'immediate';
  return (NOTIFICATION_RULES[rule].defaults as Partial<Record<string, NotificationMode>>)[r.role] ?? 'off';
}

/** The mails one event causes: one per recipient whose rules or preferences want it. */
export function planMessages(event: OutboxEnvelope, recipients: readonly NotificationRecipient[], names: DisplayNames, consoleUrl: string): PlannedMessage[] {
  const rule = ruleOf(event);
  if (!rule) return [];
  let rendered: Rendered | undefined;
  const out: PlannedMessage[] = [];
  for (const r of recipients) {
    const mode = modeFor(r, rule, event);
    if (mode === 'off') continue;
    rendered ??= renderEvent(rule, event, names, consoleUrl);
    out.push({ recipientId: r.id, rule, mode, ...rendered });
  }
  return out;
}
