/**
 * Life histories of one asset model and failure mode, from the platform's own
 * records: a completed corrective work order with the failure mode ends a life
 * as a failure; a completed preventive replacement of the same component ends
 * it censored (the part was renewed before it failed); an asset still running
 * is censored at the cut-off. The age axis is operating hours from the hour
 * meter, or calendar hours for a population with no hour-meter data at all.
 *
 * What a repair restores is set per failure mode:
 * - `as_good_as_new`: a failure renews the component, the next life starts at age 0;
 * - `minimal_repair`: the unit goes on at the age it failed at (the next
 *   interval enters observation at that age, see Life.startHours).
 * A preventive replacement renews in both cases.
 *
 * `asOf` is the cut-off of a time-split backtest: nothing recorded after it
 * (events, hour-meter days) is used, and lives still open then are censored then.
 */
import type { Life } from './weibull.js';

export type Restoration = 'as_good_as_new' | 'minimal_repair';
export type AgeAxis = 'operating_hours' | 'calendar_hours';

export interface MaintenanceEvent {
  assetId: string;
  /** When the failure happened (or the replacement was done), epoch ms. */
  at: number;
  kind: 'failure' | 'replacement';
  workOrderId?: string | undefined;
}

export interface OperatingDay {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  hours: number;
}

export interface AssetRecord {
  assetId: string;
  serialNumber: string;
  /** Start of the first life (commissioning), epoch ms. */
  commissionedAt: number;
  /** The hour meter's daily totals (any order); empty when the asset never reported. */
  days: readonly OperatingDay[];
}

export type LifeEnd = 'failure' | 'replacement' | 'running';

export interface LifeRecord extends Life {
  assetId: string;
  serialNumber: string;
  startAt: number;
  endAt: number;
  endedBy: LifeEnd;
  workOrderId?: string | undefined;
}

export interface LivesOptions {
  restoration: Restoration;
  /** Cut-off, epoch ms: now, or the T of a backtest. */
  asOf: number;
  /** Force the age axis (a backtest scores on the axis its model was fitted on). */
  ageAxis?: AgeAxis | undefined;
}

export interface Lives {
  ageAxis: AgeAxis;
  lives: LifeRecord[];
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const dayOf = (ts: number) => new Date(ts).toISOString().slice(0, 10);

/**
 * Cumulative operating hours of one asset at any instant up to `asOf`: whole
 * days before the instant's day, plus that day's total in proportion to the
 * part of it elapsed (the meter keeps daily totals, not the time of day).
 * Only days that ended by `asOf` are used, so an age at `asOf` lags by the
 * part of the current day at most, and nothing after `asOf` is read.
 */
export function operatingHoursClock(days: readonly OperatingDay[], asOf: number): (ts: number) => number {
  // Only days complete by asOf: a day's total includes what ran after asOf that day.
  const usable = days.filter((d) => Date.parse(`${d.day}T00:00:00Z`) + DAY_MS <= asOf).sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  const starts = usable.map((d) => Date.parse(`${d.day}T00:00:00Z`));
  const cumulative: number[] = [];
  let total = 0;
  for (const d of usable) {
    cumulative.push(total);
    total += d.hours;
  }
  return (ts) => {
    const t = Math.min(ts, asOf);
    // Last day starting at or before t (binary search).
    let lo = 0;
    let hi = usable.length - 1;
    let idx = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= t) {
        idx = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (idx < 0) return 0;
    const fraction = Math.min(1, (t - starts[idx]!) / DAY_MS);
    return cumulative[idx]! + usable[idx]!.hours * fraction;
  };
}

/** Operating hours when any asset of the population has hour-meter data up to `asOf`, else calendar hours. */
export function chooseAgeAxis(assets: readonly AssetRecord[], asOf: number): AgeAxis {
  return assets.some((a) => a.days.some((d) => d.day < dayOf(asOf) && d.hours > 0)) ? 'operating_hours' : 'calendar_hours';
}

/** The asset's meter (or calendar) reading in hours at any instant, using nothing after `asOf`. */
export function assetClock(asset: AssetRecord, ageAxis: AgeAxis, asOf: number): (ts: number) => number {
  return ageAxis === 'operating_hours' ? operatingHoursClock(asset.days, asOf) : (ts: number) => Math.max(0, Math.min(ts, asOf) - asset.commissionedAt) / HOUR_MS;
}

export function buildLives(assets: readonly AssetRecord[], events: readonly MaintenanceEvent[], opts: LivesOptions): Lives {
  const ageAxis = opts.ageAxis ?? chooseAgeAxis(assets, opts.asOf);
  const byAsset = new Map<string, MaintenanceEvent[]>();
  for (const e of events) {
    if (e.at > opts.asOf) continue;
    const list = byAsset.get(e.assetId) ?? [];
    list.push(e);
    byAsset.set(e.assetId, list);
  }
  const lives: LifeRecord[] = [];
  for (const asset of assets) {
    if (asset.commissionedAt > opts.asOf) continue;
    const clock = assetClock(asset, ageAxis, opts.asOf);
    const own = (byAsset.get(asset.assetId) ?? []).slice().sort((a, b) => a.at - b.at);
    // The component's life started at startAt; `offset` is the meter reading then,
    // `entry` the component age at which the current interval entered observation.
    let startAt = asset.commissionedAt;
    let offset = clock(startAt);
    let entry = 0;
    for (const e of own) {
      const at = Math.max(e.at, startAt);
      const age = Math.max(entry, clock(at) - offset);
      const failed = e.kind === 'failure';
      lives.push({ assetId: asset.assetId, serialNumber: asset.serialNumber, startAt, endAt: at, startHours: entry, hours: age, failed, endedBy: e.kind, workOrderId: e.workOrderId });
      if (failed && opts.restoration === 'minimal_repair') {
        entry = age;
        startAt = at;
      } else {
        startAt = at;
        offset = clock(at);
        entry = 0;
      }
    }
    const age = Math.max(entry, clock(opts.asOf) - offset);
    lives.push({ assetId: asset.assetId, serialNumber: asset.serialNumber, startAt, endAt: opts.asOf, startHours: entry, hours: age, failed: false, endedBy: 'running' });
  }
  return { ageAxis, lives };
}

/**
 * Operating hours per calendar hour over the last `windowDays` whole days before `asOf`
 * (0..1): how fast the asset is ageing now, for the projected calendar date.
 * Calendar ageing is 1 by definition.
 */
export function recentUtilisation(days: readonly OperatingDay[], asOf: number, windowDays = 30): number {
  // Whole days that ended by asOf, the last `windowDays` of them.
  const lastFull = Math.floor(asOf / DAY_MS) * DAY_MS - DAY_MS;
  const from = dayOf(lastFull - (windowDays - 1) * DAY_MS);
  const to = dayOf(lastFull);
  let hours = 0;
  for (const d of days) if (d.day >= from && d.day <= to) hours += d.hours;
  return Math.min(1, Math.max(0, hours / (windowDays * 24)));
}
