import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { knownMigrations, migrationCatalog, openDb, readSqliteCatalog, type CatalogTable } from '@hourmeter/db';
import type { Logger } from '@hourmeter/runtime';
import { errorMessage, MigrateError } from './errors.js';
import { fmt, type Progress } from './progress.js';

// int8 columns hold epoch ms and minor units (far below 2^53): numbers, as in @hourmeter/db.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export const SQLITE_FILE = 'hourmeter.sqlite';

/**
 * Rows that, once in their final state, forbid inserting their children on
 * PostgreSQL: a BEFORE INSERT trigger on `invoice_lines` and `invoice_usage`
 * refuses rows of an issued invoice (migration 0005). Such a parent is copied
 * in `stagingValue` and set to its real value after its children are in —
 * the same draft -> issued step the application takes. Any other INSERT
 * trigger found on the target stops the migration before it starts (see
 * `checkInsertTriggers`), so a new trigger cannot break a copy half way.
 */
export const FROZEN_PARENTS = [
  {
    table: 'invoices',
    key: 'id',
    column: 'status',
    frozenValue: 'issued',
    stagingValue: 'draft',
    children: ['invoice_lines', 'invoice_usage'],
  },
] as const;

export interface TableReport {
  readonly table: string;
  readonly sourceRows: number;
  /** Rows this run inserted (fewer than sourceRows on a resume). */
  readonly inserted: number;
  readonly targetRows: number;
  readonly sourceChecksum: string;
  readonly targetChecksum: string;
  readonly ok: boolean;
}

export interface RelationalPlan {
  readonly sqlitePath: string;
  readonly tables: readonly { name: string; rows: number }[];
  /** Migrations the source lacks; applied to it before copying (as a server start would). */
  readonly pendingSourceMigrations: readonly string[];
  /** Target tables that hold rows already (empty list: the target is empty or not migrated yet). */
  readonly targetNonEmpty: readonly { name: string; rows: number }[];
}

export interface RelationalResult {
  readonly tables: readonly TableReport[];
  readonly rows: number;
  readonly seconds: number;
  readonly sequencesFixed: readonly string[];
  readonly ok: boolean;
}

export interface RelationalOptions {
  readonly dataDir: string;
  readonly targetUrl: string;
  readonly resume: boolean;
  /** Upper bound of rows per INSERT (and per transaction). */
  readonly batchRows?: number | undefined;
  readonly logger: Logger;
  readonly progress: Progress;
}

/** PostgreSQL accepts at most 65535 bind parameters per statement. */
const MAX_PARAMS = 30_000;

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

function sqliteSource(dataDir: string): string {
  const path = join(dataDir, SQLITE_FILE);
  if (!existsSync(path)) throw new MigrateError(`no embedded relational store: ${path} does not exist`);
  return path;
}

function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

async function connectTarget(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (err) {
    throw new MigrateError(`cannot reach PostgreSQL at ${describeTarget(url)}: ${errorMessage(err)}`, 1, { cause: err });
  }
  return client;
}

async function targetRowCounts(client: pg.Client, tables: readonly string[]): Promise<{ name: string; rows: number }[]> {
  const existing = new Set(
    (
      await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`,
      )
    ).rows.map((r) => r.table_name),
  );
  const out: { name: string; rows: number }[] = [];
  for (const name of tables) {
    if (!existing.has(name)) continue;
    const res = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${q(name)}`);
    const rows = res.rows[0]?.n ?? 0;
    if (rows > 0) out.push({ name, rows });
  }
  return out;
}

function appliedMigrations(sqlite: SQLite.Database): string[] {
  const has = sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'`).get();
  if (!has) return [];
  return sqlite.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all() as string[];
}

