import { parseArgs } from 'node:util';
import { CMAPSS_DATA_DIR, isCmapssSetName, parseUnitRange, type CmapssSetName, type CmapssSplit } from '@hourmeter/sim-cmapss';
import { FaultConfig } from '@hourmeter/sim-common';
import { z } from 'zod';
import { MODEL_KINDS, type ModelKind } from './physics/model-spec.js';

/** A bad command line: the CLI prints it with the usage hint and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `Usage: npm run simulate -- [options]

Synthetic fleet (default):
  --assets <n>              number of assets/devices (default 10)
  --models <list>           comma-separated: ${MODEL_KINDS.join(', ')} (default all)
  --rate <r>                readings per device per second (default 1; 0.1 = one per 10 s)
  --speed <x>               simulated seconds per second (default 1; 3600 = an hour per second)
  --seed <int>              seed of every random draw (default 1)
  --start <time>            simulated start, ISO 8601 or epoch ms (default: now, or in the past when --speed > 1)
  --initial-wear <0..1>     wear the assets already have at the start (default 0.5)

C-MAPSS replay:
  --cmapss <FD001..FD004>   replay NASA C-MAPSS engines instead
  --units <range>           e.g. 1-20 or 1,3,5-8 (default 1-10)
  --split <train|test>      which file (default train: units run to failure)
  --data <dir>              data directory (default: FD001/FD002 shipped in packages/cmapss/data)
  --hours-per-cycle <h>     simulated hours per engine cycle (default 1)

Platform:
  --api <url>               REST API for provisioning (default http://127.0.0.1:8080)
  --api-key <key>           admin API key (default: $HM_API_KEY)
  --mqtt <url>              MQTT broker (default mqtt://127.0.0.1:1883)
  --devices-file <path>     use pre-provisioned credentials (data/demo-devices.json) instead of the API
  --no-provision            no API, no credentials: local device ids against a broker without auth

Fault injection (probabilities per reading, 0..1; all off by default):
  --fault-drop --fault-offline --fault-skew --fault-duplicate --fault-out-of-order
  --fault-malformed --fault-wrong-secret (per connection attempt)
  --fault-offline-readings <n> (default 10)  --fault-skew-readings <n> (default 5)
  --fault-skew-ms <ms> (default 600000; negative = clock behind, written --fault-skew-ms=-60000)

Run:
  --duration <s>            stop after this many seconds (default: until Ctrl-C; a replay stops at its end)
  --connect-concurrency <n> connection attempts in parallel (default 200)
  --no-subscribe            do not subscribe to commands/errors (pure load runs)
  --progress-ms <ms>        progress line period on stderr (default 1000; 0 = off)
  --json                    print the final statistics as JSON on stdout
  --verify                  after the run, compare every device's ingest counters on the platform
                            (GET /api/v1/devices/:id/ingest) with what was sent and injected; exit 3 on a mismatch
  --log-level <level>       pino level for library logs on stderr (default warn)
  -h, --help`;

const OPTIONS = {
  assets: { type: 'string' },
  models: { type: 'string' },
  rate: { type: 'string' },
  speed: { type: 'string' },
  seed: { type: 'string' },
  start: { type: 'string' },
  'initial-wear': { type: 'string' },
  cmapss: { type: 'string' },
  units: { type: 'string' },
  split: { type: 'string' },
  data: { type: 'string' },
  'hours-per-cycle': { type: 'string' },
  api: { type: 'string' },
  'api-key': { type: 'string' },
  mqtt: { type: 'string' },
  'devices-file': { type: 'string' },
  'no-provision': { type: 'boolean' },
  'fault-drop': { type: 'string' },
  'fault-offline': { type: 'string' },
  'fault-skew': { type: 'string' },
  'fault-duplicate': { type: 'string' },
  'fault-out-of-order': { type: 'string' },
  'fault-malformed': { type: 'string' },
  'fault-wrong-secret': { type: 'string' },
  'fault-offline-readings': { type: 'string' },
  'fault-skew-readings': { type: 'string' },
  'fault-skew-ms': { type: 'string' },
  duration: { type: 'string' },
  'connect-concurrency': { type: 'string' },
  'no-subscribe': { type: 'boolean' },
  'progress-ms': { type: 'string' },
  json: { type: 'boolean' },
  verify: { type: 'boolean' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface CliConfig {
  help: boolean;
  mode: 'fleet' | 'cmapss';
  /** undefined = 10 for the synthetic fleet, every device of a --devices-file. */
  assets: number | undefined;
  models: ModelKind[];
  rate: number;
  speed: number;
  seed: number;
  startMs: number | undefined;
  initialWear: number;
  cmapss: { set: CmapssSetName; units: number[]; split: CmapssSplit; dataDir: string; hoursPerCycle: number } | undefined;
  api: string;
  apiKey: string | undefined;
  mqtt: string;
  devicesFile: string | undefined;
  provision: boolean;
  faults: FaultConfig;
  durationSeconds: number | undefined;
  connectConcurrency: number;
  subscribe: boolean;
  progressMs: number;
  json: boolean;
  verify: boolean;
  logLevel: string;
}

function num(flag: string, raw: string | undefined, def: number, o: { min?: number; max?: number; int?: boolean; exclusiveMin?: boolean } = {}): number {
  if (raw === undefined) return def;
  const v = Number(raw);
  const bad = (why: string) => new UsageError(`--${flag} ${why}, got "${raw}"`);
  if (raw.trim() === '' || !Number.isFinite(v)) throw bad('must be a number');
  if (o.int && !Number.isInteger(v)) throw bad('must be an integer');
  if (o.min !== undefined && (o.exclusiveMin ? v <= o.min : v < o.min)) throw bad(`must be ${o.exclusiveMin ? '>' : '>='} ${o.min}`);
  if (o.max !== undefined && v > o.max) throw bad(`must be <= ${o.max}`);
  return v;
}

