import { zonedDayStart } from '@hourmeter/domain';
import { DAY_MS } from './money.js';

export { zonedDayStart };

/** UTC calendar days as `YYYY-MM-DD` strings (they sort like the dates). */
export const dayMs = (day: string): number => Date.parse(`${day}T00:00:00Z`);
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const addDays = (day: string, n: number): string => dayOf(dayMs(day) + n * DAY_MS);
export const daysBetween = (from: string, to: string): number => Math.round((dayMs(to) - dayMs(from)) / DAY_MS) + 1;

export function eachDay(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = dayMs(from); d <= dayMs(to); d += DAY_MS) out.push(dayOf(d));
  return out;
}

/** The instants a period covers in a zone: [its first day's midnight, the midnight after its last day). */
export function periodSpan(period: Period, zone: string): { from: number; to: number } {
  return { from: zonedDayStart(period.start, zone), to: zonedDayStart(addDays(period.end, 1), zone) };
}

export const maxDay = (a: string, b: string) => (a > b ? a : b);
export const minDay = (a: string, b: string) => (a < b ? a : b);

function lastOfMonth(year: number, month1: number): number {
  return new Date(Date.UTC(year, month1, 0)).getUTCDate();
}

/**
 * The k-th anniversary of `start`. A 29 February start has its anniversary on
 * 28 February in common years (the last day of that month).
 */
export function anniversary(start: string, k: number): string {
  const [y, m, d] = start.split('-').map(Number) as [number, number, number];
  const year = y + k;
  const day = Math.min(d, lastOfMonth(year, m));
  return `${year}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const years = new Map<string, number>();

/** Completed contract years on `day`: anniversaries passed since `start` (0 in the first year). */
export function contractYear(start: string, day: string): number {
  // An invoice run prices every metered day of every contract: remember the answers (bounded).
  const key = `${start}|${day}`;
  const known = years.get(key);
  if (known !== undefined) return known;
  let k = 0;
  while (anniversary(start, k + 1) <= day) k++;
  if (years.size >= 100_000) years.clear();
  years.set(key, k);
  return k;
}

export interface Period {
  start: string;
  end: string;
}

/** `2026-03` -> the month; for quarterly contracts only a quarter's last month names a period (the quarter). */
export function billingPeriodFor(month: string, billing: 'monthly' | 'quarterly'): Period | undefined {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const end = `${month}-${String(lastOfMonth(y, m)).padStart(2, '0')}`;
  if (billing === 'monthly') return { start: `${month}-01`, end };
  if (m % 3 !== 0) return undefined;
  return { start: `${y}-${String(m - 2).padStart(2, '0')}-01`, end };
}