/** What would be copied, without writing anything anywhere. */
export async function planRelational(opts: { dataDir: string; targetUrl?: string | undefined }): Promise<RelationalPlan> {
  const sqlitePath = sqliteSource(opts.dataDir);
  const sqlite = new SQLite(sqlitePath, { readonly: true, fileMustExist: true });
  try {
    const known = await knownMigrations();
    const applied = new Set(appliedMigrations(sqlite));
    const pending = known.filter((m) => !applied.has(m));
    // A source behind the code is planned with the tables the migrations will give it.
    const catalog = pending.length ? await migrationCatalog() : readSqliteCatalog(sqlite);
    const present = new Set(readSqliteCatalog(sqlite).map((t) => t.name));
    const tables = catalog.map((t) => ({
      name: t.name,
      rows: present.has(t.name) ? (sqlite.prepare(`SELECT count(*) FROM ${q(t.name)}`).pluck().get() as number) : 0,
    }));
    let targetNonEmpty: { name: string; rows: number }[] = [];
    if (opts.targetUrl) {
      const client = await connectTarget(opts.targetUrl);
      try {
        targetNonEmpty = await targetRowCounts(client, tables.map((t) => t.name));
      } finally {
        await client.end();
      }
    }
    return { sqlitePath, tables, pendingSourceMigrations: pending, targetNonEmpty };
  } finally {
    sqlite.close();
  }
}

/**
 * The relational half of a migration, in two steps so every target can be
 * checked before anything is written: `prepare` migrates source and target
 * schemas and refuses a non-empty target; `run` copies and verifies.
 */
