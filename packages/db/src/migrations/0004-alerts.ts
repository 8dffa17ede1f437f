import { sql, type Kysely } from 'kysely';

/**
 * Prediction: alerts with their lifecycle history, and every RUL estimate
 * received (the RUL history per asset). At most one active alert per asset and
 * failure mode is enforced by a partial unique index, so two detections racing
 * each other cannot raise two alerts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id').onDelete('restrict'))
    .addColumn('failure_mode', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('model_version', 'text', (c) => c.notNull())
    .addColumn('work_order_id', 'text')
    .addColumn('raised_at', 'bigint', (c) => c.notNull())
    .addColumn('last_detected_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('alerts_one_active')
    .on('alerts')
    .columns(['asset_id', 'failure_mode'])
    .unique()
    .where(sql<boolean>`state in ('open', 'acknowledged', 'confirmed')`)
    .execute();
  await db.schema.createIndex('alerts_asset_mode').on('alerts').columns(['asset_id', 'failure_mode', 'closed_at']).execute();
  await db.schema.createIndex('alerts_work_order').on('alerts').column('work_order_id').execute();

  await db.schema
    .createTable('alert_transitions')
    .addColumn('alert_id', 'text', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('alert_transitions_pk', ['alert_id', 'seq'])
    .execute();
  await db.schema.createIndex('alert_transitions_to').on('alert_transitions').columns(['to_state', 'alert_id']).execute();

  await db.schema
    .createTable('rul_estimates')
    .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id').onDelete('restrict'))
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('model_version', 'text', (c) => c.notNull())
    .addColumn('hours', 'double precision', (c) => c.notNull())
    .addColumn('lower_hours', 'double precision', (c) => c.notNull())
    .addColumn('upper_hours', 'double precision', (c) => c.notNull())
    .addColumn('failure_mode', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rul_estimates_pk', ['asset_id', 'ts', 'model_version'])
    .execute();
}
