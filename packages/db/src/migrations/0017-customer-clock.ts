import type { Kysely } from 'kysely';

/**
 * Periods follow the customer's clock (issue #16, rule 12): customers get a
 * time zone (the fallback of a site left at UTC), and the hour meter's daily
 * totals keep their 96 quarter hours (JSON), so a day on any clock is summed
 * from the stored UTC figures. Days recorded before have none (null): they
 * are spread evenly until recomputed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('customers').addColumn('time_zone', 'text', (c) => c.notNull().defaultTo('UTC')).execute();
  await db.schema.alterTable('operating_hours_daily').addColumn('quarter_ms', 'text').execute();
  await db.schema.alterTable('operating_hours_versions').addColumn('quarter_ms', 'text').execute();
}
