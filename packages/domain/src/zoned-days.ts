import { z } from 'zod';

/**
 * Days on a customer's clock (issue #16, rule 12). The hour meter keeps its
 * totals per UTC day, each split into quarter hours; a day on any other clock
 * is the sum of the quarter hours that start inside it. Every quarter hour
 * starts inside exactly one local day, so the same stored figures give UTC
 * and local days alike and every metered hour lands on exactly one of them.
 * (All offsets in use today are whole quarter hours; under a historical offset
 * that is not, a quarter hour goes to the day it starts in.)
 */

export const DAY_MS = 86_400_000;
export const QUARTER_MS = 900_000;
export const QUARTERS_PER_DAY = DAY_MS / QUARTER_MS;

/** An IANA time zone name (`Europe/Berlin`, `Asia/Tokyo`, `UTC`). */
export const TimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/Berlin');

const utcDayMs = (day: string): number => Date.parse(`${day}T00:00:00Z`);
const utcDayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

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
 * The instant a calendar day starts in a time zone: midnight on the zone's
 * wall clock. Days around a daylight-saving change are 23 or 25 h long, so a
 * period's hours are the difference of two such instants.
 */
export function zonedDayStart(day: string, zone: string): number {
  const utc = utcDayMs(day);
  if (zone === 'UTC') return utc;
  const first = utc - zoneOffsetMs(utc, zone);
  return utc - zoneOffsetMs(first, zone);
}

/** The calendar day (`YYYY-MM-DD`) an instant falls on in a zone. */
export const zonedDayOf = (at: number, zone: string): string => (zone === 'UTC' ? utcDayOf(at) : utcDayOf(at + zoneOffsetMs(at, zone)));

/** One UTC day's metered time; `quarterMs`: its 96 quarter hours (null: not split, e.g. recorded before the split). */
export interface UtcDayTotal {
  day: string;
  operatingMs: number;
  quarterMs: readonly number[] | null;
}

/** A day's quarter hours: the recorded split, or for a day recorded without one its total spread evenly. */
export function quartersOf(d: UtcDayTotal): readonly number[] {
  if (d.quarterMs && d.quarterMs.length === QUARTERS_PER_DAY) return d.quarterMs;
  const even = Math.floor(d.operatingMs / QUARTERS_PER_DAY);
  const out = new Array<number>(QUARTERS_PER_DAY).fill(even);
  out[QUARTERS_PER_DAY - 1] = d.operatingMs - even * (QUARTERS_PER_DAY - 1);
  return out;
}

/**
 * Operating time per local day in `zone` from UTC-day totals: a map from
 * local day to ms (only days with a UTC day contributing). In UTC the
 * totals are the days themselves.
 */
export function localDayTotals(days: readonly UtcDayTotal[], zone: string): Map<string, number> {
  const out = new Map<string, number>();
  const add = (day: string, ms: number) => out.set(day, (out.get(day) ?? 0) + ms);
  for (const d of days) {
    if (zone === 'UTC') {
      add(d.day, d.operatingMs);
      continue;
    }
    const start = utcDayMs(d.day);
    const quarters = quartersOf(d);
    // At most a few local midnights fall inside one UTC day: walk from one to the next.
    let local = zonedDayOf(start, zone);
    let next = zonedDayStart(utcDayOf(utcDayMs(local) + DAY_MS), zone);
    for (let k = 0; k < QUARTERS_PER_DAY; k++) {
      const at = start + k * QUARTER_MS;
      while (at >= next) {
        local = utcDayOf(utcDayMs(local) + DAY_MS);
        next = zonedDayStart(utcDayOf(utcDayMs(local) + DAY_MS), zone);
      }
      add(local, quarters[k]!);
    }
  }
  return out;
}

/** The UTC days whose quarter hours can fall on local days [from, to] in any zone (UTC-12..UTC+14). */
export function utcDaysAround(from: string, to: string): { from: string; to: string } {
  return { from: utcDayOf(utcDayMs(from) - DAY_MS), to: utcDayOf(utcDayMs(to) + DAY_MS) };
}
