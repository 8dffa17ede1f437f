/**
 * A quote's life: `quoted` is decided once, `accepted` (the agreement) or
 * `declined`; past its validity it is `expired`. An accepted agreement is
 * `renewed` when its renewal quote is accepted. Anything else is an illegal
 * transition with a stable code.
 */
export type QuoteStatus = 'quoted' | 'accepted' | 'declined' | 'expired' | 'renewed';
export type QuoteAction = 'accept' | 'decline' | 'renew';

export interface TransitionRefusal {
  /** The problem's stable code. */
  code: 'QUOTE_NOT_OPEN' | 'QUOTE_EXPIRED' | 'NOT_AN_AGREEMENT';
  message: string;
}

/** Undefined when the action is legal on a quote in `status` at `now`. */
export function refuseTransition(action: QuoteAction, q: { status: QuoteStatus; validUntil: number }, now: number): TransitionRefusal | undefined {
  if (action === 'renew') return q.status === 'accepted' ? undefined : { code: 'NOT_AN_AGREEMENT', message: `only an accepted agreement can be renewed; this quote is ${q.status}` };
  if (q.status !== 'quoted') return { code: 'QUOTE_NOT_OPEN', message: `the quote is already ${q.status}` };
  if (action === 'accept' && now > q.validUntil) return { code: 'QUOTE_EXPIRED', message: `the quote was valid until ${new Date(q.validUntil).toISOString()}` };
  return undefined;
}

/** What a quote shows: a `quoted` one past its validity reads as expired. */
export const effectiveStatus = (q: { status: QuoteStatus; validUntil: number }, now: number): QuoteStatus => (q.status === 'quoted' && now > q.validUntil ? 'expired' : q.status);
