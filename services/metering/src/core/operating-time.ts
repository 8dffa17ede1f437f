import type { RunningRule } from '@hourmeter/domain';
import { QUARTER_MS, QUARTERS_PER_DAY } from '@hourmeter/domain';
import { DAY_MS, overlap } from './days.js';

export interface Sample {
  ts: number;
  value: number;
}

/** What one day's total was computed from: kept with the total so it can be audited. */
export interface DayTotal {
  operatingMs: number;
  /** Samples of the rule's metric that took part (inside the window). */
  samples: number;
  /**
   * Time inside the day between samples further apart than the gap limit.
   * State rules count none of it; a counter's increase across it is credited.
   */
  gapMs: number;
  /** Counter rule: times the device counter jumped (reset, replacement, corrupted value). */
  counterResets: number;
  firstSampleTs: number | null;
  lastSampleTs: number | null;
}

export interface DayResult extends DayTotal {
  /**
   * Counter rule: where each credit of the day's change points that begins
   * before the day's start begins, ascending. It is all the day's readings
   * give the earlier days: while it stays the same, they need no recompute.
   */
  creditStartsBefore: number[];
}

export interface MeterSettings {
  rule: RunningRule;
  maxGapMs: number;
}

type CounterRule = Extract<RunningRule, { kind: 'counter' }>;

/**
 * How far back a counter change point looks for the reading it rose from
 * (README: at most 7 days). Bounding it bounds the readings a day needs.
 */
export const COUNTER_LOOKBACK_MS = 7 * DAY_MS;
/** Devices may report the counter with some jitter against our clock. */
const COUNTER_TOLERANCE = 1.02;
/** The longest credit one change point can place before itself. */
const MAX_CREDIT_MS = Math.ceil(COUNTER_LOOKBACK_MS * COUNTER_TOLERANCE);

/**
 * How far a credit can begin before the start of the run of equal values it
 * is measured from: the tolerance lets a credit exceed the elapsed time by 2%,
 * so by at most this much (+1 ms for rounding).
 */
const CREDIT_OVERSHOOT_MS = MAX_CREDIT_MS - COUNTER_LOOKBACK_MS + 1;

const counterUnitMs = (rule: CounterRule) => (rule.unit === 'hours' ? 3_600_000 : 1_000);
const counterStepMs = (rule: CounterRule) => (rule.resolution ?? 1) * counterUnitMs(rule);

/**
 * The readings [from, to) of the query that computing the day [from, to)
 * needs, for the meter and the audit alike. State intervals longer than the
 * gap limit count nothing, so the limit either side is enough. A counter's
 * change point needs the lookback before it, and one after the day still
 * credits the day if its credit reaches back into it.
 */
export function sampleWindow(settings: MeterSettings, from: number, to: number): { from: number; to: number } {
  if (settings.rule.kind !== 'counter') return { from: from - settings.maxGapMs, to: to + settings.maxGapMs + 1 };
  return { from: from - COUNTER_LOOKBACK_MS, to: to + MAX_CREDIT_MS + 1 };
}

/**
 * How much a counter day's first read reaches either side of the day, at
 * least: enough that a device reporting within its gap limit has readings
 * on both sides of midnight, and that the change points around midnight of
 * a counter running (or idle) across it show the value they rose from
 * together with when it started to stand, so their credits are exact.
 */
const NARROW_MARGIN_MS = 6 * 3_600_000;

/**
 * Where a counter day's readings are read first: `sampleWindow` spans some
 * 15 days, but almost always the hours around the day decide it exactly.
 * The margin before the day is the larger of six hours, the gap limit and
 * three counter steps (a coarse counter ticks once a step); after the day,
 * the same plus how far a credit can begin before the run it is measured
 * from. `undecidedSides` tells when a side must be widened to `sampleWindow`.
 * State rules read `sampleWindow`, which is narrow already.
 */
