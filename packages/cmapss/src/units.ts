import type { CmapssRow } from './parse.js';

/** One engine's history, cycles in order (cycle of element i is i + 1). */
export interface CmapssUnit {
  readonly unit: number;
  readonly rows: readonly CmapssRow[];
  /**
   * Remaining cycles after the last row: 0 for a training unit (it ran to
   * failure), the `RUL_FDxxx.txt` value for a test unit.
   */
  readonly rulAtEnd: number;
}

/**
 * Groups rows by unit, keeping file order. Assumes rows already passed
 * `parseRows`' ordering checks (contiguous cycles per unit).
 * `rulAtEnd` defaults to 0: training units end at failure.
 */
export function groupByUnit(rows: readonly CmapssRow[], rulAtEnd?: readonly number[]): CmapssUnit[] {
  const groups: CmapssRow[][] = [];
  let current: CmapssRow[] | undefined;
  for (const row of rows) {
    if (current === undefined || current[0]!.unit !== row.unit) {
      current = [];
      groups.push(current);
    }
    current.push(row);
  }
  if (rulAtEnd !== undefined && rulAtEnd.length !== groups.length) {
    throw new Error(`RUL list has ${rulAtEnd.length} values but there are ${groups.length} units`);
  }
  return groups.map((g, i) => ({ unit: g[0]!.unit, rows: g, rulAtEnd: rulAtEnd?.[i] ?? 0 }));
}

/** Last recorded cycle of a unit. */
export function lastCycle(unit: CmapssUnit): number {
  return unit.rows[unit.rows.length - 1]!.cycle;
}

/**
 * True remaining useful life at every row of a unit:
 * `lastCycle - cycle + rulAtEnd` (uncapped).
 */
export function trueRul(unit: CmapssUnit): number[] {
  const last = lastCycle(unit);
  return unit.rows.map((r) => last - r.cycle + unit.rulAtEnd);
}

/**
 * The piecewise-linear training target of the standard evaluation: healthy
 * engines show no measurable degradation, so RUL above `cap` is unobservable
 * and is clipped (Heimes 2008; cap 125 by convention).
 */
export function cappedRul(unit: CmapssUnit, cap = 125): number[] {
  return trueRul(unit).map((r) => Math.min(r, cap));
}
