import type { WorkOrder } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';

export type WorkOrderState = WorkOrder['state'];

/** open -> scheduled -> in_progress -> completed | cancelled (docs/domain.md, "Work orders"); a scheduled order may be rescheduled. */
const NEXT: Record<WorkOrderState, readonly WorkOrderState[]> = {
  open: ['scheduled', 'cancelled'],
  scheduled: ['scheduled', 'in_progress', 'cancelled'],
  in_progress: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

export function canTransition(from: WorkOrderState, to: WorkOrderState): boolean {
  return NEXT[from].includes(to);
}

export function assertTransition(wo: Pick<WorkOrder, 'id' | 'state'>, to: WorkOrderState): void {
  if (!canTransition(wo.state, to)) {
    const allowed = NEXT[wo.state];
    throw new AppError(
      'ILLEGAL_TRANSITION',
      `work order ${wo.id} is ${wo.state}; it cannot move to ${to} (allowed: ${allowed.length ? allowed.join(', ') : 'none, it is final'})`,
      { from: wo.state, to },
    );
  }
}

export const isActive = (s: WorkOrderState) => s === 'open' || s === 'scheduled' || s === 'in_progress';