function url(flag: string, raw: string, protocols: string[]): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`--${flag} must be a URL, got "${raw}"`);
  }
  if (!protocols.includes(u.protocol)) throw new UsageError(`--${flag} must use ${protocols.join(' or ')}, got "${raw}"`);
  return raw;
}

/** Parses and validates the command line; throws UsageError on anything wrong. */
export function parseCli(argv: string[], env: Record<string, string | undefined> = process.env): CliConfig {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: false }>>['values'];
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const models = (values.models ?? MODEL_KINDS.join(','))
    .split(',')
    .map((m) => m.trim().toLowerCase())
    .filter(Boolean)
    .map((m) => (m === 'motor' ? 'gearbox' : m));
  for (const m of models) {
    if (!(MODEL_KINDS as readonly string[]).includes(m)) throw new UsageError(`--models: unknown model "${m}"; known: ${MODEL_KINDS.join(', ')}`);
  }
  if (models.length === 0) throw new UsageError('--models must name at least one model');

  let startMs: number | undefined;
  if (values.start !== undefined) {
    startMs = /^\d+$/.test(values.start) ? Number(values.start) : Date.parse(values.start);
    if (!Number.isFinite(startMs)) throw new UsageError(`--start must be ISO 8601 or epoch ms, got "${values.start}"`);
  }

  let cmapss: CliConfig['cmapss'];
  if (values.cmapss !== undefined) {
    const set = values.cmapss.toUpperCase();
    if (!isCmapssSetName(set)) throw new UsageError(`--cmapss must be FD001..FD004, got "${values.cmapss}"`);
    const split = values.split ?? 'train';
    if (split !== 'train' && split !== 'test') throw new UsageError(`--split must be train or test, got "${split}"`);
    let units: number[];
    try {
      units = parseUnitRange(values.units ?? '1-10');
    } catch (err) {
      throw new UsageError(`--units: ${(err as Error).message}`);
    }
    cmapss = {
      set,
      units,
      split,
      dataDir: values.data ?? CMAPSS_DATA_DIR,
      hoursPerCycle: num('hours-per-cycle', values['hours-per-cycle'], 1, { min: 0, exclusiveMin: true, max: 10_000 }),
    };
  } else {
    for (const flag of ['units', 'split', 'data', 'hours-per-cycle'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} only applies with --cmapss`);
    }
  }

  if (values['devices-file'] !== undefined && values['no-provision']) throw new UsageError('--devices-file and --no-provision exclude each other');
  const provision = !values['no-provision'] && values['devices-file'] === undefined;
  const apiKey = values['api-key'] ?? env['HM_API_KEY'];
  if (values.verify && !apiKey) throw new UsageError('--verify reads the platform counters through the API: it needs --api-key or HM_API_KEY');
  if (provision && !values.help && !apiKey) {
    throw new UsageError('provisioning through the API needs an admin key: --api-key or HM_API_KEY (or use --devices-file / --no-provision)');
  }

  const rate = (flag: string) => num(flag, values[flag as keyof typeof values] as string | undefined, 0, { min: 0, max: 1 });
  const faults = FaultConfig.safeParse({
    drop: rate('fault-drop'),
    offline: rate('fault-offline'),
    skew: rate('fault-skew'),
    duplicate: rate('fault-duplicate'),
    outOfOrder: rate('fault-out-of-order'),
    malformed: rate('fault-malformed'),
    wrongSecret: rate('fault-wrong-secret'),
    offlineReadings: num('fault-offline-readings', values['fault-offline-readings'], 10, { min: 1, int: true, max: 100_000 }),
    skewReadings: num('fault-skew-readings', values['fault-skew-readings'], 5, { min: 1, int: true, max: 100_000 }),
    skewMs: num('fault-skew-ms', values['fault-skew-ms'], 600_000, { int: true, min: -31_536_000_000, max: 31_536_000_000 }),
  });
  if (!faults.success) throw new UsageError(`fault flags: ${z.prettifyError(faults.error)}`);

  const logLevel = values['log-level'] ?? 'warn';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) throw new UsageError(`--log-level: unknown level "${logLevel}"`);

  return {
    help: values.help ?? false,
    mode: cmapss ? 'cmapss' : 'fleet',
    assets: values.assets !== undefined ? num('assets', values.assets, 10, { min: 1, max: 100_000, int: true }) : undefined,
    models: models as ModelKind[],
    rate: num('rate', values.rate, 1, { min: 0, exclusiveMin: true, max: 1000 }),
    speed: num('speed', values.speed, 1, { min: 0, exclusiveMin: true, max: 10_000_000 }),
    seed: num('seed', values.seed, 1, { int: true, min: 0, max: 2 ** 32 - 1 }),
    startMs,
    initialWear: num('initial-wear', values['initial-wear'], 0.5, { min: 0, max: 0.99 }),
    cmapss,
    api: url('api', values.api ?? 'http://127.0.0.1:8080', ['http:', 'https:']),
    apiKey,
    mqtt: url('mqtt', values.mqtt ?? 'mqtt://127.0.0.1:1883', ['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:']),
    devicesFile: values['devices-file'],
    provision,
    faults: faults.data,
    durationSeconds: values.duration !== undefined ? num('duration', values.duration, 0, { min: 0, exclusiveMin: true }) : undefined,
    connectConcurrency: num('connect-concurrency', values['connect-concurrency'], 200, { min: 1, max: 10_000, int: true }),
    subscribe: !values['no-subscribe'],
    progressMs: num('progress-ms', values['progress-ms'], 1000, { min: 0, int: true }),
    json: values.json ?? false,
    verify: values.verify ?? false,
    logLevel,
  };
}
