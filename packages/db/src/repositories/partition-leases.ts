import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/**
 * The lease table of the split roles' partition coordinator (it satisfies
 * `PartitionLeaseStore` of @hourmeter/partitions). Every write is one
 * statement whose WHERE clause decides, so two members racing for a
 * partition cannot both win: PostgreSQL locks the conflicting row, SQLite
 * runs one writer at a time.
 */
export function partitionLeaseRepository(db: Kysely<Database>) {
  return {
    async heartbeat(group: string, member: string, expiresAt: number): Promise<void> {
      await db
        .insertInto('partition_members')
        .values({ group_name: group, member, expires_at: expiresAt })
        .onConflict((oc) => oc.columns(['group_name', 'member']).doUpdateSet({ expires_at: expiresAt }))
        .execute();
    },

    async liveMembers(group: string, now: number): Promise<string[]> {
      const rows = await db
        .selectFrom('partition_members')
        .select('member')
        .where('group_name', '=', group)
        .where('expires_at', '>', now)
        .orderBy('member')
        .execute();
      return rows.map((r) => r.member);
    },

    async acquire(group: string, partition: number, owner: string, expiresAt: number, now: number): Promise<boolean> {
      await db
        .insertInto('partition_leases')
        .values({ group_name: group, partition, owner, expires_at: expiresAt })
        .onConflict((oc) =>
          oc
            .columns(['group_name', 'partition'])
            .doUpdateSet({ owner, expires_at: expiresAt })
            .where((eb) => eb.or([eb('partition_leases.owner', '=', owner), eb('partition_leases.expires_at', '<=', now)])),
        )
        .execute();
      const row = await db
        .selectFrom('partition_leases')
        .select(['owner', 'expires_at'])
        .where('group_name', '=', group)
        .where('partition', '=', partition)
        .executeTakeFirst();
      return row?.owner === owner && Number(row.expires_at) === expiresAt;
    },

    async renew(group: string, owner: string, expiresAt: number): Promise<number[]> {
      await db
        .updateTable('partition_leases')
        .set({ expires_at: expiresAt })
        .where('group_name', '=', group)
        .where('owner', '=', owner)
        .execute();
      const rows = await db
        .selectFrom('partition_leases')
        .select('partition')
        .where('group_name', '=', group)
        .where('owner', '=', owner)
        .execute();
      return rows.map((r) => Number(r.partition));
    },

    async release(group: string, owner: string, partitions?: readonly number[]): Promise<void> {
      if (partitions?.length === 0) return;
      let q = db.deleteFrom('partition_leases').where('group_name', '=', group).where('owner', '=', owner);
      if (partitions) q = q.where('partition', 'in', [...partitions]);
      await q.execute();
    },

    async leave(group: string, member: string): Promise<void> {
      await db.deleteFrom('partition_members').where('group_name', '=', group).where('member', '=', member).execute();
    },
  };
}

export type PartitionLeaseRepository = ReturnType<typeof partitionLeaseRepository>;
