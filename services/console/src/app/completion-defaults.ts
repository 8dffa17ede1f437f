/**
 * The downtime a completion form starts with: the order's window when it has
 * begun (cut at its end or now, whichever is first), else the two hours up to
 * now. Never a range the server refuses (to before from), and never in the future.
 */
export function defaultDowntime(window: { windowFrom?: number | null | undefined; windowTo?: number | null | undefined }, now: number): { from: number; to: number } {
  const to = window.windowTo != null && window.windowTo <= now ? window.windowTo : now;
  const from = window.windowFrom != null && window.windowFrom < to ? window.windowFrom : to - 2 * 3_600_000;
  return { from, to };
}
