import type { Logger } from '@hourmeter/runtime';
import { DAY_MS, dayStartOf, daysBetween } from './core/days.js';
import { affectedRange, narrowWindow, operatingTime, quarterHours, sampleWindow, undecidedSides, type MeterSettings, type Sample } from './core/operating-time.js';
import type { DailyTotal, SampleSource, SettingsSource, StoredReading, TotalsStore } from './ports.js';

export interface HourMeterDeps {
  samples: SampleSource;
  settings: SettingsSource;
  totals: TotalsStore;
  logger: Logger;
  /** How often dirty days are recomputed; readings arriving meanwhile are coalesced. */
  recomputeIntervalMs?: number;
}

export interface HourMeter {
  /** Tells the meter that readings are now in the telemetry store. */
  onStored(readings: readonly StoredReading[]): Promise<void>;
  /** Recomputes every day marked dirty so far. */
  flush(): Promise<void>;
  /**
   * Recomputes one asset's days in [fromDay, toDay] (and the earlier days its
   * counter credits reach) from the store with the model's current rule.
   */
  recompute(assetId: string, fromDay: string, toDay: string): Promise<DailyTotal[]>;
  /**
   * Exactly the readings the meter computes `day` from with `settings` (a
   * version's settings JSON), for the audit; null when the store has no such
   * metric.
   */
  readingsBehind(assetId: string, day: string, settings: string): Promise<{ metric: string; points: [number, number][] } | null>;
  /** Days waiting to be recomputed. */
  pending(): number;
  start(): void;
  stop(): Promise<void>;
}

/**
 * The readings of the rule's metric that `operatingTime` computes [from, to)
 * from: `narrowWindow` first, each side widened to `sampleWindow` only where
 * `undecidedSides` says the narrow readings cannot decide the day, so the
 * result is the one all of `sampleWindow` gives. A widened side reads only
 * what the narrow window has not (after today: nothing yet).
 */
export async function readDay(
  source: SampleSource,
  assetId: string,
  settings: MeterSettings,
  from: number,
  to: number,
): Promise<{ points: Sample[]; window: { from: number; to: number }; found: boolean }> {
  const full = sampleWindow(settings, from, to);
  let window = narrowWindow(settings, from, to);
  let found = false;
  const read = async (range: { from: number; to: number }): Promise<Sample[]> => {
    const [series] = await source.queryRange({ assetId, metrics: [settings.rule.metric], ...range });
    if (series) found = true;
    return series ? [...series.points] : [];
  };
  let points = await read(window);
  for (;;) {
    const undecided = undecidedSides(points, settings, from, to, window);
    if (!undecided.before && !undecided.after) return { points, window, found };
    if (undecided.before) {
      points = [...(await read({ from: full.from, to: window.from })), ...points];
      window = { ...window, from: full.from };
    }
    if (undecided.after) {
      points = [...points, ...(await read({ from: window.to, to: full.to }))];
      window = { ...window, to: full.to };
    }
  }
}

/** What a day's credits put into the earlier days: its `creditStartsBefore`. */
interface Reach {
  starts: string;
  earliest: number | null;
}
/**
 * Days remembered per asset (the latest), and assets remembered (the most
 * recently computed): a day forgotten cascades at its next computation.
 */
const REACH_DAYS_PER_ASSET = 8;
const REACH_ASSETS = 100_000;

/**
 * Keeps each asset's daily operating time equal to what the stored readings
 * say. Readings only mark the days they can affect as dirty; a periodic pass
 * recomputes those days from the telemetry store, so out-of-order, late and
 * duplicated data give exactly the total in-order data would.
 */
