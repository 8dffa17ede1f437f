import { PRIORITY_OF_SEVERITY, type CustomerClass, type SlaPriority, type Severity } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import { AT_RISK_HOURS } from './reports.js';

/**
 * The SLA clock (issue 18, item 3). A promise runs from the order's creation;
 * while the order waits on the customer the clock stops, so every paused
 * millisecond that falls before the (moving) due time pushes it back by one.
 * A pause that starts after the due time has passed does not un-breach it.
 */

export interface Pause {
  from: number;
  /** Still paused when absent: counted up to `now`. */
  to?: number | undefined;
}

/**
 * Due time of an allowance of `allowedMs` started at `start`, given the pauses
 * (any order, may overlap) as seen at `now`: start + allowed + the paused time
 * that counted. Never before start + allowed; never decreases as `now` grows.
 */
export function slaDueAt(start: number, allowedMs: number, pauses: readonly Pause[], now: number): number {
  const spans = pauses
    .map((p) => ({ from: Math.max(p.from, start), to: Math.min(p.to ?? now, Math.max(now, p.from)) }))
    .filter((p) => p.to > p.from)
    .sort((a, b) => a.from - b.from);
  let due = start + allowedMs;
  let covered = start;
  for (const p of spans) {
    // Only the part of a pause not yet counted (pauses may overlap) and only while the promise is still running.
    const from = Math.max(p.from, covered);
    if (from >= due || p.to <= from) continue;
    due += p.to - from;
    covered = p.to;
  }
  return due;
}

/** The pauses of an order: only waiting on the customer stops the clock. */
export function customerPauses(holds: readonly { reason: string; startedAt: number; endedAt?: number | undefined }[]): Pause[] {
  return holds.filter((h) => h.reason === 'waiting_on_customer').map((h) => ({ from: h.startedAt, to: h.endedAt }));
}

export const priorityOf = (priority: SlaPriority | undefined, severity: Severity | undefined): SlaPriority =>
  priority ?? (severity ? PRIORITY_OF_SEVERITY[severity] : 'P3');

/**
 * Customer class from the customer value index (0..100): A from 60, B from 35,
 * C below (docs/field-service.md). The class sets the SLA where no contract does.
 */
export const CLASS_THRESHOLDS = { A: 60, B: 35 } as const;
export function customerClassOf(valueIndex: number): CustomerClass {
  return valueIndex >= CLASS_THRESHOLDS.A ? 'A' : valueIndex >= CLASS_THRESHOLDS.B ? 'B' : 'C';
}

/** Refuses an SLA that cannot be met by construction: no response or fix time, or a fix due before the response is. */
export function assertAchievable(e: { responseMinutes: number; fixMinutes: number }): void {
  if (!(e.responseMinutes > 0)) {
    throw new AppError('VALIDATION_FAILED', `responseMinutes: must be more than 0 (got ${e.responseMinutes}); an SLA with no time to respond cannot be met`, { field: 'responseMinutes' });
  }
  if (!(e.fixMinutes > 0)) {
    throw new AppError('VALIDATION_FAILED', `fixMinutes: must be more than 0 (got ${e.fixMinutes}); an SLA with no time to fix cannot be met`, { field: 'fixMinutes' });
  }
  if (e.fixMinutes < e.responseMinutes) {
    throw new AppError(
      'VALIDATION_FAILED',
      `fixMinutes: ${e.fixMinutes} is shorter than responseMinutes ${e.responseMinutes}; the fix cannot be due before the technician is`,
      { field: 'fixMinutes' },
    );
  }
}

export type SlaState = 'met' | 'on_track' | 'at_risk' | 'breached';

/** Share of a promise's allowance left below which it is at risk (capped by the backlog's AT_RISK_HOURS). */
export const AT_RISK_SHARE = 0.25;

/**
 * One promise (response or fix) of an order at `now`: met if done by its due
 * time; otherwise at risk once less than a quarter of the allowance (at most
 * AT_RISK_HOURS) is left, so a 4-hour response is not at risk from its first minute.
 */
export function promiseState(dueAt: number, allowedMs: number, doneAt: number | undefined, now: number): SlaState {
  if (doneAt !== undefined) return doneAt <= dueAt ? 'met' : 'breached';
  if (now > dueAt) return 'breached';
  return dueAt - now <= Math.min(AT_RISK_HOURS * 3_600_000, allowedMs * AT_RISK_SHARE) ? 'at_risk' : 'on_track';
}