export function narrowWindow(settings: MeterSettings, from: number, to: number): { from: number; to: number } {
  const full = sampleWindow(settings, from, to);
  if (settings.rule.kind !== 'counter') return full;
  const margin = Math.min(COUNTER_LOOKBACK_MS, Math.ceil(Math.max(NARROW_MARGIN_MS, settings.maxGapMs, 3 * counterStepMs(settings.rule))));
  return { from: Math.max(full.from, from - margin), to: Math.min(full.to, to + CREDIT_OVERSHOOT_MS + margin) };
}

/**
 * Which sides of `window` (a part of `sampleWindow(settings, from, to)`
 * holding [from, to), and `samples` the readings inside it) may hide
 * readings that change the day's result: those must be widened to
 * `sampleWindow`. When neither does, `operatingTime` over `samples` equals
 * it over all the sample window's readings, every field alike, because:
 *
 * Before. Only the readings before the first sample `s0` are unseen. (1) If
 * `s0` is before `from`, every change point at or after `from` has its
 * predecessor in the window, and the gap ending at the first sample of the
 * day is in it too. (2) Only the first change point `c` can be measured
 * from a run of equal values that began before `s0` (every later one's run
 * begins at a change in the window). If `c` is before `from`, it credits
 * nothing to the day; if its lookback lies inside the window, it sees the
 * whole run there. Otherwise the true run start is at or before `s0`, so the
 * true limit is at least the window's: if what `c` claims is within the
 * window's limit, it is credited in full either way (and as plausible).
 *
 * After. Every unseen change point lies after the window, and its run of
 * equal values begins at or after the last change `r` in the window. A
 * credit begins at most `CREDIT_OVERSHOOT_MS` before its run's start, so if
 * `r` is that much after `to`, no unseen credit reaches into the day; `r`
 * being after `to` also puts the gap across `to` inside the window.
 */
export function undecidedSides(
  samples: readonly Sample[],
  settings: MeterSettings,
  from: number,
  to: number,
  window: { from: number; to: number },
): { before: boolean; after: boolean } {
  if (settings.rule.kind !== 'counter') return { before: false, after: false };
  const full = sampleWindow(settings, from, to);
  const points = ordered(samples);
  return {
    before: window.from > full.from && !decidedBefore(points, settings.rule, from, window.from),
    after: window.to < full.to && !decidedAfter(points, to),
  };
}

function decidedBefore(points: readonly Sample[], rule: CounterRule, from: number, windowFrom: number): boolean {
  const first = points[0];
  if (!first || first.ts >= from) return false;
  const i = points.findIndex((p, k) => k > 0 && p.value !== points[k - 1]!.value);
  if (i < 0) return true;
  const c = points[i]!;
  if (c.ts < from || c.ts - COUNTER_LOOKBACK_MS >= windowFrom) return true;
  return claimedMs({ value: c.value, previous: points[i - 1]!.value }, rule) <= creditLimit(c.ts, first.ts);
}

function decidedAfter(points: readonly Sample[], to: number): boolean {
  for (let k = points.length - 1; k > 0; k--) {
    if (points[k]!.value !== points[k - 1]!.value) return points[k]!.ts - CREDIT_OVERSHOOT_MS >= to;
  }
  return false;
}

/**
 * Sorted by time, one sample per timestamp. Twins (two devices on one asset,
 * a re-sent reading) would otherwise be resolved by store order; the larger
 * value wins so every recompute gives the same total.
 */
function ordered(samples: readonly Sample[]): Sample[] {
  const byTs = new Map<number, Sample>();
  for (const s of samples) {
    const seen = byTs.get(s.ts);
    if (!seen || s.value > seen.value) byTs.set(s.ts, s);
  }
  return [...byTs.values()].sort((a, b) => a.ts - b.ts);
}

function sampleStats(points: readonly Sample[], from: number, to: number): Pick<DayTotal, 'samples' | 'firstSampleTs' | 'lastSampleTs'> {
  const inside = points.filter((p) => p.ts >= from && p.ts < to);
  return { samples: inside.length, firstSampleTs: inside[0]?.ts ?? null, lastSampleTs: inside.at(-1)?.ts ?? null };
}

