import { newId, type ApiKey, type ApiKeyInput, type Role } from '@hourmeter/domain';
import { hashSecret, newSecret, notFound } from '@hourmeter/runtime';
import type { Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, Database } from '../schema.js';
import { assertCustomerExists } from './customer-exists.js';

/** Keys look like `hm_<secret>`; the first characters are kept as a prefix so people can tell keys apart. */
const KEY_PREFIX = 'hm_';
const SHOWN_PREFIX_LENGTH = 10;
/** Recording every use would turn each read request into a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

function fromRow(r: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: r.id,
    name: r.name,
    role: r.role as Role,
    prefix: r.prefix,
    createdAt: Number(r.created_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    customerId: r.customer_id,
  };
}

export interface AuthenticatedKey {
  id: string;
  role: Role;
  name: string;
  /** The customer a customer-role key is confined to; null for staff keys. */
  customerId: string | null;
}

export function apiKeyRepository(db: Kysely<Database>) {
  async function insert(input: ApiKeyInput, key: string, now: number): Promise<ApiKey> {
    await assertCustomerExists(db, input.customerId);
    const row = {
      id: newId('apiKey', now),
      name: input.name,
      role: input.role,
      prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
      key_hash: hashSecret(key),
      created_at: now,
      revoked_at: null,
      last_used_at: null,
      customer_id: input.customerId ?? null,
    };
    await db.insertInto('api_keys').values(row).execute();
    return fromRow(row);
  }

  return {
    /** Creates a key; the returned `key` is the only time the secret is seen. */
    async create(input: ApiKeyInput, now = Date.now()): Promise<{ apiKey: ApiKey; key: string }> {
      const key = KEY_PREFIX + newSecret();
      return { apiKey: await insert(input, key, now), key };
    },

    async list(): Promise<ApiKey[]> {
      const rows = await db.selectFrom('api_keys').selectAll().orderBy('id').execute();
      return rows.map(fromRow);
    },

    async revoke(id: string, now = Date.now()): Promise<ApiKey> {
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound('api key', id);
      if (row.revoked_at === null) {
        await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).execute();
        row.revoked_at = now;
      }
      return fromRow(row);
    },

    /** Resolves a presented key to its role, or undefined when unknown or revoked. */
    async authenticate(key: string, now = Date.now()): Promise<AuthenticatedKey | undefined> {
      const row = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', hashSecret(key)).executeTakeFirst();
      if (!row || row.revoked_at !== null) return undefined;
      if (row.last_used_at === null || now - Number(row.last_used_at) > LAST_USED_RESOLUTION_MS) {
        await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
      }
      return { id: row.id, role: row.role as Role, name: row.name, customerId: row.customer_id };
    },

    /**
     * On an empty key table, installs the bootstrap admin key: `configuredKey`
     * (HM_ADMIN_KEY) when given, else a generated one that the caller prints
     * once. Returns undefined when keys already exist.
     */
    async bootstrapAdmin(configuredKey: string | undefined, now = Date.now()): Promise<{ key: string; generated: boolean } | undefined> {
      return db.transaction().execute(async (tx) => {
        const any = await tx.selectFrom('api_keys').select('id').limit(1).executeTakeFirst();
        if (any) return undefined;
        const key = configuredKey ?? KEY_PREFIX + newSecret();
        await apiKeyRepository(tx).createWithKey({ name: 'bootstrap admin', role: 'admin' }, key, now);
        return { key, generated: configuredKey === undefined };
      });
    },

    createWithKey: insert,
  };
}

export type ApiKeyRepository = ReturnType<typeof apiKeyRepository>;