export function createHourMeter(deps: HourMeterDeps): HourMeter {
  const log = deps.logger.child({ svc: 'hour-meter' });
  const dirty = new Map<string, Set<string>>();
  /** Newest reading time per asset, to tell in-order from late readings. */
  const newest = new Map<string, number>();
  /**
   * Per asset and day, what the day's credits put into earlier days when
   * those were last brought up to date with it (bounded; after a restart,
   * or once forgotten, the day's next computation cascades).
   */
  const reaches = new Map<string, { settings: string; days: Map<string, Reach> }>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  /** Whether the earlier days were brought up to date with `reach` of `day` under `settings`. */
  function remembered(assetId: string, day: string, settings: string, reach: Reach): boolean {
    const known = reaches.get(assetId);
    return known?.settings === settings && known.days.get(day)?.starts === reach.starts;
  }

  function remember(assetId: string, day: string, settings: string, reach: Reach): void {
    let known = reaches.get(assetId);
    reaches.delete(assetId);
    if (known?.settings !== settings) known = { settings, days: new Map() };
    reaches.set(assetId, known);
    known.days.set(day, reach);
    if (known.days.size > REACH_DAYS_PER_ASSET) known.days.delete([...known.days.keys()].sort()[0]!);
    if (reaches.size > REACH_ASSETS) reaches.delete(reaches.keys().next().value!);
  }

  function mark(assetId: string, from: number, to: number): void {
    let days = dirty.get(assetId);
    if (!days) dirty.set(assetId, (days = new Set()));
    for (const day of daysBetween(from, to)) days.add(day);
  }

  async function computeDay(assetId: string, settings: MeterSettings, day: string): Promise<{ total: DailyTotal; reach: Reach }> {
    const from = dayStartOf(day);
    const to = from + DAY_MS;
    const { points } = await readDay(deps.samples, assetId, settings, from, to);
    const { creditStartsBefore, ...total } = operatingTime(points, settings, from, to);
    const reach = { starts: creditStartsBefore.join(','), earliest: creditStartsBefore[0] ?? null };
    const quarterMs = total.operatingMs > 0 ? quarterHours(points, settings, from) : undefined;
    return { total: { assetId, day, ...total, settings: JSON.stringify(settings), quarterMs }, reach };
  }

  /** Days before `day` that credits ending in it reach into. */
  function reachedDays(day: string, earliest: number | null): string[] {
    const start = dayStartOf(day);
    return earliest !== null && earliest < start ? daysBetween(earliest, start - 1) : [];
  }

  /** Records a recomputed day; whether the day has a record. */
  async function save(assetId: string, settings: MeterSettings, total: DailyTotal): Promise<boolean> {
    // A day merely bordering data has nothing of its own: no record. One that
    // has a record but no data any more (rule changed, retention) drops to zero.
    const empty = total.samples === 0 && total.operatingMs === 0;
    // While in-order readings for the day can still arrive, its total is
    // amended in place (unless billed); a change after that is a new version.
    const open = (newest.get(assetId) ?? Number.NEGATIVE_INFINITY) < dayStartOf(total.day) + DAY_MS + settings.maxGapMs;
    const { changed, current } = await deps.totals.record(total, { amend: open, onlyIfRecorded: empty });
    if (changed) log.debug({ assetId, day: total.day, operatingMs: total.operatingMs }, 'daily operating time updated');
    return current !== undefined;
  }

  /**
   * Recomputes `days` and the earlier days their counter credits reach into.
   * A reached day's own credits come from readings outside `days`, so its
   * reach is not followed: a counter running across every midnight would
   * otherwise chain back through the whole history.
   *
   * A day's readings change an earlier day only through the credits that
   * begin before it (an earlier day's own readings mark it dirty). So the
   * cascade runs only when those differ from what the earlier days were last
   * brought up to date with (or the settings do, or that is not known), and
   * then also to the days the old credits reached, which may have lost
   * them. A recompute on request (`fresh`) always cascades.
   */
  async function recomputeDays(assetId: string, days: readonly string[], fresh = false): Promise<DailyTotal[]> {
    const settings = await deps.settings.settingsFor(assetId, { fresh });
    if (!settings) return [];
    const json = JSON.stringify(settings);
    const reached = new Set<string>();
    const cascaded: [string, Reach][] = [];
    const out: DailyTotal[] = [];
    for (const day of days) {
      const { total, reach } = await computeDay(assetId, settings, day);
      if (await save(assetId, settings, total)) out.push(total);
      if (!fresh && remembered(assetId, day, json, reach)) continue;
      const before = reaches.get(assetId)?.days.get(day);
      for (const earlier of [...reachedDays(day, reach.earliest), ...reachedDays(day, before?.earliest ?? null)]) {
        if (!days.includes(earlier)) reached.add(earlier);
      }
      cascaded.push([day, reach]);
    }
    for (const day of reached) {
      const { total, reach } = await computeDay(assetId, settings, day);
      if (await save(assetId, settings, total)) out.push(total);
      // Its own reach is not followed now: if it moved, its next computation follows it.
      if (!remembered(assetId, day, json, reach)) reaches.get(assetId)?.days.delete(day);
    }
    // Only once the earlier days are recorded: a failed pass cascades again when retried.
    for (const [day, reach] of cascaded) remember(assetId, day, json, reach);
    return out.sort((a, b) => a.day.localeCompare(b.day));
  }

  async function flushOnce(): Promise<void> {
    const batch = [...dirty.entries()];
    dirty.clear();
    for (const [assetId, days] of batch) {
      try {
        await recomputeDays(assetId, [...days].sort());
      } catch (err) {
        // Keep the days dirty: the store may be down; the next pass retries.
        for (const day of days) mark(assetId, dayStartOf(day), dayStartOf(day));
        log.warn({ err, assetId, days: days.size }, 'operating time recompute failed; will retry');
      }
    }
  }

  return {
    async onStored(readings) {
      const byAsset = new Map<string, StoredReading[]>();
      for (const r of readings) {
        const list = byAsset.get(r.assetId);
        if (list) list.push(r);
        else byAsset.set(r.assetId, [r]);
      }
      for (const [assetId, own] of byAsset) {
        const settings = await deps.settings.settingsFor(assetId);
        if (!settings) continue;
        // Only readings carrying the rule's metric move the meter.
        const stamps = own.filter((r) => settings.rule.metric in r.metrics).map((r) => r.ts);
        if (stamps.length === 0) continue;
        // After a restart we do not know the newest reading: assume any could be late.
        const known = newest.has(assetId);
        let latest = newest.get(assetId) ?? Number.NEGATIVE_INFINITY;
        for (const ts of stamps.sort((a, b) => a - b)) {
          const range = affectedRange(ts, settings, !known || ts < latest);
          mark(assetId, range.from, range.to);
          latest = Math.max(latest, ts);
        }
        newest.set(assetId, latest);
      }
    },

    flush() {
      // Passes never overlap: a day is never recorded by two passes at once.
      running = running.then(flushOnce);
      return running;
    },

    recompute(assetId, fromDay, toDay) {
      const days = daysBetween(dayStartOf(fromDay), dayStartOf(toDay));
      // Fresh settings: a recompute through the API is how a model edit reaches past days.
      const result = running.then(() => recomputeDays(assetId, days, true));
      running = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },

    async readingsBehind(assetId, day, settings) {
      const parsed = JSON.parse(settings) as MeterSettings;
      const from = dayStartOf(day);
      const { points, found } = await readDay(deps.samples, assetId, parsed, from, from + DAY_MS);
      return found ? { metric: parsed.rule.metric, points: points.map((p) => [p.ts, p.value] as [number, number]) } : null;
    },

    pending: () => [...dirty.values()].reduce((n, days) => n + days.size, 0),

    start() {
      const every = deps.recomputeIntervalMs ?? 5_000;
      timer = setInterval(() => void this.flush(), every);
      timer.unref();
    },

    async stop() {
      clearInterval(timer);
      await this.flush();
    },
  };
}

