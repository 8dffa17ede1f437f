import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { migrationCatalog, type CatalogTable, type Database } from '@hourmeter/db';
import { createDuckDbTelemetryStore, createInfluxTelemetryStore, type InfluxTelemetryStoreOptions } from '@hourmeter/telemetry-store';
import { freePort, pgDatabase, suiteTitle, tempDir } from '@hourmeter/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseMigrateArgs, type MigrateOptions } from './args.js';
import { MigrateError } from './errors.js';
import { buildEmbeddedInstallation, SMALL } from './fixture.js';
import { formatPlan, formatResult, planMigration, runMigration } from './migrate.js';

const postgresUrl = inject('postgresUrl');
const influxUrl = inject('influxUrl');
const repoRoot = join(import.meta.dirname, '../../..');

/**
 * Every table the Kysely `Database` interface declares (the compiler rejects a
 * missing or an extra key), compared below with what the migrations create: the
 * copy discovers tables from the schema, this keeps schema.ts and migrations honest.
 */
const DECLARED_TABLES: Record<keyof Database, true> = {
  customers: true, sites: true, asset_models: true, production_batches: true, assets: true, devices: true, api_keys: true,
  operating_hours_daily: true, operating_hours_versions: true, work_orders: true, work_order_events: true,
  work_order_completions: true, work_order_parts_consumed: true, failure_codes: true, maintenance_schedules: true, parts: true,
  part_fits: true, warehouses: true, stock_levels: true, stock_movements: true, part_requests: true, stock_transfers: true,
  alerts: true, alert_transitions: true, rul_estimates: true, contracts: true, contract_versions: true, contract_assets: true,
  usage_records: true, usage_record_versions: true, invoice_runs: true, invoices: true, invoice_lines: true, invoice_usage: true,
  credit_notes: true, document_counters: true, rul_models: true, partition_leases: true, partition_members: true, device_connections: true,
  payments: true, rate_cards: true, exchange_rates: true,
  part_returns: true, quality_reserve_events: true,
  asset_owners: true,
  reliability_models: true,
  integration_outbox: true, webhook_subscriptions: true, webhook_deliveries: true, webhook_attempts: true,
  notification_recipients: true, notification_messages: true,
  idempotency_keys: true,
  users: true, user_sessions: true,
  sla_risk_signals: true,
  sla_entitlements: true, work_order_sla: true, work_order_holds: true, service_requests: true,
  technicians: true, technician_certifications: true, technician_absences: true,
  installation_checklist_templates: true, work_order_checklist_items: true, hazards: true,
  leads: true, nps_responses: true,
  service_products: true, service_quotes: true,
};

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'services/migrate/src/cli.ts'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

async function influxQl(q: string): Promise<void> {
  const res = await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q }) });
  if (!res.ok) throw new Error(`${q}: ${res.status}`);
}

describe('catalog', () => {
  it('the migrations create exactly the tables the schema declares, in foreign-key order', async () => {
    const catalog = await migrationCatalog();
    expect(catalog.map((t) => t.name).sort()).toEqual(Object.keys(DECLARED_TABLES).sort());
    const seen = new Set<string>();
    for (const t of catalog) {
      for (const r of t.references) expect(seen.has(r), `${t.name} after ${r}`).toBe(true);
      seen.add(t.name);
    }
  });
});

