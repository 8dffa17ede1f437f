import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { InfluxTelemetryStoreOptions } from '@hourmeter/telemetry-store';
import { MigrateError } from './errors.js';

export const USAGE = `Moves an embedded Hourmeter installation (SQLite + DuckDB in a data dir) to PostgreSQL and/or InfluxDB.

  npm run migrate -- --from-data-dir ./data [--to-database-url postgres://...]
                     [--to-influx-url http://... --influx-version 1|2 --influx-token T --influx-org O --influx-bucket B]
                     [--from <ISO time|epoch ms>] [--to <ISO time|epoch ms>] [--resume] [--dry-run]

  --from-data-dir      the embedded installation (HM_DATA_DIR): hourmeter.sqlite, telemetry.duckdb
  --to-database-url    PostgreSQL target; its migrations are applied; it must be empty (unless --resume)
  --to-influx-url      InfluxDB target for telemetry
  --influx-version     2 (2.x/3.x/Cloud, token + org; default) or 1 (1.x, database)
  --influx-token, --influx-org           2.x credentials (default: $INFLUX_TOKEN, $INFLUX_ORG)
  --influx-bucket      bucket (2.x) or database (1.x); default $INFLUX_BUCKET or 'hourmeter'
  --influx-username, --influx-password   1.x credentials when auth is on ($INFLUX_USERNAME/$INFLUX_PASSWORD)
  --from, --to         telemetry time range, from inclusive, to exclusive (relational data is always copied whole)
  --resume             complete an interrupted migration: rows already in the target are skipped by primary key
  --dry-run            print what would be copied and check the targets; write nothing
  --batch-size N       readings per InfluxDB write (default 5000)
  --quiet              no progress lines on stderr

Stop the Hourmeter server first. Exit codes: 0 migrated and verified, 1 failed, 2 bad arguments.`;

export interface MigrateOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly influx?: InfluxTelemetryStoreOptions | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly resume: boolean;
  readonly dryRun: boolean;
  readonly batchSize: number;
  readonly quiet: boolean;
}

export type ParsedArgs = { help: true } | { help: false; options: MigrateOptions };

const bad = (msg: string) => new MigrateError(`${msg}\n\n${USAGE}`, 2);

function parseTime(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) throw bad(`--${name}: not an ISO time or epoch ms: ${v}`);
  return ms;
}

export function parseMigrateArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ParsedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'from-data-dir': { type: 'string' },
        'to-database-url': { type: 'string' },
        'to-influx-url': { type: 'string' },
        'influx-version': { type: 'string' },
        'influx-token': { type: 'string' },
        'influx-org': { type: 'string' },
        'influx-bucket': { type: 'string' },
        'influx-username': { type: 'string' },
        'influx-password': { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        resume: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'batch-size': { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw bad(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return { help: true };

  const dataDir = values['from-data-dir'];
  if (!dataDir) throw bad('--from-data-dir is required');
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) throw bad(`--from-data-dir: ${dataDir} is not a directory`);

  const databaseUrl = values['to-database-url'];
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw bad('--to-database-url must be a postgres:// URL');

  let influx: InfluxTelemetryStoreOptions | undefined;
  const influxUrl = values['to-influx-url'];
  if (influxUrl !== undefined) {
    try {
      const u = new URL(influxUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    } catch {
      throw bad('--to-influx-url must be an http(s):// URL');
    }
    const versionText = values['influx-version'] ?? env.INFLUX_VERSION ?? '2';
    if (versionText !== '1' && versionText !== '2') throw bad('--influx-version must be 1 or 2');
    const version = Number(versionText) as 1 | 2;
    const bucket = values['influx-bucket'] ?? env.INFLUX_BUCKET ?? 'hourmeter';
    const token = values['influx-token'] ?? env.INFLUX_TOKEN;
    const org = values['influx-org'] ?? env.INFLUX_ORG;
    if (version === 2 && (!token || !org)) throw bad('InfluxDB 2.x needs --influx-token and --influx-org (or INFLUX_TOKEN, INFLUX_ORG)');
    influx =
      version === 2
        ? { url: influxUrl, version, token, org, bucket }
        : {
            url: influxUrl,
            version,
            database: bucket,
            username: values['influx-username'] ?? env.INFLUX_USERNAME,
            password: values['influx-password'] ?? env.INFLUX_PASSWORD,
          };
  } else {
    for (const k of ['influx-version', 'influx-token', 'influx-org', 'influx-bucket', 'influx-username', 'influx-password', 'from', 'to'] as const) {
      if (values[k] !== undefined) throw bad(`--${k} needs --to-influx-url`);
    }
  }
  if (!databaseUrl && !influx) throw bad('nothing to do: give --to-database-url and/or --to-influx-url');

  const from = parseTime('from', values.from);
  const to = parseTime('to', values.to);
  if (from !== undefined && to !== undefined && from >= to) throw bad('--from must be before --to');

  const batchSize = values['batch-size'] === undefined ? 5_000 : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw bad('--batch-size must be an integer in 1..100000');

  return {
    help: false,
    options: { dataDir, databaseUrl, influx, from, to, resume: values.resume, dryRun: values['dry-run'], batchSize, quiet: values.quiet },
  };
}
