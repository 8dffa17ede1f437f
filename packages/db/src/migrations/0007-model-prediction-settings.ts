import { sql, type Kysely } from 'kysely';

/** Per asset model prediction settings (regime, failure-mode mapping, suggested parts) as JSON. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('asset_models')
    .addColumn('prediction', 'text', (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();
}
