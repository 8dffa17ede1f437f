import type { Kysely } from 'kysely';

/**
 * RUL estimate history keeps the probability of failing within the lead time
 * next to the hours (issue #15 item 7): the asset page charts both, per model
 * version. Null for estimates that carry none (condition models) and for
 * rows written before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('rul_estimates').addColumn('failure_probability', 'double precision').execute();
}
