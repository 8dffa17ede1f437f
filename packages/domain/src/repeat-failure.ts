import type { z } from 'zod';
import type { WorkOrderKind } from './service.js';

const DAY_MS = 86_400_000;

/**
 * Repeat failures (docs/domain.md, "Work orders"): a corrective order for a
 * failure mode opened within the repeat window after a completed order of
 * the same asset and mode repeats the latest such order, which was then no
 * first-time fix. The window is the asset model's `repeatWindowDays` where
 * set, else the service's configured one. The work-order repository applies
 * this rule inside the transaction that inserts the order.
 */
export interface RepeatLookup {
  readonly failureMode: string;
  /** Completions in [from, to] (epoch ms, both inclusive) count; the latest is the one repeated. */
  readonly completedFrom: number;
  readonly completedTo: number;
}

/** The failure mode a new order could repeat: only corrective orders that name one can. */
export function repeatableMode(order: { readonly kind: z.infer<typeof WorkOrderKind>; readonly failureMode?: string | null | undefined }): string | undefined {
  return order.kind === 'corrective' && order.failureMode ? order.failureMode : undefined;
}

/** Which completions a new order opened at `now` repeats, given the model's window (days, if it sets one) and the configured one. */
export function repeatLookup(failureMode: string, now: number, window: { readonly modelDays: number | null | undefined; readonly configuredMs: number }): RepeatLookup {
  const windowMs = window.modelDays != null ? window.modelDays * DAY_MS : window.configuredMs;
  return { failureMode, completedFrom: now - windowMs, completedTo: now };
}
