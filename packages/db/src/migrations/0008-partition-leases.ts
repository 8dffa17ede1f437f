import type { Kysely } from 'kysely';

/**
 * Partition leases of the split process roles (HM_ROLE=ingest|prediction):
 * which member consumes which partition until when, and which members are
 * alive. Rows expire by time; nothing else cleans them up.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('partition_leases')
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addColumn('partition', 'integer', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('partition_leases_pk', ['group_name', 'partition'])
    .execute();
  await db.schema
    .createTable('partition_members')
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addColumn('member', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('partition_members_pk', ['group_name', 'member'])
    .execute();
}
