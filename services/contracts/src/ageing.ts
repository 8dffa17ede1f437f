import type { Receivable } from '@hourmeter/db';
import { AGEING_BUCKETS, ageingBucket, type AgeingBucket } from '@hourmeter/domain';
import { csvField } from './render.js';

type Buckets = Record<AgeingBucket, number>;
const empty = (): Buckets => Object.fromEntries(AGEING_BUCKETS.map((b) => [b, 0])) as Buckets;

export interface AgeingRow {
  customerId: string;
  customerName: string;
  currency: string;
  /** Open amounts in minor units by days past due. */
  buckets: Buckets;
  totalMinor: number;
}

export interface AgeingReport {
  asOf: string;
  buckets: readonly AgeingBucket[];
  rows: AgeingRow[];
  /** Per currency: money of different currencies is never added up. */
  totals: { currency: string; buckets: Buckets; totalMinor: number }[];
  invoices: (Receivable & { bucket: AgeingBucket; daysOverdue: number })[];
}

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/**
 * Receivables ageing: every open amount of an issued invoice in one bucket by
 * days past its due date (current = not yet due, 1-30, 31-60, 61-90, 90+), per
 * customer and currency; the buckets of a row add up to its open total.
 */
export function ageReceivables(open: readonly Receivable[], asOf: string): AgeingReport {
  const rows = new Map<string, AgeingRow>();
  const totals = new Map<string, { currency: string; buckets: Buckets; totalMinor: number }>();
  const invoices = open.map((r) => ({ ...r, bucket: ageingBucket(r.dueDate, asOf), daysOverdue: Math.max(daysBetween(r.dueDate, asOf), 0) }));
  for (const r of invoices) {
    const key = `${r.customerId}|${r.currency}`;
    const row = rows.get(key) ?? { customerId: r.customerId, customerName: r.customerName, currency: r.currency, buckets: empty(), totalMinor: 0 };
    row.buckets[r.bucket] += r.openMinor;
    row.totalMinor += r.openMinor;
    rows.set(key, row);
    const t = totals.get(r.currency) ?? { currency: r.currency, buckets: empty(), totalMinor: 0 };
    t.buckets[r.bucket] += r.openMinor;
    t.totalMinor += r.openMinor;
    totals.set(r.currency, t);
  }
  return {
    asOf,
    buckets: AGEING_BUCKETS,
    rows: [...rows.values()].sort((a, b) => a.customerName.localeCompare(b.customerName) || a.currency.localeCompare(b.currency)),
    totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    invoices,
  };
}

/** One line per customer and currency, amounts in minor units (RFC 4180, CRLF). */
export function ageingCsv(report: AgeingReport): string {
  const header = ['as_of', 'customer', 'currency', ...AGEING_BUCKETS.map((b) => `${b}_minor`), 'total_minor'];
  const lines = report.rows.map((r) =>
    [csvField(report.asOf), csvField(r.customerName, true), csvField(r.currency), ...AGEING_BUCKETS.map((b) => csvField(r.buckets[b])), csvField(r.totalMinor)].join(','),
  );
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}
