import { randomBytes } from 'node:crypto';
import type { Principal, User, UserInput, UserUpdate } from '@hourmeter/domain';
import type { ApiKeyRepository, LockoutPolicy, UserRepository } from '@hourmeter/db';
import type { KeyAuthenticator } from '@hourmeter/http';
import { AppError, hashPassword, passwordNeedsRehash, verifyPassword } from '@hourmeter/runtime';

export interface AccountOptions {
  /** How long a session lasts from sign-in (absolute; no sliding renewal). Default 12 h. */
  sessionTtlMs: number;
  /** Consecutive failures that lock an account, and for how long. Default 5, 15 min. */
  lockout: LockoutPolicy;
  /** Failed sign-ins one client address may make per window before it is throttled. Default 20 per 15 min. */
  addressThrottle: { maxFailures: number; windowMs: number };
}

export const DEFAULT_ACCOUNT_OPTIONS: AccountOptions = {
  sessionTtlMs: 12 * 3_600_000,
  lockout: { maxFailures: 5, lockMs: 15 * 60_000 },
  addressThrottle: { maxFailures: 20, windowMs: 15 * 60_000 },
};

export interface SignedIn {
  /** The cookie value; only its hash is stored. */
  token: string;
  csrfToken: string;
  expiresAt: number;
  user: User;
}

const principalOf = (u: User): Principal => ({ kind: 'user', id: u.id, role: u.role, name: u.name, ...(u.customerId ? { customerId: u.customerId } : {}) });

/**
 * Failures counted in memory per key within a window: the per-address
 * throttle, and the lockout of e-mail addresses that have no account (so a
 * guesser cannot tell existing accounts by which ones lock).
 */
class FailureWindow {
  private readonly seen = new Map<string, { count: number; since: number }>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}
  blockedUntil(key: string, now: number): number | null {
    const e = this.seen.get(key);
    if (!e || now - e.since >= this.windowMs) return null;
    return e.count >= this.max ? e.since + this.windowMs : null;
  }
  fail(key: string, now: number): void {
    const e = this.seen.get(key);
    if (!e || now - e.since >= this.windowMs) this.seen.set(key, { count: 1, since: now });
    else e.count++;
    // Bounded: a flood of distinct keys cannot grow the map without end.
    if (this.seen.size > 10_000) for (const [k, v] of this.seen) if (now - v.since >= this.windowMs) this.seen.delete(k);
  }
}

export function accountService(deps: { users: UserRepository; keys: ApiKeyRepository; clock?: () => number; options?: Partial<AccountOptions> }) {
  const { users } = deps;
  const now = deps.clock ?? Date.now;
  const opts = { ...DEFAULT_ACCOUNT_OPTIONS, ...deps.options };
  const byAddress = new FailureWindow(opts.addressThrottle.maxFailures, opts.addressThrottle.windowMs);
  const unknownEmails = new FailureWindow(opts.lockout.maxFailures, opts.lockout.lockMs);
  // Verifying against this when no account matches keeps a miss as slow as a wrong password.
  const decoyHash = hashPassword(randomBytes(16).toString('hex'));

  const locked = (until: number) =>
    new AppError('ACCOUNT_LOCKED', `too many failed sign-ins; try again after ${new Date(until).toISOString()} or ask an admin to reset the password`, {
      retryAt: until,
    });
  const wrong = () => new AppError('UNAUTHENTICATED', 'wrong e-mail or password');

  return {
    users,

    /** Checks e-mail and password and opens a session; failures count towards lockout and throttling. */
    async signIn(email: string, password: string, address: string): Promise<SignedIn> {
      const at = now();
      const throttled = byAddress.blockedUntil(address, at);
      if (throttled !== null) {
        throw new AppError('RATE_LIMITED', `too many failed sign-ins from this address; try again after ${new Date(throttled).toISOString()}`, { retryAt: throttled });
      }
      const account = await users.findForSignIn(email);
      const lockedUntil = account ? account.user.lockedUntil : unknownEmails.blockedUntil(email, at);
      if (lockedUntil !== null && lockedUntil > at) throw locked(lockedUntil);
      const ok = await verifyPassword(password, account?.passwordHash ?? (await decoyHash));
      if (!account || !ok || account.user.disabledAt !== null) {
        byAddress.fail(address, at);
        if (!account) unknownEmails.fail(email, at);
        else if (!ok) {
          const until = await users.recordFailedSignIn(account.user.id, opts.lockout, at);
          if (until !== null) throw locked(until);
        }
        throw wrong();
      }
      await users.recordSignIn(account.user.id, at);
      if (passwordNeedsRehash(account.passwordHash)) await users.setPasswordHash(account.user.id, await hashPassword(password), { endSessions: false }, at);
      const token = 'hms_' + randomBytes(32).toString('base64url');
      const csrfToken = randomBytes(32).toString('base64url');
      const expiresAt = at + opts.sessionTtlMs;
      // Sign-ins are rare next to requests: a good moment to keep the session table bounded.
      await users.sessions.purgeExpired(at);
      await users.sessions.create(account.user.id, token, csrfToken, expiresAt, at);
      return { token, csrfToken, expiresAt, user: await users.get(account.user.id) };
    },

    signOut: (token: string) => users.sessions.end(token),

    async createUser(input: UserInput): Promise<User> {
      const { password, ...rest } = input;
      return users.create({ ...rest, passwordHash: await hashPassword(password) }, now());
    },

    updateUser: (id: string, patch: UserUpdate) => users.update(id, patch, now()),

    /** An admin's reset: the new password works at once, the lockout is lifted and every session of the user ends. */
    async resetPassword(id: string, password: string): Promise<User> {
      return users.setPasswordHash(id, await hashPassword(password), { endSessions: true }, now());
    },

    /** What requireApiKey resolves credentials with: API keys as before, and session cookies. */
    authenticator(): KeyAuthenticator {
      return {
        authenticate: (key) => deps.keys.authenticate(key),
        async session(token) {
          const s = await users.sessions.resolve(token, now());
          return s && { principal: principalOf(s.user), csrfToken: s.csrfToken };
        },
      };
    },
  };
}

export type AccountService = ReturnType<typeof accountService>;

/**
 * The first admin user on an empty user table: HM_ADMIN_EMAIL with
 * HM_ADMIN_PASSWORD, or a generated password the caller prints once.
 * Undefined when users exist.
 */
export async function bootstrapAdminUser(
  repos: { users: UserRepository },
  config: { email: string; password: string | undefined },
  now = Date.now(),
): Promise<{ email: string; password: string; generated: boolean } | undefined> {
  const password = config.password ?? randomBytes(12).toString('base64url');
  const user = await repos.users.bootstrapAdmin({ name: 'Administrator', email: config.email, role: 'admin', passwordHash: await hashPassword(password) }, now);
  return user && { email: user.email, password, generated: config.password === undefined };
}
