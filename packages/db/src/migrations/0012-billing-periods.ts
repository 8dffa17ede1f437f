import type { Kysely } from 'kysely';

/**
 * Billing periods close before they are issued, and adjustments recompute a
 * period's whole charge:
 * - `invoices.issue_forced_reason/_by`: an admin who issued a draft before its
 *   period closed (end + grace) says why; the reason stays on the invoice.
 * - `invoice_lines.adjusts_period/_kind`: an adjustment line names the issued
 *   period it corrects and which part of that period's charge (usage of an
 *   asset, minimum true-up, availability credit), so the next recomputation
 *   knows what has been billed for that period so far.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('invoices').addColumn('issue_forced_reason', 'text').execute();
  await db.schema.alterTable('invoices').addColumn('issue_forced_by', 'text').execute();
  await db.schema.alterTable('invoice_lines').addColumn('adjusts_period', 'text').execute();
  await db.schema.alterTable('invoice_lines').addColumn('adjusts_kind', 'text').execute();
  await db.schema
    .createTable('asset_owners')
    .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id').onDelete('cascade'))
    .addColumn('from_day', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id').onDelete('restrict'))
    .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id').onDelete('restrict'))
    .addColumn('recorded_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('asset_owners_pk', ['asset_id', 'from_day'])
    .execute();
}
