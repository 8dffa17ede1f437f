import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { registerSqliteHandle } from './bulk.js';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { newId, type IdKind } from '@hourmeter/domain';
import type { Logger } from '@hourmeter/runtime';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: DialectName;
  /** Human-readable location for logs: a file path or a host/database. */
  readonly location: string;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  /** `postgres://...` selects PostgreSQL; otherwise SQLite in `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  logger: Logger;
}

// int8 (bigint) columns hold epoch ms and minor units, all far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Opens the relational store and brings its schema to the latest migration. */
export async function openDb(opts: OpenDbOptions): Promise<Db> {
  const log = opts.logger.child({ svc: 'db' });
  const db = opts.databaseUrl ? openPostgres(opts.databaseUrl, log) : openSqlite(opts.dataDir);
  try {
    await migrate(db.kysely, log);
  } catch (err) {
    await db.close();
    throw err;
  }
  log.info({ dialect: db.dialect, location: db.location }, 'relational store ready');
  return db;
}

function openSqlite(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const file = resolve(join(dataDir, 'hourmeter.sqlite'));
  const sqlite = new SQLite(file);
  // WAL lets readers run beside the writer; synchronous=NORMAL is durable in WAL
  // mode except for the last transactions on power loss (not process crash).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Set-based writes make their rows' ids in SQL (the billing repository's usage sync).
  sqlite.function('hm_new_id', (kind: unknown, now: unknown) => newId(kind as IdKind, Number(now)));
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  registerSqliteHandle(kysely, sqlite);
  return {
    kysely,
    dialect: 'sqlite',
    location: file,
    ping: async () => sqlite.open && sqlite.prepare('SELECT 1').pluck().get() === 1,
    close: () => kysely.destroy(),
  };
}

function openPostgres(url: string, log: Logger): Db {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client dies when the server restarts or drops it: the pool replaces
  // it on the next query. Unhandled, the 'error' event would end the process.
  pool.on('error', (err) => log.warn({ err }, 'idle PostgreSQL connection lost'));
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const parsed = new URL(url);
  return {
    kysely,
    dialect: 'postgres',
    location: `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`,
    ping: async () => {
      try {
        const res = await pool.query('SELECT 1 AS ok');
        return res.rows[0]?.ok === 1;
      } catch {
        return false;
      }
    },
    close: () => kysely.destroy(),
  };
}

async function migrate(kysely: Kysely<Database>, log: Logger): Promise<void> {
  const migrator = new Migrator({ db: kysely, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  for (const r of results ?? []) {
    if (r.status === 'Success') log.info({ migration: r.migrationName }, 'migration applied');
    else if (r.status === 'Error') log.error({ migration: r.migrationName }, 'migration failed');
  }
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/**
 * A transactionally consistent copy of a SQLite store into `file` while it
 * stays online (`VACUUM INTO`): readers and writers of the live store go on.
 */
export async function snapshotSqlite(db: Db, file: string): Promise<void> {
  if (db.dialect !== 'sqlite') throw new Error('snapshotSqlite copies SQLite stores only; use pg_dump for PostgreSQL');
  await sql`VACUUM INTO ${file}`.execute(db.kysely);
}
