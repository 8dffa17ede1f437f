import type { StoredInvoiceLine } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import { PostgresAdapter, type Kysely, type Transaction } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database } from '../schema.js';

/** What the parts of the billing repository share: row mapping, chunking, their transaction. */

export function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export const isPostgres = (db: Kysely<Database>): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

export function lineFromRow(r: Record<string, unknown>): StoredInvoiceLine {
  return {
    lineNo: Number(r.line_no),
    kind: r.kind as StoredInvoiceLine['kind'],
    description: String(r.description),
    assetId: (r.asset_id as string | null) ?? null,
    workOrderId: (r.work_order_id as string | null) ?? null,
    fromDay: (r.from_day as string | null) ?? null,
    toDay: (r.to_day as string | null) ?? null,
    quantity: Number(r.quantity),
    unitPriceMinor: Number(r.unit_price_minor),
    amountMinor: Number(r.amount_minor),
    taxRateBasisPoints: Number(r.tax_rate_bp),
    taxMinor: Number(r.tax_minor),
    adjustsPeriod: (r.adjusts_period as string | null | undefined) ?? null,
    adjustsKind: (r.adjusts_kind as StoredInvoiceLine['adjustsKind'] | undefined) ?? null,
  };
}

function isImmutableError(err: unknown): boolean {
  return /HM_IMMUTABLE/.test((err as { message?: string })?.message ?? '');
}

/** Runs `fn` in one transaction; a write to an issued document (the HM_IMMUTABLE trigger) is ILLEGAL_TRANSITION. */
export function billingWriter(db: Kysely<Database>) {
  return async function write<R>(fn: (tx: Transaction<Database>) => Promise<R>, what = 'invoice'): Promise<R> {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      if (isImmutableError(err)) throw new AppError('ILLEGAL_TRANSITION', `an issued ${what} is immutable; correct it with a credit note`);
      throw translateDbError(err, what);
    }
  };
}
