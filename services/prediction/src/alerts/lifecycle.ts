import type { AlertState } from '@hourmeter/domain';

/**
 * open -> acknowledged -> confirmed | dismissed -> resolved.
 * `resolve` is the system's: when the work order addressing the alert completes,
 * or when an unacknowledged alert without a work order has been clean for long
 * enough (hysteresis). Anything else is ILLEGAL_TRANSITION.
 */
export type AlertAction = 'acknowledge' | 'confirm' | 'dismiss' | 'resolve';

export const TRANSITIONS: Readonly<Record<AlertAction, { to: AlertState; from: readonly AlertState[] }>> = {
  acknowledge: { to: 'acknowledged', from: ['open'] },
  confirm: { to: 'confirmed', from: ['acknowledged'] },
  dismiss: { to: 'dismissed', from: ['acknowledged'] },
  resolve: { to: 'resolved', from: ['open', 'acknowledged', 'confirmed', 'dismissed'] },
};

export const isActive = (s: AlertState) => s === 'open' || s === 'acknowledged' || s === 'confirmed';
