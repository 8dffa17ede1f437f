/**
 * Watching a production batch's quality reserve (issue 16 rule 9, DOMAIN.md:
 * the reserve belongs to production; what is left when the batch's warranty
 * ends is paid out as production's quality bonus). Pure: the service records
 * and announces what these functions decide.
 */

/** Share of the reserve consumed at which a signal fires, lowest first. */
export const RESERVE_THRESHOLDS = [
  { kind: 'warning', share: 0.8 },
  { kind: 'exhausted', share: 1 },
] as const;

export type ReserveState = 'ok' | 'warning' | 'exhausted' | 'overdrawn' | 'released';

export interface ReserveFigures {
  reserveMinor: number;
  consumedMinor: number;
  /** Last day of the batch's warranty (ISO date). */
  warrantyEndsOn: string;
  released: boolean;
}

/** consumed / reserve; null for an empty reserve (nothing to share). */
export function reserveShare(r: Pick<ReserveFigures, 'reserveMinor' | 'consumedMinor'>): number | null {
  return r.reserveMinor > 0 ? r.consumedMinor / r.reserveMinor : null;
}

/**
 * The thresholds this consumption has reached (integer comparison, so 80 % of
 * an odd amount is not lost to rounding). An empty reserve that was charged is
 * exhausted at once.
 */
export function thresholdsReached(r: Pick<ReserveFigures, 'reserveMinor' | 'consumedMinor'>): (typeof RESERVE_THRESHOLDS)[number]['kind'][] {
  if (r.consumedMinor <= 0) return [];
  return RESERVE_THRESHOLDS.filter((t) => r.consumedMinor * 100 >= Math.round(t.share * 100) * r.reserveMinor).map((t) => t.kind);
}

/** What a person sees: overdrawn (more charged than reserved) stands out from exhausted (all of it used). */
export function reserveState(r: ReserveFigures): ReserveState {
  if (r.released) return 'released';
  if (r.consumedMinor > r.reserveMinor) return 'overdrawn';
  const reached = thresholdsReached(r);
  if (reached.includes('exhausted')) return 'exhausted';
  if (reached.includes('warning')) return 'warning';
  return 'ok';
}

/** The warranty of the batch is over on `today` (ISO date): the day after its last covered day. */
export function warrantyOver(r: Pick<ReserveFigures, 'warrantyEndsOn'>, today: string): boolean {
  return today > r.warrantyEndsOn;
}

/** The production quality bonus: the unused remainder, never negative (an overdrawn reserve pays nothing). */
export function qualityBonusMinor(r: Pick<ReserveFigures, 'reserveMinor' | 'consumedMinor'>): number {
  return Math.max(0, r.reserveMinor - r.consumedMinor);
}
