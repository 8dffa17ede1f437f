import { sql, type Kysely } from 'kysely';

/**
 * Population reliability models (issue 15): versions per asset model and
 * failure mode, each with its fit, the lives it was fitted on (counts), the
 * cut-off of its data and its backtest figures. One active version per asset
 * model and failure mode (partial unique index, as for rul_models).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('reliability_models')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('asset_model_id', 'text', (c) => c.notNull().references('asset_models.id').onDelete('restrict'))
    .addColumn('failure_mode', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('age_axis', 'text', (c) => c.notNull())
    .addColumn('restoration', 'text', (c) => c.notNull())
    .addColumn('data_to', 'bigint', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('censored', 'integer', (c) => c.notNull())
    .addColumn('fit', 'text', (c) => c.notNull())
    .addColumn('backtest', 'text')
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('activated_at', 'bigint')
    .addUniqueConstraint('reliability_models_version', ['asset_model_id', 'failure_mode', 'version'])
    .execute();
  await db.schema
    .createIndex('reliability_models_one_active')
    .on('reliability_models')
    .columns(['asset_model_id', 'failure_mode'])
    .unique()
    .where(sql<boolean>`status = 'active'`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('reliability_models').execute();
}
