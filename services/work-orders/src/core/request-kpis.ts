import type { CustomerClass, RequestState, RequestType } from '@hourmeter/domain';
import { monthOf } from './reports.js';

/**
 * Service-request KPIs (issue 18, item 4): the complaint rate per 1,000
 * assets under service by customer class and month, and the share of
 * resolved requests that were resolved remotely, by region and month.
 * Months are UTC calendar months, `YYYY-MM`.
 */


/** The UTC months overlapping [from, to), oldest first, with their bounds. */
export function monthsBetween(from: number, to: number): { month: string; start: number; end: number }[] {
  const out = [];
  const d = new Date(from);
  let start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  while (start < to) {
    const s = new Date(start);
    const end = Date.UTC(s.getUTCFullYear(), s.getUTCMonth() + 1, 1);
    out.push({ month: monthOf(start), start, end });
    start = end;
  }
  return out;
}

export interface ComplaintRateRow {
  month: string;
  customerClass: CustomerClass;
  complaints: number;
  assetsUnderService: number;
  /** Complaints per 1,000 assets under service; null where none were under service. */
  perThousandAssets: number | null;
}

/**
 * Complaints received in each month by class, against the assets under
 * service in that month by class. A class-month appears where it has assets
 * or complaints.
 */
export function complaintRate(
  complaints: readonly { month: string; customerClass: CustomerClass }[],
  underService: readonly { month: string; customerClass: CustomerClass }[],
): ComplaintRateRow[] {
  const rows = new Map<string, ComplaintRateRow>();
  const row = (month: string, customerClass: CustomerClass) => {
    const key = `${month}|${customerClass}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { month, customerClass, complaints: 0, assetsUnderService: 0, perThousandAssets: null }));
    return r;
  };
  for (const c of complaints) row(c.month, c.customerClass).complaints++;
  for (const a of underService) row(a.month, a.customerClass).assetsUnderService++;
  for (const r of rows.values()) r.perThousandAssets = r.assetsUnderService > 0 ? Math.round((r.complaints * 1000 * 100) / r.assetsUnderService) / 100 : null;
  return [...rows.values()].sort((a, b) => a.month.localeCompare(b.month) || a.customerClass.localeCompare(b.customerClass));
}

export interface ResolutionFact {
  type: RequestType;
  state: RequestState;
  region: string | undefined;
  /** When it was resolved: triage for a remote resolution, its order's completion for a visit. */
  resolvedAt: number | undefined;
}

export interface RemoteShareRow {
  month: string;
  region: string;
  resolved: number;
  resolvedRemotely: number;
  /** resolvedRemotely / resolved; null when nothing was resolved. */
  share: number | null;
}

/** When a request was resolved: its remote resolution's triage, or the completion of the work order it became. */
export function resolvedAtOf(f: { state: RequestState; triagedAt: number | undefined; workOrderCompletedAt: number | undefined }): number | undefined {
  return f.state === 'resolved_remotely' ? f.triagedAt : f.state === 'work_order' ? f.workOrderCompletedAt : undefined;
}

/** Requests without a region count under `(none)`. */
export const NO_REGION = '(none)';

/**
 * Remote-resolution share by region and month: requests resolved remotely
 * over all resolved (remotely, or by a completed work order) in [from, to).
 * Rejected and still-open requests are not resolutions.
 */
export function remoteResolutionShare(facts: readonly ResolutionFact[], from: number, to: number): RemoteShareRow[] {
  const rows = new Map<string, RemoteShareRow>();
  for (const [key, counts] of resolutionCounts(facts, from, to, (f, at) => `${monthOf(at)}|${f.region ?? NO_REGION}`)) {
    const [month, region] = key.split('|') as [string, string];
    rows.set(key, { month, region, ...counts, share: counts.resolvedRemotely / counts.resolved });
  }
  return [...rows.values()].sort((a, b) => a.month.localeCompare(b.month) || a.region.localeCompare(b.region));
}

/**
 * Resolved and remotely resolved requests in [from, to) per key (a month and
 * region, a region, a model): the numerator and denominator of the
 * remote-resolution share. Rejected and still-open requests are not resolutions.
 */
export function resolutionCounts<F extends ResolutionFact>(
  facts: readonly F[],
  from: number,
  to: number,
  keyOf: (f: F, resolvedAt: number) => string,
): Map<string, { resolved: number; resolvedRemotely: number }> {
  const out = new Map<string, { resolved: number; resolvedRemotely: number }>();
  for (const f of facts) {
    if (f.resolvedAt === undefined || f.resolvedAt < from || f.resolvedAt >= to) continue;
    if (f.state !== 'resolved_remotely' && f.state !== 'work_order') continue;
    const key = keyOf(f, f.resolvedAt);
    const c = out.get(key) ?? { resolved: 0, resolvedRemotely: 0 };
    c.resolved++;
    if (f.state === 'resolved_remotely') c.resolvedRemotely++;
    out.set(key, c);
  }
  return out;
}
