import { ALERT_TRANSITIONS, type AlertAction, type AlertState } from '@hourmeter/domain';

/**
 * open -> acknowledged -> confirmed | dismissed -> resolved. The table lives in
 * the domain package (the console offers only what it allows); see
 * ALERT_TRANSITIONS there for who may resolve.
 */
export type { AlertAction };

export const TRANSITIONS = ALERT_TRANSITIONS;

export const isActive = (s: AlertState) => s === 'open' || s === 'acknowledged' || s === 'confirmed';
