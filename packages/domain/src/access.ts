import { z } from 'zod';
import { idOf } from './ids.js';
import { EpochMs } from './time.js';

/** The manufacturer's own people: the users of docs/domain.md, "Users and roles", plus administrators. */
export const StaffRole = z.enum(['admin', 'engineer', 'planner', 'account-manager']);
export type StaffRole = z.infer<typeof StaffRole>;

/**
 * People of one customer (the portal, issue #19): each is bound to exactly one
 * customer and sees only that customer's data. A customer admin also manages
 * the users of their own customer.
 */
export const CustomerRole = z.enum(['customer-admin', 'customer-viewer']);
export type CustomerRole = z.infer<typeof CustomerRole>;

/** Who holds an API key or a user account. */
export const Role = z.enum([...StaffRole.options, ...CustomerRole.options]);
export type Role = z.infer<typeof Role>;

export function isCustomerRole(role: Role): role is CustomerRole {
  return (CustomerRole.options as readonly string[]).includes(role);
}

/** A customer role needs its customer, a staff role must have none: the one rule behind every account and key. */
function customerMatchesRole(v: { role?: Role | undefined; customerId?: string | null | undefined }, ctx: z.RefinementCtx): void {
  if (v.role === undefined) return;
  const bound = v.customerId !== undefined && v.customerId !== null;
  if (isCustomerRole(v.role) && !bound) ctx.addIssue({ code: 'custom', path: ['customerId'], message: `role ${v.role} needs the customer it belongs to` });
  if (!isCustomerRole(v.role) && bound) ctx.addIssue({ code: 'custom', path: ['customerId'], message: `role ${v.role} is staff: it belongs to no customer` });
}

const ApiKeyFields = z.object({
  name: z.string().trim().min(1).max(200),
  role: Role,
  /** The customer a customer-role key is bound to (a customer's own integration). */
  customerId: idOf('customer').optional(),
});
export const ApiKeyInput = ApiKeyFields.superRefine(customerMatchesRole);
export type ApiKeyInput = z.infer<typeof ApiKeyInput>;

/** An API key as listed: the secret is shown once at creation, then only its prefix. */
export const ApiKey = ApiKeyFields.extend({
  customerId: idOf('customer').nullable(),
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

const UserFields = z.object({
  name: z.string().trim().min(1).max(100),
  email: Email,
  role: Role,
  password: Password,
  /** Required for the customer roles, absent for staff. */
  customerId: idOf('customer').optional(),
});
/** A person who signs in to the console; the same roles as API keys. */
export const UserInput = UserFields.superRefine(customerMatchesRole);
export type UserInput = z.infer<typeof UserInput>;

/** What a customer admin sends to invite a colleague: always into their own customer, never a staff role. */
export const CustomerUserInput = UserFields.omit({ customerId: true }).extend({ role: CustomerRole });
export type CustomerUserInput = z.infer<typeof CustomerUserInput>;

/** What an admin may change about a user (the password has its own reset). */
export const UserUpdate = z
  .object({ name: UserFields.shape.name, role: Role, disabled: z.boolean() })
  .partial()
  .refine((u) => Object.keys(u).length > 0, 'nothing to change');
export type UserUpdate = z.infer<typeof UserUpdate>;

export const User = z.object({
  id: idOf('user'),
  name: z.string(),
  email: z.string(),
  role: Role,
  /** The customer a customer-role user belongs to; null for staff. */
  customerId: idOf('customer').nullable(),
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
  /** Set for the customer roles: every answer is scoped to this customer. */
  customerId: z.string().optional(),
});
export type Principal = z.infer<typeof Principal>;
