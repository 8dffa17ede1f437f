import type { CreateTableBuilder, Kysely } from 'kysely';

function totalsColumns(table: CreateTableBuilder<string, string>): CreateTableBuilder<string, string> {
  return table
    .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id').onDelete('restrict'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('operating_ms', 'bigint', (c) => c.notNull())
    .addColumn('samples', 'integer', (c) => c.notNull())
    .addColumn('gap_ms', 'bigint', (c) => c.notNull())
    .addColumn('counter_resets', 'integer', (c) => c.notNull())
    .addColumn('first_sample_ts', 'bigint')
    .addColumn('last_sample_ts', 'bigint')
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('computed_at', 'bigint', (c) => c.notNull());
}

/**
 * The hour meter: the current total per asset and UTC day, and every version
 * it ever had (what it was computed from, when), because contracts bill it and
 * a customer may ask why a day changed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await totalsColumns(db.schema.createTable('operating_hours_daily'))
    .addPrimaryKeyConstraint('operating_hours_daily_pk', ['asset_id', 'day'])
    .execute();
  await totalsColumns(db.schema.createTable('operating_hours_versions'))
    .addPrimaryKeyConstraint('operating_hours_versions_pk', ['asset_id', 'day', 'version'])
    .execute();
}
