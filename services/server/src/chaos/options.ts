import { parseArgs } from 'node:util';
import { z } from 'zod';

/** Every fault `npm run chaos` knows, in the order it injects them. `kill-9` is one fault per process role. */
export const FAULT_IDS = [
  'malformed-flood',
  'garbage-packet',
  'retry-storm',
  'device-clock-jump',
  'server-clock-jump',
  'telemetry-store-stopped',
  'database-stopped',
  'redis-stopped',
  'spool-disk-full',
  'kill-9',
] as const;
export type FaultId = (typeof FAULT_IDS)[number];

export interface ChaosOptions {
  cluster: boolean;
  faults: readonly FaultId[];
  /** How long a stopped store stays stopped (the issue's 30 s), and the other faults' hold time derived from it. */
  faultSeconds: number;
}

const Args = z.object({
  cluster: z.boolean().default(false),
  faults: z
    .string()
    .transform((s) => s.split(',').map((f) => f.trim()).filter(Boolean))
    .pipe(z.array(z.enum(FAULT_IDS)).min(1))
    .optional(),
  'fault-seconds': z.coerce.number().int().min(1).max(600).default(30),
});

/** `--cluster`, `--faults a,b` (default: all that apply to the mode), `--fault-seconds n` (default 30). Throws with a readable message. */
export function parseChaosArgs(argv: readonly string[]): ChaosOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: { cluster: { type: 'boolean' }, faults: { type: 'string' }, 'fault-seconds': { type: 'string' } },
    strict: true,
  });
  const parsed = Args.safeParse(values);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ') + ` (faults: ${FAULT_IDS.join(', ')})`);
  }
  const { cluster, faults, 'fault-seconds': faultSeconds } = parsed.data;
  const applicable = FAULT_IDS.filter((f) => cluster || f !== 'redis-stopped');
  if (!cluster && faults?.includes('redis-stopped')) throw new Error('--faults: redis-stopped needs --cluster (the embedded process uses no Redis)');
  return { cluster, faults: applicable.filter((f) => !faults || faults.includes(f)), faultSeconds };
}
