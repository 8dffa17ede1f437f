/**
 * `npm run import -- maintenance <file.csv>`
 * `npm run import -- telemetry <file> [--format csv|line-protocol] [--precision ns|us|ms|s]`
 *
 * History import from files, offline, into the stores of HM_DATA_DIR (or
 * DATABASE_URL / HM_TELEMETRY_STORE): the same paths as the API's imports.
 * Maintenance rows become completed work orders in one transaction, and the
 * reliability models of failure modes that got enough new failures are
 * refitted; telemetry goes through ingest (validation, dedupe, durable spool)
 * and the hour meter. Progress goes to stderr for long files. A bad file is
 * refused with the rows that are wrong, nothing of it imported: exit code 2,
 * like bad arguments. Exit 1: anything else failed. Run it while the server
 * is stopped (the embedded stores are single-process).
 */
import { readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb, repositories } from '@hourmeter/db';
import { createIngest, importTelemetryHistory } from '@hourmeter/ingest';
import { createHourMeter, modelSettingsSource } from '@hourmeter/metering';
import { createReliabilityService } from '@hourmeter/prediction';
import { createLogger, isAppError, loadConfig } from '@hourmeter/runtime';
import { importMaintenanceHistory } from '@hourmeter/work-orders';
import { deviceResolver } from '../telemetry-import.js';
import { openTelemetryStore } from '../telemetry-store.js';

const USAGE = `usage: npm run import -- maintenance <file.csv>
       npm run import -- telemetry <file.csv|file.lp> [--format csv|line-protocol] [--precision ns|us|ms|s]
Imports into the stores of HM_DATA_DIR (the server must be stopped).`;

class UsageError extends Error {}

/** Progress on one line of stderr, at most every half second, and at the end. */
function progress(label: string) {
  let last = 0;
  return (done: number, total: number) => {
    const t = Date.now();
    if (done < total && t - last < 500) return;
    last = t;
    process.stderr.write(`${label}: ${done}/${total} (${Math.floor((done / Math.max(1, total)) * 100)}%)\n`);
  };
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { format: { type: 'string' }, precision: { type: 'string', default: 'ns' } },
  });
  const [kind, file, ...rest] = positionals;
  if (!file || rest.length || (kind !== 'maintenance' && kind !== 'telemetry')) throw new UsageError(USAGE);
  const format = values.format ?? (['.lp', '.line', '.txt'].includes(extname(file)) ? 'line-protocol' : 'csv');
  if (format !== 'csv' && format !== 'line-protocol') throw new UsageError(`--format: csv or line-protocol, not ${format}`);
  const precision = values.precision;
  if (precision !== 'ns' && precision !== 'us' && precision !== 'ms' && precision !== 's') throw new UsageError(`--precision: ns, us, ms or s, not ${precision}`);
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }

  const config = loadConfig();
  const logger = createLogger({ level: process.env.HM_LOG_LEVEL ?? 'warn' });
  const db = await openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.HM_DATA_DIR, logger });
  const repos = repositories(db);
  try {
    if (kind === 'maintenance') {
      const res = await importMaintenanceHistory(repos, text, { actor: 'import-cli', now: Date.now() });
      console.log(`maintenance history: ${res.rows} rows, ${res.imported} imported, ${res.duplicateRows.length} already imported before${res.duplicateRows.length ? ` (rows ${res.duplicateRows.join(', ')})` : ''}`);
      // Imported failures count for the reliability refit like completed orders do.
      const reliability = createReliabilityService({ repos, logger });
      const refits = await Promise.all(res.failures.map((f) => reliability.onWorkOrderCompleted({ ...f, kind: 'corrective' })));
      await reliability.idle();
      for (const r of refits) if (r?.status === 'trained') console.log(`reliability model refitted: ${r.model.failureMode} v${r.model.version}${r.activated ? ' (active)' : ''}: ${r.reason}`);
      return;
    }
    const telemetry = await openTelemetryStore(config, logger);
    try {
      const meter = createHourMeter({ samples: telemetry.store, settings: modelSettingsSource(repos), totals: repos.operatingHours, logger, recomputeIntervalMs: config.HM_HOUR_METER_INTERVAL_MS });
      const ingest = await createIngest({
        logger,
        store: telemetry.store,
        config: { spoolDir: join(config.HM_DATA_DIR, 'spool'), maxSpoolBytes: config.HM_SPOOL_MAX_BYTES, fsync: config.HM_SPOOL_FSYNC, fsyncIntervalMs: config.HM_SPOOL_FSYNC_INTERVAL_MS },
        onStored: (readings) => meter.onStored(readings),
      });
      try {
        const res = await importTelemetryHistory({ ingress: ingest, resolve: deviceResolver(repos) }, text, { format, precision, onProgress: progress('telemetry sent to ingest') });
        process.stderr.write('waiting for ingest to store the spooled readings...\n');
        await ingest.drained(10 * 60_000);
        await meter.flush();
        console.log(`telemetry: ${res.readings} readings, ${res.accepted} stored, ${res.duplicates} already stored before`);
      } finally {
        await ingest.close();
      }
    } finally {
      await telemetry.store.close();
    }
  } finally {
    await db.close();
  }
}

try {
  await main(process.argv.slice(2));
  process.exit(0);
} catch (err) {
  if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (isAppError(err) && err.code === 'VALIDATION_FAILED') {
    // Every bad row, one a line: the message names the first ones.
    process.stderr.write(`import refused: ${err.message}\n`);
    const rows = (err.details as { errors?: { row: number; column?: string; message: string }[] } | undefined)?.errors ?? [];
    for (const e of rows) process.stderr.write(`  row ${e.row}${e.column ? ` (${e.column})` : ''}: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`import failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