/** Time inside [from, to) between consecutive samples further apart than the gap limit. */
function gapTime(points: readonly Sample[], maxGapMs: number, from: number, to: number): number {
  let gapMs = 0;
  for (let i = 1; i < points.length; i++) {
    if (points[i]!.ts - points[i - 1]!.ts > maxGapMs) gapMs += overlap(points[i - 1]!.ts, points[i]!.ts, from, to);
  }
  return gapMs;
}

/** Sample-and-hold: a state lasts until the next sample, if that comes within the gap limit. */
function stateTime(points: readonly Sample[], settings: MeterSettings, from: number, to: number): number {
  const { rule } = settings;
  const running = (value: number) => (rule.kind === 'threshold' ? value > rule.above : value !== 0);
  let operatingMs = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (b.ts - a.ts <= settings.maxGapMs && running(a.value)) operatingMs += overlap(a.ts, b.ts, from, to);
  }
  return operatingMs;
}

/** A counter value differing from the one before it, the value it rose from, and since when that value stood. */
interface ChangePoint {
  ts: number;
  value: number;
  previous: number;
  /** First reading of the previous value within the lookback (null: none, nothing to measure from). */
  since: number | null;
}

/** Change points at or after `from`: runs of equal values collapse to their first sample. */
function changePoints(points: readonly Sample[], from: number): ChangePoint[] {
  const out: ChangePoint[] = [];
  let runStart = 0;
  for (let i = 1; i < points.length; i++) {
    const c = points[i]!;
    if (c.value === points[i - 1]!.value) continue;
    if (c.ts >= from) {
      // Only readings within the lookback count, so any window holding them gives the same answer.
      const since = points.slice(runStart, i).find((p) => p.ts >= c.ts - COUNTER_LOOKBACK_MS);
      out.push({ ts: c.ts, value: c.value, previous: points[i - 1]!.value, since: since?.ts ?? null });
    }
    runStart = i;
  }
  return out;
}

/**
 * What a change point shows ran before it. A counter cannot gain more than the
 * elapsed time plus one step of its resolution (a coarse counter ticks a whole
 * step at once). A drop is a restart from zero: the new value is what ran
 * since, if plausible. Anything else (a replacement unit with its own history,
 * a corrupted value) cannot tell what ran, so it credits nothing rather than
 * billing a guess.
 */
function credit(cp: ChangePoint, rule: CounterRule): { ms: number; reset: boolean } {
  if (cp.since === null) return { ms: 0, reset: false };
  const limit = creditLimit(cp.ts, cp.since);
  const claimed = claimedMs(cp, rule);
  const plausible = claimed >= 0 && claimed <= limit + counterStepMs(rule);
  return { ms: plausible ? Math.round(Math.min(claimed, limit)) : 0, reset: cp.value < cp.previous || !plausible };
}

/** The most a change point at `ts` can credit when the value it rose from stood since `since`. */
const creditLimit = (ts: number, since: number) => (ts - since) * COUNTER_TOLERANCE;

/** What a change shows ran: the rise, or after a drop (a restart from zero) the new value. */
const claimedMs = (cp: Pick<ChangePoint, 'value' | 'previous'>, rule: CounterRule) =>
  (cp.value >= cp.previous ? cp.value - cp.previous : cp.value) * counterUnitMs(rule);

/**
 * Each change point's credit is placed in the time just before it, so a
 * device that was offline for days spreads its catch-up over those days, at
 * most a day's length on any one.
 */
