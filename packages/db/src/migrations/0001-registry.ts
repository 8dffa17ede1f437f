import type { CreateTableBuilder, Kysely } from 'kysely';

function withTimestamps<T extends string>(table: CreateTableBuilder<T>): CreateTableBuilder<T> {
  return table
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull());
}

/** Asset registry and access: customers, sites, asset models, batches, assets, devices, API keys. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await withTimestamps(
    db.schema
      .createTable('customers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('external_ref', 'text')
      .addColumn('annual_revenue_minor', 'bigint', (c) => c.notNull())
      .addColumn('on_time_payment_rate', 'double precision', (c) => c.notNull())
      .addColumn('customer_since', 'text')
      .addColumn('annual_cost_to_serve_minor', 'bigint', (c) => c.notNull())
      .addColumn('size', 'text', (c) => c.notNull())
      .addColumn('influence', 'double precision', (c) => c.notNull()),
  ).execute();

  await withTimestamps(
    db.schema
      .createTable('sites')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id').onDelete('restrict'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('address', 'text')
      .addColumn('lat', 'double precision')
      .addColumn('lon', 'double precision')
      .addColumn('timezone', 'text', (c) => c.notNull()),
  ).execute();
  await db.schema.createIndex('sites_customer_id').on('sites').column('customer_id').execute();

  await withTimestamps(
    db.schema
      .createTable('asset_models')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('code', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('manufacturer', 'text')
      .addColumn('running_rule', 'text', (c) => c.notNull())
      .addColumn('max_gap_seconds', 'integer', (c) => c.notNull())
      .addColumn('warranty_months', 'integer', (c) => c.notNull())
      .addColumn('lead_time_hours', 'double precision', (c) => c.notNull()),
  ).execute();

  await withTimestamps(
    db.schema
      .createTable('production_batches')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('asset_model_id', 'text', (c) => c.notNull().references('asset_models.id').onDelete('restrict'))
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('produced_on', 'text', (c) => c.notNull())
      .addColumn('unit_count', 'integer', (c) => c.notNull())
      .addColumn('quality_reserve_minor', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addUniqueConstraint('production_batches_model_code', ['asset_model_id', 'code']),
  ).execute();

  await withTimestamps(
    db.schema
      .createTable('assets')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('serial_number', 'text', (c) => c.notNull())
      .addColumn('asset_model_id', 'text', (c) => c.notNull().references('asset_models.id').onDelete('restrict'))
      .addColumn('production_batch_id', 'text', (c) => c.references('production_batches.id').onDelete('restrict'))
      .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id').onDelete('restrict'))
      .addColumn('commissioned_on', 'text', (c) => c.notNull())
      .addColumn('warranty_ends_on', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      // A serial number identifies a unit within its product line.
      .addUniqueConstraint('assets_model_serial', ['asset_model_id', 'serial_number']),
  ).execute();
  await db.schema.createIndex('assets_site_id').on('assets').column('site_id').execute();
  await db.schema.createIndex('assets_batch_id').on('assets').column('production_batch_id').execute();

  await withTimestamps(
    db.schema
      .createTable('devices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id').onDelete('restrict'))
      .addColumn('name', 'text')
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint'),
  ).execute();
  await db.schema.createIndex('devices_asset_id').on('devices').column('asset_id').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .execute();
}
