import { DeviceInput, type Device, type DeviceCredentials } from '@hourmeter/domain';
import { AppError, hashSecret, newSecret } from '@hourmeter/runtime';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { crudRepository, type EntitySpec } from './crud.js';

type Row = Record<string, unknown>;

/** What the broker needs to authenticate a device. */
export interface DeviceAuthRecord {
  id: string;
  assetId: string;
  secretHash: string;
  status: Device['status'];
}

// The secret hash is written by create/rotate only; the generic update never touches it.
const deviceSpec: EntitySpec<Device, DeviceInput & { secretHash?: string }, { assetId: string; status: string }> = {
  table: 'devices',
  idKind: 'device',
  label: 'device',
  parseInput: (m) => ({ ...DeviceInput.parse(m), secretHash: (m as { secretHash?: string }).secretHash }),
  references: (d) => [{ table: 'assets', id: d.assetId, field: 'assetId', label: 'asset' }],
  toRow: (d) => ({
    asset_id: d.assetId,
    name: d.name ?? null,
    ...(d.secretHash ? { secret_hash: d.secretHash, status: 'active' } : {}),
  }),
  fromRow: (r: Row) => ({
    id: String(r.id),
    assetId: String(r.asset_id),
    name: r.name === null ? undefined : String(r.name),
    status: String(r.status) as Device['status'],
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }),
  filters: { assetId: 'asset_id', status: 'status' },
};

const authRecord = (row: { id: string; asset_id: string; secret_hash: string; status: string }): DeviceAuthRecord => ({
  id: row.id,
  assetId: row.asset_id,
  secretHash: row.secret_hash,
  status: row.status as Device['status'],
});

export function deviceRepository(db: Kysely<Database>) {
  const crud = crudRepository(db, deviceSpec);

  return {
    get: crud.get,
    find: crud.find,
    list: crud.list,
    remove: crud.remove,
    update: (id: string, patch: Partial<DeviceInput>) => crud.update(id, { name: patch.name }),

    /** Creates a device; the returned credentials are the only time the secret is seen. */
    async create(input: DeviceInput): Promise<{ device: Device; credentials: DeviceCredentials }> {
      const secret = newSecret();
      const device = await crud.create({ ...input, secretHash: hashSecret(secret) });
      return { device, credentials: { username: device.id, password: secret } };
    },

    /** Issues a new secret (the old one stops working at once) and reactivates nothing. */
    async rotateSecret(id: string, now = Date.now()): Promise<{ device: Device; credentials: DeviceCredentials }> {
      const device = await crud.get(id);
      if (device.status === 'revoked') {
        throw new AppError('ILLEGAL_TRANSITION', `device ${id} is revoked; create a new device instead`);
      }
      const secret = newSecret();
      await db
        .updateTable('devices')
        .set({ secret_hash: hashSecret(secret), updated_at: now })
        .where('id', '=', id)
        .execute();
      return { device: await crud.get(id), credentials: { username: id, password: secret } };
    },

    /** Revocation is permanent: a revoked device can never connect again. */
    async revoke(id: string, now = Date.now()): Promise<Device> {
      const device = await crud.get(id);
      if (device.status === 'revoked') return device;
      await db
        .updateTable('devices')
        .set({ status: 'revoked', revoked_at: now, updated_at: now })
        .where('id', '=', id)
        .execute();
      return crud.get(id);
    },

    async findForAuth(id: string): Promise<DeviceAuthRecord | undefined> {
      const row = await db
        .selectFrom('devices')
        .select(['id', 'asset_id', 'secret_hash', 'status'])
        .where('id', '=', id)
        .executeTakeFirst();
      return row && authRecord(row);
    },

    /** The auth records of those ids that exist (the caller keeps lists to a few hundred ids). */
    async findManyForAuth(ids: readonly string[]): Promise<DeviceAuthRecord[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom('devices')
        .select(['id', 'asset_id', 'secret_hash', 'status'])
        .where('id', 'in', ids)
        .execute();
      return rows.map(authRecord);
    },
  };
}

export type DeviceRepository = ReturnType<typeof deviceRepository>;
