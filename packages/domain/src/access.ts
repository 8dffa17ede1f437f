import { z } from 'zod';
import { idOf } from './ids.js';
import { EpochMs } from './time.js';

/** Who holds an API key: the users of docs/domain.md, "Users and roles", plus administrators. */
export const Role = z.enum(['admin', 'engineer', 'planner', 'account-manager']);
export type Role = z.infer<typeof Role>;

export const ApiKeyInput = z.object({
  name: z.string().trim().min(1).max(200),
  role: Role,
});
export type ApiKeyInput = z.infer<typeof ApiKeyInput>;

/** An API key as listed: the secret is shown once at creation, then only its prefix. */
export const ApiKey = ApiKeyInput.extend({
  id: idOf('apiKey'),
  prefix: z.string(),
  createdAt: EpochMs,
  revokedAt: EpochMs.nullable(),
  lastUsedAt: EpochMs.nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** Passwords people choose: long enough to resist guessing, bounded so hashing cannot be used to exhaust the server. */
export const Password = z.string().min(12, 'at least 12 characters').max(200);

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email().max(254));

/** A person who signs in to the console; the same roles as API keys. */
export const UserInput = z.object({
  name: z.string().trim().min(1).max(100),
  email: Email,
  role: Role,
  password: Password,
});
export type UserInput = z.infer<typeof UserInput>;

/** What an admin may change about a user (the password has its own reset). */
export const UserUpdate = z
  .object({ name: UserInput.shape.name, role: Role, disabled: z.boolean() })
  .partial()
  .refine((u) => Object.keys(u).length > 0, 'nothing to change');
export type UserUpdate = z.infer<typeof UserUpdate>;

export const User = z.object({
  id: idOf('user'),
  name: z.string(),
  email: z.string(),
  role: Role,
  createdAt: EpochMs,
  disabledAt: EpochMs.nullable(),
  /** Failed sign-ins lock the account until then (null when not locked). */
  lockedUntil: EpochMs.nullable(),
  lastSignInAt: EpochMs.nullable(),
});
export type User = z.infer<typeof User>;

export const SignInInput = z.object({ email: Email, password: z.string().min(1).max(200) });
export type SignInInput = z.infer<typeof SignInInput>;

/** Who is calling, as every route sees it: a person signed in, or a machine's API key. */
export const Principal = z.object({
  kind: z.enum(['user', 'api-key']),
  id: z.string(),
  role: Role,
  /** The user's name or the key's name: what history shows. */
  name: z.string(),
});
export type Principal = z.infer<typeof Principal>;
