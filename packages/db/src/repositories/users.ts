import { isCustomerRole, newId, type Role, type User, type UserUpdate } from '@hourmeter/domain';
import { AppError, hashSecret, notFound } from '@hourmeter/runtime';
import type { Kysely, Selectable } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database, UsersTable } from '../schema.js';
import { assertCustomerExists } from './customer-exists.js';

function fromRow(r: Selectable<UsersTable>): User {
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    role: r.role as Role,
    customerId: r.customer_id,
    createdAt: Number(r.created_at),
    disabledAt: n(r.disabled_at),
    lockedUntil: n(r.locked_until),
    lastSignInAt: n(r.last_sign_in_at),
  };
}

export interface NewUser {
  name: string;
  email: string;
  role: Role;
  passwordHash: string;
  /** Required for the customer roles (UserInput checks it), absent for staff. */
  customerId?: string | undefined;
}

/** When repeated failures lock an account, and for how long. */
export interface LockoutPolicy {
  maxFailures: number;
  lockMs: number;
}

export interface SessionRecord {
  user: User;
  csrfToken: string;
  expiresAt: number;
}

export function userRepository(db: Kysely<Database>) {
  async function row(id: string): Promise<Selectable<UsersTable>> {
    const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('user', id);
    return r;
  }

  async function endSessions(userId: string): Promise<void> {
    await db.deleteFrom('user_sessions').where('user_id', '=', userId).execute();
  }

  return {
    async create(input: NewUser, now = Date.now()): Promise<User> {
      await assertCustomerExists(db, input.customerId);
      const r = {
        id: newId('user', now),
        name: input.name,
        email: input.email,
        role: input.role,
        password_hash: input.passwordHash,
        failed_sign_ins: 0,
        locked_until: null,
        disabled_at: null,
        last_sign_in_at: null,
        created_at: now,
        updated_at: now,
        customer_id: input.customerId ?? null,
      };
      try {
        await db.insertInto('users').values(r).execute();
      } catch (err) {
        throw translateDbError(err, `a user with e-mail ${input.email}`);
      }
      return fromRow(r);
    },

    async get(id: string): Promise<User> {
      return fromRow(await row(id));
    },

    async list(): Promise<User[]> {
      return (await db.selectFrom('users').selectAll().orderBy('name').orderBy('id').execute()).map(fromRow);
    },

    /** The users of one customer (a customer admin's list). */
    async listOfCustomer(customerId: string): Promise<User[]> {
      return (await db.selectFrom('users').selectAll().where('customer_id', '=', customerId).orderBy('name').orderBy('id').execute()).map(fromRow);
    },

    /** A user of this customer; another customer's user, or staff, is not found (the portal never confirms it exists). */
    async getOfCustomer(id: string, customerId: string): Promise<User> {
      const r = await db.selectFrom('users').selectAll().where('id', '=', id).where('customer_id', '=', customerId).executeTakeFirst();
      if (!r) throw notFound('user', id);
      return fromRow(r);
    },

    /** The account and its password hash, for a sign-in attempt. */
    async findForSignIn(email: string): Promise<{ user: User; passwordHash: string } | undefined> {
      const r = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
      return r && { user: fromRow(r), passwordHash: r.password_hash };
    },

    /** Disabling ends the user's sessions at once; a role change too, so no session keeps the old role. */
    async update(id: string, patch: UserUpdate, now = Date.now()): Promise<User> {
      const current = await row(id);
      if (patch.role !== undefined && isCustomerRole(patch.role) !== isCustomerRole(current.role as Role)) {
        // A staff account must not become a customer's (or back): its customer binding would be wrong either way.
        throw new AppError('VALIDATION_FAILED', `a ${current.role} user cannot become ${patch.role}: staff and customer accounts are separate; create a new user`);
      }
      const disabledAt = patch.disabled === undefined ? current.disabled_at : patch.disabled ? (current.disabled_at ?? now) : null;
      await db
        .updateTable('users')
        .set({ name: patch.name ?? current.name, role: patch.role ?? current.role, disabled_at: disabledAt, updated_at: now })
        .where('id', '=', id)
        .execute();
      if (disabledAt !== null || (patch.role !== undefined && patch.role !== current.role)) await endSessions(id);
      return fromRow(await row(id));
    },

    /** A new password (an admin's reset or a rehash): clears the lockout; `endSessions` signs the user out everywhere. */
    async setPasswordHash(id: string, passwordHash: string, opts: { endSessions: boolean }, now = Date.now()): Promise<User> {
      await row(id);
      await db.updateTable('users').set({ password_hash: passwordHash, failed_sign_ins: 0, locked_until: null, updated_at: now }).where('id', '=', id).execute();
      if (opts.endSessions) await endSessions(id);
      return fromRow(await row(id));
    },

    /**
     * Counts a failed sign-in atomically (two concurrent wrong guesses both
     * count); the one that reaches the limit locks the account and starts a
     * new count. Returns the lock's end, or null when not locked.
     */
    async recordFailedSignIn(id: string, policy: LockoutPolicy, now = Date.now()): Promise<number | null> {
      return db.transaction().execute(async (tx) => {
        const r = await tx
          .updateTable('users')
          .set((eb) => ({ failed_sign_ins: eb('failed_sign_ins', '+', 1) }))
          .where('id', '=', id)
          .returning('failed_sign_ins')
          .executeTakeFirstOrThrow();
        if (r.failed_sign_ins < policy.maxFailures) return null;
        const until = now + policy.lockMs;
        await tx.updateTable('users').set({ failed_sign_ins: 0, locked_until: until }).where('id', '=', id).execute();
        return until;
      });
    },

    async recordSignIn(id: string, now = Date.now()): Promise<void> {
      await db.updateTable('users').set({ failed_sign_ins: 0, locked_until: null, last_sign_in_at: now }).where('id', '=', id).execute();
    },

    sessions: {
      /** Stores a session under the hash of its cookie value. */
      async create(userId: string, token: string, csrfToken: string, expiresAt: number, now = Date.now()): Promise<void> {
        await db.insertInto('user_sessions').values({ token_hash: hashSecret(token), user_id: userId, csrf_token: csrfToken, created_at: now, expires_at: expiresAt }).execute();
      },

      /** The live session of a cookie value: undefined when unknown, expired, or its user is disabled. */
      async resolve(token: string, now = Date.now()): Promise<SessionRecord | undefined> {
        const r = await db
          .selectFrom('user_sessions as s')
          .innerJoin('users as u', 'u.id', 's.user_id')
          .selectAll('u')
          .select(['s.csrf_token', 's.expires_at'])
          .where('s.token_hash', '=', hashSecret(token))
          .executeTakeFirst();
        if (!r || Number(r.expires_at) <= now || r.disabled_at !== null) return undefined;
        return { user: fromRow(r), csrfToken: r.csrf_token, expiresAt: Number(r.expires_at) };
      },

      async end(token: string): Promise<void> {
        await db.deleteFrom('user_sessions').where('token_hash', '=', hashSecret(token)).execute();
      },

      /** Drops expired sessions; returns how many. */
      async purgeExpired(now = Date.now()): Promise<number> {
        const r = await db.deleteFrom('user_sessions').where('expires_at', '<=', now).executeTakeFirst();
        return Number(r.numDeletedRows);
      },
    },

    /**
     * On an empty user table, creates the first admin (from HM_ADMIN_EMAIL /
     * HM_ADMIN_PASSWORD or generated by the caller). Undefined when users exist.
     */
    async bootstrapAdmin(input: NewUser, now = Date.now()): Promise<User | undefined> {
      return db.transaction().execute(async (tx) => {
        if (await tx.selectFrom('users').select('id').limit(1).executeTakeFirst()) return undefined;
        return userRepository(tx).create(input, now);
      });
    },
  };
}

export type UserRepository = ReturnType<typeof userRepository>;
