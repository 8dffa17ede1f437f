import { DAY_MS } from './money.js';

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

const formatters = new Map<string, Intl.DateTimeFormat>();

/** How far `zone`'s wall clock is ahead of UTC at the instant (ms; negative west of Greenwich). */
function zoneOffsetMs(at: number, zone: string): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return wall - Math.floor(at / 1000) * 1000;
}

/**
 * The instant a calendar day starts in a time zone (IANA name): midnight on
 * the zone's wall clock. Days around a daylight-saving change are 23 or 25 h
 * long, so a period's hours are the difference of two such instants.
 */
export function zonedDayStart(day: string, zone: string): number {
  const utc = dayMs(day);
  if (zone === 'UTC') return utc;
  const first = utc - zoneOffsetMs(utc, zone);
  const second = utc - zoneOffsetMs(first, zone);
  return second;
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

/** Completed contract years on `day`: anniversaries passed since `start` (0 in the first year). */
export function contractYear(start: string, day: string): number {
  let k = 0;
  while (anniversary(start, k + 1) <= day) k++;
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
