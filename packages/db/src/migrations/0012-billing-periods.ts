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
}
