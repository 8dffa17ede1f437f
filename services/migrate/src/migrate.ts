import type { Logger } from '@hourmeter/runtime';
import { pino } from 'pino';
import type { MigrateOptions } from './args.js';
import { planRelational, prepareRelational, type RelationalPlan, type RelationalResult } from './relational.js';
import { fmt, silentProgress, type Progress } from './progress.js';
import { planTelemetry, prepareTelemetry, type TelemetryPlan, type TelemetryResult } from './telemetry.js';

export interface MigrationPlan {
  readonly relational?: RelationalPlan | undefined;
  readonly telemetry?: TelemetryPlan | undefined;
}

export interface MigrationResult {
  readonly relational?: RelationalResult | undefined;
  readonly telemetry?: TelemetryResult | undefined;
  /** Every table and asset verified equal. */
  readonly ok: boolean;
}

/** What `--dry-run` reports: sources counted, targets only checked (reachable, empty). */
export async function planMigration(opts: MigrateOptions): Promise<MigrationPlan> {
  return {
    relational: opts.databaseUrl ? await planRelational({ dataDir: opts.dataDir, targetUrl: opts.databaseUrl }) : undefined,
    telemetry: opts.influx ? await planTelemetry({ dataDir: opts.dataDir, influx: opts.influx, range: opts }) : undefined,
  };
}

/**
 * Every check first (sources readable, targets reachable, migrated and empty
 * unless resuming), then the relational copy, then telemetry; both verified.
 */
export async function runMigration(
  opts: MigrateOptions,
  deps: { progress?: Progress; logger?: Logger } = {},
): Promise<MigrationResult> {
  const progress = deps.progress ?? silentProgress;
  const logger = deps.logger ?? pino({ level: 'silent' });
  const relational = opts.databaseUrl
    ? await prepareRelational({ dataDir: opts.dataDir, targetUrl: opts.databaseUrl, resume: opts.resume, logger, progress })
    : undefined;
  try {
    const telemetry = opts.influx
      ? await prepareTelemetry({
          dataDir: opts.dataDir,
          influx: opts.influx,
          range: { from: opts.from, to: opts.to },
          resume: opts.resume,
          batchSize: opts.batchSize,
          progress,
        })
      : undefined;
    try {
      let rel: RelationalResult | undefined;
      if (relational) {
        progress.line('relational store: SQLite -> PostgreSQL');
        rel = await relational.run();
        progress.line(`  ${fmt(rel.rows)} row(s) in ${rel.seconds.toFixed(1)} s (${fmt(rel.rows / Math.max(rel.seconds, 1e-3))} rows/s)`);
      }
      let tel: TelemetryResult | undefined;
      if (telemetry) {
        progress.line('telemetry: DuckDB -> InfluxDB');
        tel = await telemetry.run();
      }
      return { relational: rel, telemetry: tel, ok: (rel?.ok ?? true) && (tel?.ok ?? true) };
    } finally {
      await telemetry?.close();
    }
  } finally {
    await relational?.close();
  }
}

export function formatPlan(plan: MigrationPlan, opts: MigrateOptions): string {
  const out: string[] = ['DRY RUN: nothing was written.'];
  if (plan.relational) {
    const r = plan.relational;
    out.push(`relational: ${r.sqlitePath} -> PostgreSQL`);
    if (r.pendingSourceMigrations.length) out.push(`  the source lacks migrations ${r.pendingSourceMigrations.join(', ')} (applied to it first)`);
    for (const t of r.tables) out.push(`  ${t.name.padEnd(28)} ${fmt(t.rows).padStart(12)} row(s)`);
    out.push(`  total ${fmt(r.tables.reduce((n, t) => n + t.rows, 0))} row(s) in ${r.tables.length} tables, in this (foreign-key) order`);
    out.push(
      r.targetNonEmpty.length === 0
        ? '  target: reachable and empty'
        : `  target: NOT EMPTY (${r.targetNonEmpty.map((t) => `${t.name}: ${fmt(t.rows)}`).join(', ')})${opts.resume ? ': --resume skips existing rows' : ': would be refused without --resume'}`,
    );
  }
  if (plan.telemetry) {
    const t = plan.telemetry;
    const range = opts.from !== undefined || opts.to !== undefined
      ? ` in [${opts.from === undefined ? '-inf' : new Date(opts.from).toISOString()}, ${opts.to === undefined ? '+inf' : new Date(opts.to).toISOString()})`
      : '';
    out.push(`telemetry: ${t.path} -> InfluxDB ${opts.influx?.url}`);
    out.push(`  ${fmt(t.readings)} reading(s) of ${t.assets} asset(s)${range}`);
    if (t.span) out.push(`  from ${new Date(t.span.from).toISOString()} to ${new Date(t.span.to - 1).toISOString()}`);
    if (t.stagedReadings) out.push(`  plus up to ${fmt(t.stagedReadings)} reading(s) still staged (merged before the copy)`);
    out.push(
      t.targetHasData
        ? `  target: HAS DATA in the range${opts.resume ? ': --resume re-sends (identical points stored once)' : ': would be refused without --resume'}`
        : '  target: reachable and empty',
    );
  }
  return out.join('\n');
}

export function formatResult(result: MigrationResult): string {
  const out: string[] = [];
  if (result.relational) {
    const r = result.relational;
    out.push('relational verification (rows source/target, checksum of every column):');
    for (const t of r.tables) {
      out.push(
        `  ${t.ok ? 'ok  ' : 'FAIL'} ${t.table.padEnd(28)} ${fmt(t.sourceRows).padStart(10)} / ${fmt(t.targetRows).padEnd(10)} ${t.targetChecksum}${t.ok ? '' : ` (source ${t.sourceChecksum})`}  +${fmt(t.inserted)} this run`,
      );
    }
    if (r.sequencesFixed.length) out.push(`  sequences moved past the copied rows: ${r.sequencesFixed.join(', ')}`);
  }
  if (result.telemetry) {
    const t = result.telemetry;
    out.push(
      `telemetry: ${fmt(t.readings)} reading(s) of ${t.assets} asset(s) in ${t.seconds.toFixed(1)} s (${fmt(t.readings / Math.max(t.seconds, 1e-3))} readings/s)`,
    );
    if (t.emptyReadings) out.push(`  ${fmt(t.emptyReadings)} reading(s) without metric values have no InfluxDB point`);
    if (t.ok) out.push('  verification: per-asset, per-metric counts equal');
    for (const m of t.mismatches.slice(0, 50)) out.push(`  FAIL ${m.assetId} ${m.metric}: source ${m.source}, target ${m.target}`);
    if (t.mismatches.length > 50) out.push(`  ... and ${t.mismatches.length - 50} more`);
  }
  out.push(result.ok ? 'migration complete and verified' : 'MIGRATION VERIFICATION FAILED');
  return out.join('\n');
}