function counterTime(points: readonly Sample[], rule: CounterRule, from: number, to: number) {
  let operatingMs = 0;
  let counterResets = 0;
  const creditStartsBefore: number[] = [];
  for (const cp of changePoints(points, from)) {
    const { ms, reset } = credit(cp, rule);
    operatingMs += overlap(cp.ts - ms, cp.ts, from, to);
    if (cp.ts >= to) continue;
    if (reset) counterResets++;
    if (cp.ts - ms < from) creditStartsBefore.push(cp.ts - ms);
  }
  // Credits of close change points may overlap by the tolerance: a day never has more than its length.
  return { operatingMs: Math.min(operatingMs, to - from), counterResets, creditStartsBefore: creditStartsBefore.sort((a, b) => a - b) };
}

/**
 * Operating time inside [from, to) from the samples of the rule's metric
 * (which must cover `sampleWindow(settings, from, to)`, or a part of it
 * that `undecidedSides` accepts: the result is the same).
 *
 * State rules (boolean, threshold) use sample-and-hold: the state a sample
 * reports lasts until the next sample, if that comes within the gap limit;
 * the span after the last sample is not counted until the next one arrives.
 * Counter rules credit each change of the device's counter with the increase
 * it shows, placed just before it; across a gap too, since the device's own
 * counter kept running while we heard nothing.
 */
export function operatingTime(samples: readonly Sample[], settings: MeterSettings, from: number, to: number): DayResult {
  const points = ordered(samples);
  const common = { ...sampleStats(points, from, to), gapMs: gapTime(points, settings.maxGapMs, from, to) };
  if (settings.rule.kind === 'counter') return { ...common, ...counterTime(points, settings.rule, from, to) };
  return { ...common, operatingMs: stateTime(points, settings, from, to), counterResets: 0, creditStartsBefore: [] };
}

/**
 * The days whose totals a new sample at `ts` can change (besides the earlier
 * days a counter credit reaches, which the day's recompute reports). In
 * order, only the interval ending at it; out of order, also what follows it:
 * the interval it splits, or the counter change points that look back at it.
 */
export function affectedRange(ts: number, settings: MeterSettings, outOfOrder: boolean): { from: number; to: number } {
  const ahead = settings.rule.kind === 'counter' ? COUNTER_LOOKBACK_MS : settings.maxGapMs;
  return { from: ts - settings.maxGapMs, to: outOfOrder ? ts + ahead : ts };
}

/**
 * The day [from, from + 24 h)'s operating time per quarter hour (96 values
 * summing to the day's `operatingMs`), so days on any clock can be cut from
 * the stored UTC day (issue #16, rule 12). Each quarter holds the running
 * intervals (state rules) or credits (counters) that fall into it; a
 * counter's cap at the elapsed length applies to the running sum from
 * `from`, as `operatingTime` applies it to the whole day.
 */
export function quarterHours(samples: readonly Sample[], settings: MeterSettings, from: number): number[] {
  const points = ordered(samples);
  const raw = new Array<number>(QUARTERS_PER_DAY).fill(0);
  const spread = (a: number, b: number) => {
    const first = Math.max(0, Math.floor((a - from) / QUARTER_MS));
    const last = Math.min(QUARTERS_PER_DAY - 1, Math.floor((b - 1 - from) / QUARTER_MS));
    for (let k = first; k <= last; k++) raw[k]! += overlap(a, b, from + k * QUARTER_MS, from + (k + 1) * QUARTER_MS);
  };
  const { rule } = settings;
  if (rule.kind === 'counter') {
    for (const cp of changePoints(points, from)) spread(cp.ts - credit(cp, rule).ms, cp.ts);
  } else {
    const running = (value: number) => (rule.kind === 'threshold' ? value > rule.above : value !== 0);
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1]!;
      const b = points[i]!;
      if (b.ts - a.ts <= settings.maxGapMs && running(a.value)) spread(a.ts, b.ts);
    }
  }
  const out: number[] = [];
  let sum = 0;
  let before = 0;
  for (let k = 0; k < QUARTERS_PER_DAY; k++) {
    sum += raw[k]!;
    const upTo = rule.kind === 'counter' ? Math.min(sum, (k + 1) * QUARTER_MS) : sum;
    out.push(upTo - before);
    before = upTo;
  }
  return out;
}
