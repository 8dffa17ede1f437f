import type { Kysely, Selectable } from 'kysely';
import type { Database, DeviceConnectionsTable } from '../schema.js';

/** A device's last known connection, as the broker node that held it recorded it. */
export interface StoredDeviceConnection {
  deviceId: string;
  online: boolean;
  lastSeenAt: number;
  clientAddress: string | undefined;
  transport: 'tcp' | 'ws';
  connectedSince: number | undefined;
  disconnectedAt: number | undefined;
  brokerNode: string;
}

/** One change a broker node records, in the order it happened. */
export type ConnectionRecord =
  | { kind: 'connected'; deviceId: string; at: number; clientAddress: string | undefined; transport: 'tcp' | 'ws' }
  | { kind: 'disconnected'; deviceId: string; at: number; connectedSince: number | undefined }
  | { kind: 'seen'; deviceId: string; at: number };

const fromRow = (r: Selectable<DeviceConnectionsTable>): StoredDeviceConnection => ({
  deviceId: r.device_id,
  online: Number(r.online) === 1,
  lastSeenAt: Number(r.last_seen_at),
  clientAddress: r.client_address ?? undefined,
  transport: r.transport === 'ws' ? 'ws' : 'tcp',
  connectedSince: r.connected_since === null ? undefined : Number(r.connected_since),
  disconnectedAt: r.disconnected_at === null ? undefined : Number(r.disconnected_at),
  brokerNode: r.broker_node,
});

/**
 * Device connection state shared by every process. Each broker node writes
 * the changes of its own connections; a disconnect or a node's restart only
 * touches rows that node still owns, so a device that moved to another node
 * meanwhile stays online there.
 */
export function deviceConnectionRepository(db: Kysely<Database>) {
  return {
    /** Writes one node's changes in one transaction, in order. Devices deleted meanwhile are skipped. */
    async record(node: string, changes: readonly ConnectionRecord[]): Promise<void> {
      if (changes.length === 0) return;
      await db.transaction().execute(async (tx) => {
        for (const c of changes) {
          if (c.kind === 'connected') {
            const exists = await tx.selectFrom('devices').select('id').where('id', '=', c.deviceId).executeTakeFirst();
            if (!exists) continue;
            const row = {
              online: 1,
              last_seen_at: c.at,
              client_address: c.clientAddress ?? null,
              transport: c.transport,
              connected_since: c.at,
              disconnected_at: null,
              broker_node: node,
            };
            // A connect recorded late (a node's retried batch) must not replace a newer one from another node.
            await tx
              .insertInto('device_connections')
              .values({ device_id: c.deviceId, ...row })
              .onConflict((oc) =>
                oc
                  .column('device_id')
                  .doUpdateSet(row)
                  .where('device_connections.last_seen_at', '<=', c.at),
              )
              .execute();
          } else if (c.kind === 'disconnected') {
            let q = tx
              .updateTable('device_connections')
              .set({ online: 0, disconnected_at: c.at, connected_since: null })
              .where('device_id', '=', c.deviceId)
              .where('broker_node', '=', node);
            if (c.connectedSince !== undefined) q = q.where('connected_since', '=', c.connectedSince);
            await q.execute();
          } else {
            await tx
              .updateTable('device_connections')
              .set({ last_seen_at: c.at })
              .where('device_id', '=', c.deviceId)
              .where('last_seen_at', '<', c.at)
              .execute();
          }
        }
      });
    },

    /**
     * A broker node (re)starting holds no connections: what it recorded as
     * online ended with its last run (a crash never wrote the disconnects).
     */
    async nodeStarted(node: string, at: number): Promise<number> {
      const r = await db
        .updateTable('device_connections')
        .set({ online: 0, disconnected_at: at, connected_since: null })
        .where('broker_node', '=', node)
        .where('online', '=', 1)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    async get(deviceId: string): Promise<StoredDeviceConnection | undefined> {
      const row = await db.selectFrom('device_connections').selectAll().where('device_id', '=', deviceId).executeTakeFirst();
      return row && fromRow(row);
    },
  };
}

export type DeviceConnectionRepository = ReturnType<typeof deviceConnectionRepository>;
