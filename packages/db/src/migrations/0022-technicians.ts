import type { Kysely } from 'kysely';

/**
 * Field service (issue 18): technicians with their certifications per asset
 * model, absences, and a van that is a stocking location (a `van` warehouse,
 * so parts move to and from it through the one stock ledger). Work orders get
 * the assigned technician's id beside the old free-text `technician`, which
 * stays readable for orders scheduled before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('technicians')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('home_lat', 'double precision', (c) => c.notNull())
    .addColumn('home_lon', 'double precision', (c) => c.notNull())
    .addColumn('service_region', 'text', (c) => c.notNull())
    .addColumn('van_warehouse_id', 'text', (c) => c.notNull().references('warehouses.id').onDelete('restrict'))
    // JSON WeeklyCalendar: working intervals per weekday in UTC minutes.
    .addColumn('calendar', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('technicians_region').on('technicians').column('service_region').execute();

  await db.schema
    .createTable('technician_certifications')
    .addColumn('technician_id', 'text', (c) => c.notNull().references('technicians.id').onDelete('cascade'))
    .addColumn('asset_model_id', 'text', (c) => c.notNull().references('asset_models.id').onDelete('restrict'))
    .addColumn('certification', 'text', (c) => c.notNull())
    // ISO date, inclusive; null: does not expire.
    .addColumn('valid_until', 'text')
    .addPrimaryKeyConstraint('technician_certifications_pk', ['technician_id', 'asset_model_id'])
    .execute();

  await db.schema
    .createTable('technician_absences')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('technician_id', 'text', (c) => c.notNull().references('technicians.id').onDelete('cascade'))
    .addColumn('from_ms', 'bigint', (c) => c.notNull())
    .addColumn('to_ms', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('technician_absences_tech').on('technician_absences').columns(['technician_id', 'from_ms']).execute();

  await db.schema.alterTable('work_orders').addColumn('technician_id', 'text', (c) => c.references('technicians.id').onDelete('restrict')).execute();
  await db.schema.createIndex('work_orders_technician').on('work_orders').columns(['technician_id', 'window_from']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('work_orders_technician').execute();
  await db.schema.alterTable('work_orders').dropColumn('technician_id').execute();
  await db.schema.dropTable('technician_absences').execute();
  await db.schema.dropTable('technician_certifications').execute();
  await db.schema.dropTable('technicians').execute();
}
