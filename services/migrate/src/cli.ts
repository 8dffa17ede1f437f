/**
 * `npm run migrate -- --from-data-dir ./data --to-database-url postgres://... --to-influx-url http://...`
 * Exit codes: 0 migrated and verified, 1 failed (unreachable or non-empty target,
 * copy or verification failure), 2 bad arguments.
 */
import { errorMessage, MigrateError } from './errors.js';
import { parseMigrateArgs, USAGE } from './args.js';
import { formatPlan, formatResult, planMigration, runMigration } from './migrate.js';
import { stderrProgress } from './progress.js';

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseMigrateArgs(argv);
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const opts = parsed.options;
  if (opts.dryRun) {
    process.stdout.write(`${formatPlan(await planMigration(opts), opts)}\n`);
    return 0;
  }
  const result = await runMigration(opts, { progress: stderrProgress({ quiet: opts.quiet }) });
  process.stdout.write(`${formatResult(result)}\n`);
  return result.ok ? 0 : 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`migrate: ${errorMessage(err)}\n`);
  process.exitCode = err instanceof MigrateError ? err.exitCode : 1;
}
