import type { Kysely } from 'kysely';

/**
 * Stock and KPI rules of issue 16:
 * - part_returns: parts that come back from a work order (unused units back to
 *   stock, or the replaced defective ones), so consumed, issued and returned
 *   quantities can be reconciled;
 * - asset_models.repeat_window_days: the repeat-failure window per product line
 *   (null: the service default);
 * - work_order_completions.repeated_by_id: the repeat order that made a
 *   completion no first-time fix, set when the repeat is recorded;
 * - quality_reserve_events: each threshold of a batch's quality reserve
 *   (80 %, 100 %) and the release of its remainder as production's quality
 *   bonus, once per batch (the primary key makes them idempotent).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('part_returns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('work_order_id', 'text', (c) => c.notNull().references('work_orders.id').onDelete('restrict'))
    .addColumn('part_id', 'text', (c) => c.notNull().references('parts.id').onDelete('restrict'))
    .addColumn('quantity', 'integer', (c) => c.notNull())
    // unused: back on the shelf at warehouse_id; defective: the replaced unit, received at warehouse_id.
    .addColumn('condition', 'text', (c) => c.notNull())
    .addColumn('warehouse_id', 'text', (c) => c.notNull().references('warehouses.id').onDelete('restrict'))
    .addColumn('serial_numbers', 'text')
    .addColumn('returned_by', 'text', (c) => c.notNull())
    .addColumn('returned_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('part_returns_wo').on('part_returns').column('work_order_id').execute();

  await db.schema.alterTable('asset_models').addColumn('repeat_window_days', 'integer').execute();
  await db.schema.alterTable('work_order_completions').addColumn('repeated_by_id', 'text').execute();

  await db.schema
    .createTable('quality_reserve_events')
    .addColumn('production_batch_id', 'text', (c) => c.notNull().references('production_batches.id').onDelete('cascade'))
    // warning (80 %), exhausted (100 %), bonus_released (end of the batch's warranty).
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('reserve_minor', 'bigint', (c) => c.notNull())
    .addColumn('consumed_minor', 'bigint', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('quality_reserve_events_pk', ['production_batch_id', 'kind'])
    .execute();
}
