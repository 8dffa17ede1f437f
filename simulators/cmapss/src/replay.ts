import type { CmapssUnit } from '@hourmeter/cmapss';
import type { ReadingSource, SimReading } from '@hourmeter/sim-common';

export interface ReplayTiming {
  /** Epoch ms of cycle 0: cycle c is stamped `startMs + c * hoursPerCycle` hours. */
  startMs: number;
  hoursPerCycle: number;
}

/**
 * One C-MAPSS row as telemetry. Metric names follow the data set's own
 * (`setting1..3`, `s1..s21`), so results can be compared with the literature;
 * `cycle` and an `operating_hours` counter let the hour meter count the
 * engine's use without depending on gaps between readings.
 */
export function rowToReading(row: CmapssUnit['rows'][number], t: ReplayTiming): SimReading {
  const metrics: Record<string, number | boolean> = { running: true, cycle: row.cycle, operating_hours: row.cycle * t.hoursPerCycle };
  row.settings.forEach((v, i) => (metrics[`setting${i + 1}`] = v));
  row.sensors.forEach((v, i) => (metrics[`s${i + 1}`] = v));
  return { ts: Math.round(t.startMs + row.cycle * t.hoursPerCycle * 3_600_000), metrics };
}

/** Every reading of a unit, in cycle order (pure; what the replay sends). */
export function unitReadings(unit: CmapssUnit, t: ReplayTiming): SimReading[] {
  return unit.rows.map((r) => rowToReading(r, t));
}

/**
 * Replays one engine, one message per cycle. A training unit ends at failure
 * (its last row is its last cycle), so the source then reports a failure.
 */
export class UnitReplaySource implements ReadingSource {
  private next_ = 0;

  constructor(
    readonly unit: CmapssUnit,
    private readonly timing: ReplayTiming,
  ) {}

  next(): SimReading | undefined {
    const row = this.unit.rows[this.next_];
    if (row === undefined) return undefined;
    this.next_++;
    return rowToReading(row, this.timing);
  }

  /** Cycles sent so far. */
  get position(): number {
    return this.next_;
  }

  get failed(): boolean {
    return this.next_ >= this.unit.rows.length && this.unit.rulAtEnd === 0;
  }

  get failures(): number {
    return this.failed ? 1 : 0;
  }
}

/** Parses `1-20`, `3`, `1-5,8,10-12` into sorted unique unit numbers. */
export function parseUnitRange(spec: string): number[] {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new Error(`bad unit range "${part}": use e.g. 1-20 or 1,3,5-8`);
    const from = Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : from;
    if (from < 1 || to < from) throw new Error(`bad unit range "${part}": units start at 1 and ranges go upwards`);
    for (let u = from; u <= to; u++) out.add(u);
  }
  return [...out].sort((a, b) => a - b);
}
