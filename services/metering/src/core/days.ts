/** Operating hours are totalled per UTC day, split into quarter hours so contracts can bill on their own clock. */
export const DAY_MS = 86_400_000;

export const dayStart = (ts: number): number => Math.floor(ts / DAY_MS) * DAY_MS;
export const dayOf = (ts: number): string => new Date(dayStart(ts)).toISOString().slice(0, 10);
export const dayStartOf = (day: string): number => Date.parse(`${day}T00:00:00.000Z`);

/** Every UTC day that [from, to] touches, in order. */
export function daysBetween(from: number, to: number): string[] {
  const days: string[] = [];
  for (let t = dayStart(from); t <= to; t += DAY_MS) days.push(dayOf(t));
  return days;
}

/** Length of the overlap of [a0, a1) and [b0, b1). */
export const overlap = (a0: number, a1: number, b0: number, b1: number): number =>
  Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
