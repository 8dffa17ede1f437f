import type { Kysely } from 'kysely';

/**
 * The last known connection state of each device, written by the broker node
 * that holds (or held) its connection, so the API of any process shows it and
 * it survives a restart. One row per device; deleting the device deletes it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('device_connections')
    .addColumn('device_id', 'text', (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
    .addColumn('online', 'integer', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('client_address', 'text')
    .addColumn('transport', 'text', (c) => c.notNull())
    .addColumn('connected_since', 'bigint')
    .addColumn('disconnected_at', 'bigint')
    .addColumn('broker_node', 'text', (c) => c.notNull())
    .execute();
}
