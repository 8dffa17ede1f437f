import type { RunningRule } from '@hourmeter/domain';
import { overlap } from './days.js';

export interface Sample {
  ts: number;
  value: number;
}

/** What one day's total was computed from: kept with the total so it can be audited. */
export interface DayTotal {
  operatingMs: number;
  /** Samples of the rule's metric that took part (inside the window). */
  samples: number;
  /** Time inside the day between samples further apart than the gap limit: not counted. */
  gapMs: number;
  /** Counter rule: times the device counter jumped (reset, replacement, corrupted value). */
  counterResets: number;
  firstSampleTs: number | null;
  lastSampleTs: number | null;
}

export interface MeterSettings {
  rule: RunningRule;
  maxGapMs: number;
}

/**
 * How far before a day the samples that can contribute to it may lie. A state
 * interval longer than the gap limit counts for nothing, so `maxGapMs` is
 * enough; a counter's increase across a gap is caught up at the later sample,
 * so counters look back further (bounded, documented in the README).
 */
export const COUNTER_LOOKBACK_MS = 7 * 86_400_000;
export const lookbackMs = (s: MeterSettings): number => (s.rule.kind === 'counter' ? COUNTER_LOOKBACK_MS : s.maxGapMs);

/** Devices may report the counter with some jitter against our clock. */
const COUNTER_TOLERANCE = 1.02;
const counterUnitMs = (rule: Extract<RunningRule, { kind: 'counter' }>) => (rule.unit === 'hours' ? 3_600_000 : 1_000);

/** Sorted by time; at equal timestamps the last one written wins (duplicates from the store). */
function ordered(samples: readonly Sample[]): Sample[] {
  const byTs = new Map<number, Sample>();
  for (const s of samples) byTs.set(s.ts, s);
  return [...byTs.values()].sort((a, b) => a.ts - b.ts);
}

function isRunning(rule: RunningRule, value: number): boolean {
  return rule.kind === 'threshold' ? value > rule.above : value !== 0;
}

/**
 * Operating time inside [from, to) from the samples of the rule's metric
 * (which must include those up to `lookbackMs` before `from`).
 *
 * State rules (boolean, threshold) use sample-and-hold: the state a sample
 * reports lasts until the next sample, if that comes within the gap limit;
 * the span after the last sample is not counted until the next one arrives.
 * Counter rules take the increase between consecutive samples, spread evenly
 * over the interval when it is within the gap limit, else credited at the later
 * sample (the device's own counter kept running while we heard nothing). A
 * counter can never gain more than the elapsed time: a jump either way is a
 * reset (the new value is what ran since, if plausible) or a discontinuity
 * (replacement unit, corrupted value) that counts nothing.
 */
export function operatingTime(samples: readonly Sample[], settings: MeterSettings, from: number, to: number): DayTotal {
  const points = ordered(samples);
  const total: DayTotal = { operatingMs: 0, samples: 0, gapMs: 0, counterResets: 0, firstSampleTs: null, lastSampleTs: null };
  for (const p of points) {
    if (p.ts >= from && p.ts < to) {
      total.samples++;
      total.firstSampleTs ??= p.ts;
      total.lastSampleTs = p.ts;
    }
  }
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const span = b.ts - a.ts;
    const inside = overlap(a.ts, b.ts, from, to);
    if (span > settings.maxGapMs) total.gapMs += inside;

    if (settings.rule.kind !== 'counter') {
      if (span <= settings.maxGapMs && isRunning(settings.rule, a.value)) total.operatingMs += inside;
      continue;
    }
    const unit = counterUnitMs(settings.rule);
    let increaseMs = (b.value - a.value) * unit;
    if (increaseMs < 0 || increaseMs > span * COUNTER_TOLERANCE) {
      // The counter jumped: a restart from zero shows at most the elapsed
      // time, which is what ran since; anything else (a replacement unit with
      // its own history, a corrupted value) cannot tell us what ran, so the
      // interval counts nothing rather than billing a guess.
      if (b.ts >= from && b.ts < to) total.counterResets++;
      increaseMs = increaseMs < 0 && b.value * unit <= span * COUNTER_TOLERANCE ? b.value * unit : 0;
    }
    increaseMs = Math.min(increaseMs, span);
    if (span <= settings.maxGapMs) {
      total.operatingMs += span === 0 ? 0 : (increaseMs * inside) / span;
    } else if (b.ts >= from && b.ts < to) {
      total.operatingMs += increaseMs;
    }
  }
  total.operatingMs = Math.round(total.operatingMs);
  return total;
}

/**
 * The days whose totals a new sample at `ts` can change. In order, only the
 * interval ending at it; out of order, also the one it splits, which for a
 * counter's catch-up can end up to the lookback later.
 */
export function affectedRange(ts: number, settings: MeterSettings, outOfOrder: boolean): { from: number; to: number } {
  const back = settings.maxGapMs;
  const ahead = outOfOrder ? lookbackMs(settings) : 0;
  return { from: ts - back, to: ts + ahead };
}
