import type { LeadDecision, LeadState } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';

/**
 * A lead's life (issue #19): open -> qualified | disqualified (with a reason);
 * qualified -> won (with the won value) | lost (with a reason). Disqualified, won
 * and lost are final: a decision on a closed lead is refused, never overwritten.
 */
const NEXT: Record<LeadState, Partial<Record<LeadDecision['action'], LeadState>>> = {
  open: { qualify: 'qualified', disqualify: 'disqualified' },
  qualified: { win: 'won', lose: 'lost' },
  disqualified: {},
  won: {},
  lost: {},
};

/** The state `decision` moves a lead in `from` to; ILLEGAL_TRANSITION (409) when it may not. */
export function nextLeadState(id: string, from: LeadState, action: LeadDecision['action']): LeadState {
  const to = NEXT[from][action];
  if (to === undefined) {
    const allowed = Object.keys(NEXT[from]);
    throw new AppError('ILLEGAL_TRANSITION', `lead ${id} is ${from}; it cannot ${action} (allowed: ${allowed.length ? allowed.join(', ') : 'none, it is final'})`, {
      from,
      action,
    });
  }
  return to;
}

/**
 * The technician's payout for a lead: `percent` of the won value, rounded down to
 * the minor unit (the company never pays a fraction it did not earn), 0 unless won.
 */
export function leadPayoutMinor(state: LeadState, wonMinor: number | null, percent: number): number {
  if (state !== 'won' || wonMinor === null || wonMinor <= 0 || !(percent > 0)) return 0;
  // In basis points and BigInt: a safe-integer value times 10,000 is not safe in a double.
  return Number((BigInt(wonMinor) * BigInt(Math.round(percent * 100))) / 10_000n);
}
