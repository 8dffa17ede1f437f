import { sql, type Kysely } from 'kysely';

/**
 * RUL model registry: versioned models per asset model (product line), with
 * their training provenance, validation metrics and the serialised model.
 * Exactly one active version per asset model is enforced by a partial unique
 * index, so two concurrent activations cannot both win.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rul_models')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('asset_model_id', 'text', (c) => c.notNull().references('asset_models.id').onDelete('restrict'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('training_from', 'bigint')
    .addColumn('training_to', 'bigint')
    .addColumn('training_units', 'integer', (c) => c.notNull())
    .addColumn('training_rows', 'integer', (c) => c.notNull())
    .addColumn('training', 'text', (c) => c.notNull())
    .addColumn('feature_spec', 'text', (c) => c.notNull())
    .addColumn('rmse', 'double precision', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('band_coverage', 'double precision', (c) => c.notNull())
    .addColumn('metrics', 'text', (c) => c.notNull())
    .addColumn('hours_per_cycle', 'double precision', (c) => c.notNull())
    .addColumn('model_json', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('activated_at', 'bigint')
    .addUniqueConstraint('rul_models_model_version', ['asset_model_id', 'version'])
    .execute();
  await db.schema
    .createIndex('rul_models_one_active')
    .on('rul_models')
    .column('asset_model_id')
    .unique()
    .where(sql<boolean>`status = 'active'`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rul_models').execute();
}
