import { sql, type CreateTableBuilder, type Kysely } from 'kysely';

function withTimestamps<T extends string>(table: CreateTableBuilder<T>): CreateTableBuilder<T> {
  return table
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull());
}

/**
 * Service operations: work orders with their audit trail and completions,
 * failure-code catalogues, preventive schedules, spare parts, warehouses, the
 * stock ledger, part requests and transfers.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await withTimestamps(
    db.schema
      .createTable('work_orders')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id').onDelete('restrict'))
      .addColumn('failure_mode', 'text')
      .addColumn('alert_id', 'text')
      .addColumn('description', 'text')
      .addColumn('reason', 'text')
      .addColumn('source', 'text')
      .addColumn('severity', 'text')
      .addColumn('rul_hours', 'double precision')
      .addColumn('suggested_part_numbers', 'text')
      .addColumn('schedule_id', 'text')
      .addColumn('technician', 'text')
      .addColumn('window_from', 'bigint')
      .addColumn('window_to', 'bigint')
      .addColumn('sla_due_at', 'bigint')
      .addColumn('repeat_of_id', 'text', (c) => c.references('work_orders.id').onDelete('restrict'))
      .addColumn('completed_at', 'bigint')
      .addColumn('cancelled_at', 'bigint'),
  ).execute();
  await db.schema.createIndex('work_orders_asset_mode').on('work_orders').columns(['asset_id', 'failure_mode']).execute();
  await db.schema.createIndex('work_orders_state').on('work_orders').column('state').execute();
  // docs/domain.md, "Work orders": one open preventive order per asset and failure mode. The partial
  // unique index makes the rule hold under concurrency on both engines; the
  // repository turns the violation into "update the existing order".
  await sql`CREATE UNIQUE INDEX work_orders_one_open_preventive ON work_orders (asset_id, failure_mode)
    WHERE kind = 'preventive' AND state IN ('open', 'scheduled', 'in_progress')`.execute(db);

  await db.schema
    .createTable('work_order_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('work_order_id', 'text', (c) => c.notNull().references('work_orders.id').onDelete('cascade'))
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('note', 'text')
    .execute();
  await db.schema.createIndex('work_order_events_wo').on('work_order_events').column('work_order_id').execute();

  await db.schema
    .createTable('work_order_completions')
    .addColumn('work_order_id', 'text', (c) => c.primaryKey().references('work_orders.id').onDelete('restrict'))
    .addColumn('failure_at', 'bigint', (c) => c.notNull())
    .addColumn('symptom_code', 'text', (c) => c.notNull())
    .addColumn('cause_code', 'text', (c) => c.notNull())
    .addColumn('remedy_code', 'text', (c) => c.notNull())
    .addColumn('responsible_department', 'text', (c) => c.notNull())
    .addColumn('labour_hours', 'double precision', (c) => c.notNull())
    .addColumn('travel_hours', 'double precision', (c) => c.notNull())
    .addColumn('downtime_from', 'bigint', (c) => c.notNull())
    .addColumn('downtime_to', 'bigint', (c) => c.notNull())
    .addColumn('fixed_on_first_visit', 'integer', (c) => c.notNull())
    .addColumn('in_warranty', 'integer', (c) => c.notNull())
    .addColumn('charged_to', 'text', (c) => c.notNull())
    .addColumn('contract_id', 'text')
    .addColumn('production_batch_id', 'text', (c) => c.references('production_batches.id').onDelete('restrict'))
    .addColumn('parts_cost_minor', 'bigint', (c) => c.notNull())
    .addColumn('labour_cost_minor', 'bigint', (c) => c.notNull())
    .addColumn('travel_cost_minor', 'bigint', (c) => c.notNull())
    .addColumn('total_cost_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('completed_by', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('work_order_completions_batch').on('work_order_completions').column('production_batch_id').execute();

  await db.schema
    .createTable('work_order_parts_consumed')
    .addColumn('work_order_id', 'text', (c) => c.notNull().references('work_orders.id').onDelete('restrict'))
    .addColumn('part_id', 'text', (c) => c.notNull())
    .addColumn('part_number', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('unit_cost_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('work_order_parts_consumed_pk', ['work_order_id', 'part_id'])
    .execute();

  await db.schema
    .createTable('failure_codes')
    .addColumn('asset_model_id', 'text', (c) => c.notNull().references('asset_models.id').onDelete('restrict'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('failure_codes_pk', ['asset_model_id', 'kind', 'code'])
    .execute();

  await withTimestamps(
    db.schema
      .createTable('maintenance_schedules')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id').onDelete('restrict'))
      .addColumn('failure_mode', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('interval_days', 'integer')
      .addColumn('interval_hours', 'double precision')
      .addColumn('last_done_at', 'bigint', (c) => c.notNull())
      .addColumn('last_done_hours', 'double precision', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull()),
  ).execute();

  await withTimestamps(
    db.schema
      .createTable('parts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('part_number', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('unit_cost_minor', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('superseded_by', 'text'),
  ).execute();

  await db.schema
    .createTable('part_fits')
    .addColumn('part_id', 'text', (c) => c.notNull().references('parts.id').onDelete('cascade'))
    .addColumn('asset_model_id', 'text', (c) => c.notNull().references('asset_models.id').onDelete('restrict'))
    .addPrimaryKeyConstraint('part_fits_pk', ['part_id', 'asset_model_id'])
    .execute();
  await db.schema.createIndex('part_fits_model').on('part_fits').column('asset_model_id').execute();

  await withTimestamps(
    db.schema
      .createTable('warehouses')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('code', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('parent_id', 'text', (c) => c.references('warehouses.id').onDelete('restrict'))
      .addColumn('lat', 'double precision', (c) => c.notNull())
      .addColumn('lon', 'double precision', (c) => c.notNull()),
  ).execute();

  // Current stock per location, kept in step with the ledger in the same
  // transaction. The CHECKs are the last line of defence: a conditional UPDATE
  // does the reservation, and no path can take stock below zero.
  await db.schema
    .createTable('stock_levels')
    .addColumn('warehouse_id', 'text', (c) => c.notNull().references('warehouses.id').onDelete('restrict'))
    .addColumn('part_id', 'text', (c) => c.notNull().references('parts.id').onDelete('restrict'))
    .addColumn('on_hand', 'integer', (c) => c.notNull().check(sql`on_hand >= 0`))
    .addColumn('reserved', 'integer', (c) => c.notNull().check(sql`reserved >= 0`))
    .addColumn('reorder_point', 'integer', (c) => c.notNull())
    .addColumn('reorder_quantity', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('stock_levels_pk', ['warehouse_id', 'part_id'])
    .addCheckConstraint('stock_levels_reserved_le_on_hand', sql`reserved <= on_hand`)
    .execute();

  await db.schema
    .createTable('stock_movements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('warehouse_id', 'text', (c) => c.notNull().references('warehouses.id').onDelete('restrict'))
    .addColumn('part_id', 'text', (c) => c.notNull().references('parts.id').onDelete('restrict'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('work_order_id', 'text')
    .addColumn('transfer_id', 'text')
    .addColumn('note', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('stock_movements_loc_part').on('stock_movements').columns(['warehouse_id', 'part_id']).execute();

  await db.schema
    .createTable('part_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('work_order_id', 'text', (c) => c.notNull().references('work_orders.id').onDelete('restrict'))
    .addColumn('part_id', 'text', (c) => c.notNull().references('parts.id').onDelete('restrict'))
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('warehouse_id', 'text', (c) => c.references('warehouses.id').onDelete('restrict'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('served_from_stock', 'integer', (c) => c.notNull())
    // direct | transfer | backorder: how the request was first sourced (fill and stock-out rates).
    .addColumn('sourcing', 'text', (c) => c.notNull())
    .addColumn('transfer_id', 'text')
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('part_requests_wo').on('part_requests').column('work_order_id').execute();

  await withTimestamps(
    db.schema
      .createTable('stock_transfers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('part_id', 'text', (c) => c.notNull().references('parts.id').onDelete('restrict'))
      .addColumn('quantity', 'integer', (c) => c.notNull())
      .addColumn('from_warehouse_id', 'text', (c) => c.references('warehouses.id').onDelete('restrict'))
      .addColumn('to_warehouse_id', 'text', (c) => c.notNull().references('warehouses.id').onDelete('restrict'))
      .addColumn('part_request_id', 'text')
      .addColumn('state', 'text', (c) => c.notNull()),
  ).execute();
}