describe('arguments', () => {
  it('parses a full command line and rejects bad ones with exit code 2', () => {
    const dir = tempDir();
    try {
      const p = parseMigrateArgs(['--from-data-dir', dir.path, '--to-influx-url', 'http://h:8086', '--influx-version', '1', '--from', '2026-01-01T00:00:00Z', '--to', '1767312000000'], {});
      expect(p.help).toBe(false);
      if (!p.help) {
        expect(p.options.influx).toMatchObject({ version: 1, database: 'hourmeter' });
        expect(p.options.from).toBe(Date.UTC(2026, 0, 1));
        expect(p.options.to).toBe(1767312000000);
      }
      const code = (argv: string[]) => {
        try {
          parseMigrateArgs(argv, {});
          return 0;
        } catch (err) {
          return err instanceof MigrateError ? err.exitCode : -1;
        }
      };
      expect(code([])).toBe(2);
      expect(code(['--from-data-dir', join(dir.path, 'nope'), '--to-database-url', 'postgres://x/y'])).toBe(2);
      expect(code(['--from-data-dir', dir.path])).toBe(2); // no target
      expect(code(['--from-data-dir', dir.path, '--to-influx-url', 'http://h'])).toBe(2); // 2.x without token
      expect(code(['--from-data-dir', dir.path, '--to-database-url', 'mysql://x'])).toBe(2);
      expect(code(['--from-data-dir', dir.path, '--to-database-url', 'postgres://x/y', '--bogus'])).toBe(2);
      expect(code(['--from-data-dir', dir.path, '--to-influx-url', 'http://h', '--influx-version', '1', '--from', '2026-02-01', '--to', '2026-01-01'])).toBe(2);
    } finally {
      dir.cleanup();
    }
  });
});