export async function prepareRelational(opts: RelationalOptions): Promise<{ run(): Promise<RelationalResult>; close(): Promise<void> }> {
  const sqlitePath = sqliteSource(opts.dataDir);
  // Bring the source to this code's schema, exactly as a server start would.
  try {
    await (await openDb({ dataDir: opts.dataDir, logger: opts.logger })).close();
  } catch (err) {
    throw new MigrateError(`cannot open the embedded store ${sqlitePath}: ${errorMessage(err)}`, 1, { cause: err });
  }
  const target = describeTarget(opts.targetUrl);
  // Reachability first, so an unreachable server is reported as such.
  await (await connectTarget(opts.targetUrl)).end();
  try {
    await (await openDb({ databaseUrl: opts.targetUrl, dataDir: opts.dataDir, logger: opts.logger })).close();
  } catch (err) {
    throw new MigrateError(`cannot apply the migrations to PostgreSQL at ${target}: ${errorMessage(err)}`, 1, { cause: err });
  }

  const sqlite = new SQLite(sqlitePath, { readonly: true, fileMustExist: true });
  const client = await connectTarget(opts.targetUrl);
  const close = async () => {
    sqlite.close();
    await client.end().catch(() => {});
  };
  try {
    const catalog = readSqliteCatalog(sqlite);
    const expected = await migrationCatalog();
    const diff = catalogDifference(catalog, expected);
    if (diff) throw new MigrateError(`the embedded store's schema differs from this version's migrations: ${diff}`);
    await checkTargetColumns(client, catalog);
    await checkInsertTriggers(client);
    const nonEmpty = await targetRowCounts(client, catalog.map((t) => t.name));
    if (nonEmpty.length > 0 && !opts.resume) {
      throw new MigrateError(
        `PostgreSQL at ${target} already holds data (${nonEmpty.map((t) => `${t.name}: ${fmt(t.rows)}`).join(', ')}); ` +
          'migrate into an empty database, or pass --resume to complete an interrupted migration into this one',
      );
    }
    return {
      run: () => copyAndVerify(sqlite, client, catalog, opts),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

function catalogDifference(actual: readonly CatalogTable[], expected: readonly CatalogTable[]): string | undefined {
  const sig = (t: CatalogTable) => `${t.name}(${t.columns.map((c) => `${c.name} ${c.type}`).join(', ')})`;
  const a = new Map(actual.map((t) => [t.name, sig(t)]));
  const e = new Map(expected.map((t) => [t.name, sig(t)]));
  const problems: string[] = [];
  for (const [name, s] of e) if (a.get(name) !== s) problems.push(a.has(name) ? `table ${name} differs` : `table ${name} is missing`);
  for (const name of a.keys()) if (!e.has(name)) problems.push(`unknown table ${name}`);
  return problems.length ? problems.join('; ') : undefined;
}

async function checkTargetColumns(client: pg.Client, catalog: readonly CatalogTable[]): Promise<void> {
  const res = await client.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`,
  );
  const cols = new Map<string, Set<string>>();
  for (const r of res.rows) {
    let s = cols.get(r.table_name);
    if (!s) cols.set(r.table_name, (s = new Set()));
    s.add(r.column_name);
  }
  for (const t of catalog) {
    const have = cols.get(t.name);
    const missing = t.columns.filter((c) => !have?.has(c.name)).map((c) => c.name);
    if (!have || missing.length) {
      throw new MigrateError(`PostgreSQL target lacks ${have ? `columns ${missing.join(', ')} of` : 'table'} ${t.name}`);
    }
  }
}

/** Refuses to start when the target has an INSERT trigger the copy does not know how to satisfy. */
async function checkInsertTriggers(client: pg.Client): Promise<void> {
  const res = await client.query<{ table_name: string; trigger_name: string }>(
    `SELECT DISTINCT event_object_table AS table_name, trigger_name FROM information_schema.triggers
     WHERE trigger_schema = current_schema() AND event_manipulation = 'INSERT'`,
  );
  const handled = new Set<string>(FROZEN_PARENTS.flatMap((p) => p.children));
  const unknown = res.rows.filter((r) => !handled.has(r.table_name));
  if (unknown.length) {
    throw new MigrateError(
      `PostgreSQL target has INSERT triggers the migration does not handle: ${unknown.map((r) => `${r.trigger_name} on ${r.table_name}`).join(', ')}`,
    );
  }
}

type Row = Record<string, unknown>;

async function copyAndVerify(
  sqlite: SQLite.Database,
  client: pg.Client,
  catalog: readonly CatalogTable[],
  opts: RelationalOptions,
): Promise<RelationalResult> {
  const started = performance.now();
  const inserted = new Map<string, number>();
  let total = 0;
  for (const table of catalog) {
    const t0 = performance.now();
    const n = await copyTable(sqlite, client, table, opts);
    inserted.set(table.name, n);
    total += n;
    const s = (performance.now() - t0) / 1000;
    opts.progress.line(`  ${table.name}: ${fmt(n)} row(s) copied${n > 0 ? ` (${fmt(n / Math.max(s, 1e-3))} rows/s)` : ''}`);
  }
  await releaseFrozenParents(sqlite, client, catalog);
  const sequencesFixed = await fixSequences(client);
  const seconds = (performance.now() - started) / 1000;

  opts.progress.line('verifying row counts and checksums ...');
  const tables: TableReport[] = [];
  for (const table of catalog) {
    const src = sqliteChecksum(sqlite, table);
    const dst = await pgChecksum(client, table);
    tables.push({
      table: table.name,
      sourceRows: src.rows,
      inserted: inserted.get(table.name) ?? 0,
      targetRows: dst.rows,
      sourceChecksum: src.checksum,
      targetChecksum: dst.checksum,
      ok: src.rows === dst.rows && src.checksum === dst.checksum,
    });
  }
  return { tables, rows: total, seconds, sequencesFixed, ok: tables.every((t) => t.ok) };
}

/** Copies one table in rowid order, in batches, each in its own transaction. Returns rows inserted. */
async function copyTable(sqlite: SQLite.Database, client: pg.Client, table: CatalogTable, opts: RelationalOptions): Promise<number> {
  const cols = table.columns.map((c) => c.name);
  const batch = Math.max(1, Math.min(opts.batchRows ?? 1_000, Math.floor(MAX_PARAMS / cols.length)));
  const frozen = FROZEN_PARENTS.find((p) => p.table === table.name);
  const self = new Set(table.selfReferences);
  const select = sqlite.prepare(
    `SELECT rowid AS __rowid, ${cols.map(q).join(', ')} FROM ${q(table.name)} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
  );
  if (opts.resume && table.primaryKey.length === 0) {
    const [{ n } = { n: 0 }] = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${q(table.name)}`)).rows;
    if (n > 0) throw new MigrateError(`cannot resume table ${table.name}: it has no primary key and holds ${n} row(s) already`);
  }
  let after = Number.MIN_SAFE_INTEGER;
  let insertedTotal = 0;
  for (;;) {
    const rows = select.all(after, batch) as (Row & { __rowid: number })[];
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.__rowid;
    let values = rows.map((r) =>
      cols.map((c) => {
        if (self.has(c)) return null; // set by fixSelfReferences once every row exists
        if (frozen && c === frozen.column && r[c] === frozen.frozenValue) return frozen.stagingValue;
        return r[c];
      }),
    );
    if (opts.resume) values = await withoutExisting(client, table, values);
    if (values.length === 0) continue;
    const params: unknown[] = [];
    const tuples = values.map((v) => `(${v.map((x) => (params.push(x), `$${params.length}`)).join(', ')})`);
    await client.query('BEGIN');
    try {
      const res = await client.query(
        `INSERT INTO ${q(table.name)} (${cols.map(q).join(', ')}) VALUES ${tuples.join(', ')}${opts.resume ? ' ON CONFLICT DO NOTHING' : ''}`,
        params,
      );
      await client.query('COMMIT');
      insertedTotal += res.rowCount ?? 0;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw new MigrateError(`copying ${table.name} failed after ${fmt(insertedTotal)} row(s): ${errorMessage(err)}`, 1, { cause: err });
    }
    opts.progress.status(`  ${table.name}: ${fmt(insertedTotal)} row(s) ...`);
  }
  if (self.size > 0) await fixSelfReferences(sqlite, client, table, batch);
  return insertedTotal;
}

/**
 * On a resume, rows whose primary key is already in the target are dropped
 * before the INSERT: ON CONFLICT alone is not enough, because BEFORE INSERT
 * triggers (issued invoices) fire before the conflict is detected.
 */
async function withoutExisting(client: pg.Client, table: CatalogTable, values: unknown[][]): Promise<unknown[][]> {
  const pk = table.primaryKey;
  const idx = pk.map((k) => table.columns.findIndex((c) => c.name === k));
  const params: unknown[] = [];
  const tuples = values.map((v) => `(${idx.map((i) => (params.push(v[i]), `$${params.length}::${pgType(table, pk[idx.indexOf(i)]!)}`)).join(', ')})`);
  const res = await client.query<unknown[]>({
    text: `SELECT ${pk.map(q).join(', ')} FROM ${q(table.name)} WHERE (${pk.map(q).join(', ')}) IN (${tuples.join(', ')})`,
    values: params,
    rowMode: 'array',
  });
  const existing = new Set(res.rows.map((r) => JSON.stringify(r)));
  return values.filter((v) => !existing.has(JSON.stringify(idx.map((i) => v[i]))));
}

function pgType(table: CatalogTable, column: string): string {
  const type = table.columns.find((c) => c.name === column)?.type ?? 'text';
  return /^(text|bigint|integer|double precision)$/.test(type) ? type : 'text';
}

/** Sets self-referencing columns (inserted as NULL) once every row of the table exists. */
async function fixSelfReferences(sqlite: SQLite.Database, client: pg.Client, table: CatalogTable, batch: number): Promise<void> {
  const pk = table.primaryKey;
  if (pk.length === 0) throw new MigrateError(`table ${table.name} references itself but has no primary key`);
  const refs = table.selfReferences;
  const cols = [...pk, ...refs];
  const rows = sqlite
    .prepare(`SELECT ${cols.map(q).join(', ')} FROM ${q(table.name)} WHERE ${refs.map((r) => `${q(r)} IS NOT NULL`).join(' OR ')}`)
    .raw(true)
    .all() as unknown[][];
  for (let i = 0; i < rows.length; i += batch) {
    const params: unknown[] = [];
    const tuples = rows
      .slice(i, i + batch)
      .map((r) => `(${r.map((v, j) => (params.push(v), `$${params.length}::${pgType(table, cols[j]!)}`)).join(', ')})`);
    await client.query(
      `UPDATE ${q(table.name)} AS t SET ${refs.map((r) => `${q(r)} = v.${q(r)}`).join(', ')}
       FROM (VALUES ${tuples.join(', ')}) AS v(${cols.map(q).join(', ')})
       WHERE ${pk.map((k) => `t.${q(k)} = v.${q(k)}`).join(' AND ')}
         AND (${refs.map((r) => `t.${q(r)} IS DISTINCT FROM v.${q(r)}`).join(' OR ')})`,
      params,
    );
  }
}

/** Gives frozen parents (issued invoices) their real value now that their children are copied. */
async function releaseFrozenParents(sqlite: SQLite.Database, client: pg.Client, catalog: readonly CatalogTable[]): Promise<void> {
  for (const p of FROZEN_PARENTS) {
    if (!catalog.some((t) => t.name === p.table)) continue;
    const keys = sqlite
      .prepare(`SELECT ${q(p.key)} FROM ${q(p.table)} WHERE ${q(p.column)} = ?`)
      .pluck()
      .all(p.frozenValue) as string[];
    for (let i = 0; i < keys.length; i += 1_000) {
      await client.query(
        `UPDATE ${q(p.table)} SET ${q(p.column)} = $1 WHERE ${q(p.key)} = ANY($2::text[]) AND ${q(p.column)} IS DISTINCT FROM $1`,
        [p.frozenValue, keys.slice(i, i + 1_000)],
      );
    }
  }
}

/** serial/identity columns (none today): their sequences continue after the copied maximum. */
async function fixSequences(client: pg.Client): Promise<string[]> {
  const res = await client.query<{ table_name: string; column_name: string; seq: string | null }>(
    `SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) AS seq
     FROM information_schema.columns
     WHERE table_schema = current_schema() AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')`,
  );
  const fixed: string[] = [];
  for (const r of res.rows) {
    if (!r.seq) continue;
    await client.query(
      `SELECT setval($1::regclass, COALESCE((SELECT max(${q(r.column_name)}) FROM ${q(r.table_name)}), 0) + 1, false)`,
      [r.seq],
    );
    fixed.push(`${r.table_name}.${r.column_name}`);
  }
  return fixed;
}

/**
 * Order-independent checksum of every column of every row: the sum (mod 2^64)
 * of each row's SHA-256 prefix over its JSON. Same multiset of rows, same sum,
 * whatever order or collation each engine returns them in.
 */
class RowSetHash {
  rows = 0;
  private sum = 0n;
  add(row: readonly unknown[]): void {
    const digest = createHash('sha256').update(JSON.stringify(row.map(normalise))).digest();
    this.sum = (this.sum + digest.readBigUInt64BE(0)) & 0xffffffffffffffffn;
    this.rows++;
  }
  get checksum(): string {
    return this.sum.toString(16).padStart(16, '0');
  }
}

function normalise(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  if (Buffer.isBuffer(v)) return v.toString('base64');
  return v;
}

function sqliteChecksum(sqlite: SQLite.Database, table: CatalogTable): { rows: number; checksum: string } {
  const h = new RowSetHash();
  const stmt = sqlite.prepare(`SELECT ${table.columns.map((c) => q(c.name)).join(', ')} FROM ${q(table.name)}`).raw(true);
  for (const row of stmt.iterate() as Iterable<unknown[]>) h.add(row);
  return { rows: h.rows, checksum: h.checksum };
}

async function pgChecksum(client: pg.Client, table: CatalogTable): Promise<{ rows: number; checksum: string }> {
  const h = new RowSetHash();
  await client.query('BEGIN READ ONLY');
  try {
    await client.query(`DECLARE hm_verify NO SCROLL CURSOR FOR SELECT ${table.columns.map((c) => q(c.name)).join(', ')} FROM ${q(table.name)}`);
    for (;;) {
      const res = await client.query<unknown[]>({ text: 'FETCH 5000 FROM hm_verify', rowMode: 'array' });
      for (const row of res.rows) h.add(row);
      if (res.rows.length < 5000) break;
    }
  } finally {
    await client.query('COMMIT').catch(() => {});
  }
  return { rows: h.rows, checksum: h.checksum };
}
