/**
 * The console's one time rule (issue #17 item 5): instants are epoch ms (UTC)
 * everywhere; what a person sees and types is in one chosen IANA zone, UTC
 * unless they pick another. Pure functions over Intl, shared by labels,
 * inputs and chart axes.
 */

const partsFormat = new Map<string, Intl.DateTimeFormat>();

function partsIn(zone: string): Intl.DateTimeFormat {
  let f = partsFormat.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    partsFormat.set(zone, f);
  }
  return f;
}

/** Whether `zone` is an IANA zone name this browser knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock fields of instant `ms` in `zone`. */
export function wallClock(ms: number, zone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const p = Object.fromEntries(partsIn(zone).formatToParts(ms).map((x) => [x.type, x.value]));
  return { year: Number(p.year), month: Number(p.month), day: Number(p.day), hour: Number(p.hour), minute: Number(p.minute), second: Number(p.second) };
}

/** How far `zone`'s wall clock is ahead of UTC at instant `ms` (ms; negative west of Greenwich). */
export function zoneOffsetMs(ms: number, zone: string): number {
  const w = wallClock(ms, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

const pad = (n: number, len = 2) => String(n).padStart(len, '0');

/** `YYYY-MM-DDTHH:mm`, the value of a datetime-local input showing instant `ms` in `zone`. */
export function toZoneInput(ms: number, zone: string): string {
  const w = wallClock(ms, zone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

/** `YYYY-MM-DD` of instant `ms` in `zone` (a date input's value). */
export const toZoneDay = (ms: number, zone: string) => toZoneInput(ms, zone).slice(0, 10);

/**
 * The instant a datetime-local value (`YYYY-MM-DDTHH:mm`) means in `zone`;
 * undefined when it is not one. A wall time skipped by a DST change resolves
 * to the instant after the gap, an ambiguous one to its first occurrence.
 */
export function fromZoneInput(text: string, zone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m) return undefined;
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  if (Number.isNaN(asUtc)) return undefined;
  // A DST change moves the offset at most once within a day either side: try the offset before and after it.
  const before = zoneOffsetMs(asUtc - 86_400_000, zone);
  const after = zoneOffsetMs(asUtc + 86_400_000, zone);
  const valid = [...new Set([before, after])].map((o) => asUtc - o).filter((t) => zoneOffsetMs(t, zone) === asUtc - t);
  // None valid: the wall time fell in a gap; the offset from before the gap lands just after it.
  return valid.length > 0 ? Math.min(...valid) : asUtc - before;
}