describe.skipIf(!postgresUrl || !influxUrl)(suiteTitle('migration of an embedded installation (PostgreSQL + influxd from the test run)', !postgresUrl || !influxUrl, 'install Debian packages `postgresql`, `influxdb`'), () => {
  const dir = tempDir('hm-migrate-');
  let target: { url: string; drop: () => Promise<void> };
  let catalog: CatalogTable[];
  let fixture: { readings: number; assetIds: string[] };
  const database = `hm_migrate_${randomBytes(4).toString('hex')}`;
  const influx: InfluxTelemetryStoreOptions = { url: influxUrl, version: 1, database };
  const options = (over: Partial<MigrateOptions> = {}): MigrateOptions => ({
    dataDir: dir.path, databaseUrl: target.url, influx, resume: false, dryRun: false, batchSize: 5_000, quiet: true, ...over,
  });

  beforeAll(async () => {
    fixture = await buildEmbeddedInstallation(dir.path, SMALL);
    target = await pgDatabase(postgresUrl);
    catalog = await migrationCatalog();
  }, 120_000);
  afterAll(async () => {
    await target?.drop();
    await influxQl(`DROP DATABASE ${database}`).catch(() => {});
    dir.cleanup();
  });

  it('the fixture puts rows in every table', () => {
    const sqlite = new SQLite(join(dir.path, 'hourmeter.sqlite'), { readonly: true });
    try {
      const empty = catalog.filter((t) => sqlite.prepare(`SELECT count(*) FROM "${t.name}"`).pluck().get() === 0).map((t) => t.name);
      expect(empty).toEqual([]);
    } finally {
      sqlite.close();
    }
  });

  it('dry run lists what would be copied and writes nothing', async () => {
    const plan = await planMigration(options({ dryRun: true }));
    expect(plan.relational?.targetNonEmpty).toEqual([]);
    expect(plan.relational?.tables.find((t) => t.name === 'invoices')?.rows).toBe(2);
    expect(plan.telemetry?.readings).toBe(fixture.readings);
    expect(plan.telemetry?.targetHasData).toBe(false);
    expect(formatPlan(plan, options())).toMatch(/DRY RUN/);
  });

  it('copies every table and every reading, verified', async () => {
    const result = await runMigration(options());
    const text = formatResult(result);
    console.log(text);
    expect(result.ok, text).toBe(true);
    expect(result.relational!.tables.map((t) => t.table)).toEqual(catalog.map((t) => t.name));
    expect(result.telemetry!.readings).toBe(fixture.readings);

    // Every table: the same ordered row set on both sides.
    const sqlite = new SQLite(join(dir.path, 'hourmeter.sqlite'), { readonly: true });
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      for (const t of catalog) {
        const cols = t.columns.map((c) => `"${c.name}"`).join(', ');
        const canon = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
        const src = canon(sqlite.prepare(`SELECT ${cols} FROM "${t.name}"`).raw(true).all() as unknown[][]);
        const dst = canon((await client.query<unknown[]>({ text: `SELECT ${cols} FROM "${t.name}"`, rowMode: 'array' })).rows);
        expect(dst, t.name).toEqual(src);
      }
      const inv = await client.query<{ status: string }>(`SELECT status FROM invoices WHERE id = 'inv_1'`);
      expect(inv.rows[0]?.status).toBe('issued');
      // Still immutable on the target.
      await expect(client.query(`UPDATE invoices SET total_minor = 0 WHERE id = 'inv_1'`)).rejects.toThrow(/HM_IMMUTABLE/);
    } finally {
      sqlite.close();
      await client.end();
    }

    // Telemetry read back through the adapters is equal.
    const duck = await createDuckDbTelemetryStore({ dataDir: dir.path });
    const infl = createInfluxTelemetryStore(influx);
    try {
      const metrics = ['rpm', 'temp', 'running', 'vib.x mm/s'];
      for (const assetId of fixture.assetIds) {
        const range = { assetId, metrics, from: 0, to: Date.UTC(2100, 0, 1) };
        expect(await infl.queryRange(range), assetId).toEqual(await duck.queryRange(range));
        expect(await infl.latest(assetId)).toEqual(await duck.latest(assetId));
      }
    } finally {
      await duck.close();
      await infl.close();
    }
  }, 180_000);

  it('a re-run with --resume changes nothing; without it the non-empty target is refused', async () => {
    const again = await runMigration(options({ resume: true }));
    expect(again.ok, formatResult(again)).toBe(true);
    expect(again.relational!.tables.filter((t) => t.inserted > 0)).toEqual([]);
    expect(again.telemetry!.mismatches).toEqual([]);

    const refused = await runMigration(options()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MigrateError);
    expect((refused as MigrateError).exitCode).toBe(1);
    expect((refused as Error).message).toMatch(/already holds data/);

    const telemetryOnly = await runMigration(options({ databaseUrl: undefined })).catch((e: unknown) => e);
    expect((telemetryOnly as Error).message).toMatch(/already holds telemetry/);
  }, 180_000);

  it('resumes a partly copied target (missing rows, an issued invoice already in place)', async () => {
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      await client.query(`DELETE FROM credit_notes`);
      await client.query(`DELETE FROM stock_movements WHERE id > 'sm_000100'`);
      await client.query(`DELETE FROM invoice_lines WHERE invoice_id = 'inv_2'`);
    } finally {
      await client.end();
    }
    const result = await runMigration(options({ influx: undefined, resume: true }));
    expect(result.ok, formatResult(result)).toBe(true);
    const inserted = Object.fromEntries(result.relational!.tables.filter((t) => t.inserted).map((t) => [t.table, t.inserted]));
    expect(inserted).toEqual({ credit_notes: 1, stock_movements: SMALL.movements - 101, invoice_lines: 2 });
  }, 120_000);

  it('copies only a time range of telemetry when asked', async () => {
    const db2 = `${database}_range`;
    const from = Date.UTC(2026, 0, 1, 2);
    const to = Date.UTC(2026, 0, 1, 5);
    try {
      const result = await runMigration(options({ databaseUrl: undefined, influx: { ...influx, database: db2 }, from, to }));
      expect(result.ok).toBe(true);
      expect(result.telemetry!.readings).toBe(fixture.assetIds.length * 180);
    } finally {
      await influxQl(`DROP DATABASE ${db2}`).catch(() => {});
    }
  }, 60_000);

  it('CLI: exit codes and messages', async () => {
    const dead = `postgres://postgres@127.0.0.1:${await freePort()}/x`;
    const unreachable = cli(['--from-data-dir', dir.path, '--to-database-url', dead, '--quiet']);
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach PostgreSQL at 127\.0\.0\.1/);

    const missing = cli(['--from-data-dir', join(dir.path, 'missing'), '--to-database-url', dead]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/is not a directory/);

    const nonEmpty = cli(['--from-data-dir', dir.path, '--to-database-url', target.url, '--quiet']);
    expect(nonEmpty.status).toBe(1);
    expect(nonEmpty.stderr).toMatch(/already holds data/);

    const dry = cli(['--from-data-dir', dir.path, '--to-database-url', target.url, '--to-influx-url', influxUrl, '--influx-version', '1', '--influx-bucket', database, '--dry-run']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/DRY RUN/);
    expect(dry.stdout).toMatch(/target: NOT EMPTY/);
  }, 120_000);
});
