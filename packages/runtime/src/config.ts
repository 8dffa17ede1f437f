import { z } from 'zod';

/**
 * Every environment variable Hourmeter reads, with its default. Parsed once in
 * a main.ts and frozen; the README's configuration table mirrors this schema.
 * Defaults run the embedded mode (SQLite + DuckDB under HM_DATA_DIR).
 */
export const ConfigSchema = z.object({
  HM_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  HM_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HM_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave unset for the embedded SQLite store)')
    .optional(),
  HM_ADMIN_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  HM_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HM_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
});

export type Config = Readonly<z.infer<typeof ConfigSchema>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses env into a frozen config; the error names every bad variable and why. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = ConfigSchema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const got = env[name];
      return `  ${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(redactIfSecret(name, got))})`}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}

function redactIfSecret(name: string, value: string): string {
  return /KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL/.test(name) ? '[redacted]' : value;
}
