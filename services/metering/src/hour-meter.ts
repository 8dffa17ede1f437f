import type { Logger } from '@hourmeter/runtime';
import { DAY_MS, dayStartOf, daysBetween } from './core/days.js';
import { affectedRange, lookbackMs, operatingTime, type MeterSettings } from './core/operating-time.js';
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
  /** Recomputes one asset's days in [fromDay, toDay] from the store (repair, audit). */
  recompute(assetId: string, fromDay: string, toDay: string): Promise<DailyTotal[]>;
  /** Days waiting to be recomputed. */
  pending(): number;
  start(): void;
  stop(): Promise<void>;
}

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
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  function mark(assetId: string, from: number, to: number): void {
    let days = dirty.get(assetId);
    if (!days) dirty.set(assetId, (days = new Set()));
    for (const day of daysBetween(from, to)) days.add(day);
  }

  async function computeDay(assetId: string, settings: MeterSettings, day: string): Promise<DailyTotal> {
    const from = dayStartOf(day);
    const to = from + DAY_MS;
    const [series] = await deps.samples.queryRange({
      assetId,
      metrics: [settings.rule.metric],
      from: from - lookbackMs(settings),
      to: to + settings.maxGapMs + 1,
    });
    const total = operatingTime(series?.points ?? [], settings, from, to);
    return { assetId, day, ...total, settings: JSON.stringify(settings) };
  }

  async function recomputeDays(assetId: string, days: Iterable<string>): Promise<DailyTotal[]> {
    const settings = await deps.settings.settingsFor(assetId);
    if (!settings) return [];
    const out: DailyTotal[] = [];
    for (const day of days) {
      const total = await computeDay(assetId, settings, day);
      // A day merely bordering new data has nothing of its own: no record.
      if (total.samples === 0 && total.operatingMs === 0) continue;
      // While in-order readings for the day can still arrive, its total is
      // amended in place; a change after that (late data) is a new version.
      const open = (newest.get(assetId) ?? Number.NEGATIVE_INFINITY) < dayStartOf(day) + DAY_MS + settings.maxGapMs;
      const { changed } = await deps.totals.record(total, { amend: open });
      if (changed) log.debug({ assetId, day, operatingMs: total.operatingMs }, 'daily operating time updated');
      out.push(total);
    }
    return out;
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
      const result = running.then(() => recomputeDays(assetId, days));
      running = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
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

