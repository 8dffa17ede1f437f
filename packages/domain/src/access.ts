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
