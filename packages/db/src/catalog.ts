import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationProvider } from './migrations/index.js';

/** One column as the migrations declared it. */
export interface CatalogColumn {
  readonly name: string;
  /** Declared type, lower case (`text`, `bigint`, `integer`, `double precision`). */
  readonly type: string;
  readonly notNull: boolean;
}

/** One table of the relational store, discovered from the schema (never a hand-kept list). */
export interface CatalogTable {
  readonly name: string;
  /** Columns in declaration order. */
  readonly columns: readonly CatalogColumn[];
  /** Primary key columns in key order (empty when the table has none). */
  readonly primaryKey: readonly string[];
  /** Tables this one references (foreign keys), other than itself. */
  readonly references: readonly string[];
  /** Columns referencing this same table (e.g. `work_orders.repeat_of_id`). */
  readonly selfReferences: readonly string[];
}

interface TableInfoRow {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

interface ForeignKeyRow {
  table: string;
  from: string;
}

/** Kysely's own bookkeeping and SQLite internals are not application data. */
function isApplicationTable(name: string): boolean {
  return !name.startsWith('sqlite_') && !name.startsWith('kysely_');
}

/**
 * The application tables of a SQLite store, in foreign-key order (every table
 * after the tables it references; ties by name, so the order is stable).
 * Read from `sqlite_master` and the table/foreign-key pragmas.
 */
export function readSqliteCatalog(sqlite: SQLite.Database): CatalogTable[] {
  const names = (
    sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[]
  ).filter(isApplicationTable);
  const tables = names.map((name): CatalogTable => {
    const info = sqlite.prepare(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`).all(name) as TableInfoRow[];
    const fks = sqlite.prepare(`SELECT "table", "from" FROM pragma_foreign_key_list(?)`).all(name) as ForeignKeyRow[];
    return {
      name,
      columns: info.map((c) => ({ name: c.name, type: c.type.toLowerCase(), notNull: c.notnull === 1 })),
      primaryKey: info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      references: [...new Set(fks.filter((f) => f.table !== name).map((f) => f.table))].sort(),
      selfReferences: fks.filter((f) => f.table === name).map((f) => f.from),
    };
  });
  return foreignKeyOrder(tables);
}

/** Kahn's algorithm; throws on a cycle between different tables (the copy could not order it). */
export function foreignKeyOrder(tables: readonly CatalogTable[]): CatalogTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const out: CatalogTable[] = [];
  while (out.length < tables.length) {
    const ready = tables.filter((t) => !done.has(t.name) && t.references.every((r) => done.has(r) || !byName.has(r)));
    if (ready.length === 0) {
      const left = tables.filter((t) => !done.has(t.name)).map((t) => t.name);
      throw new Error(`foreign keys form a cycle between tables: ${left.join(', ')}`);
    }
    for (const t of ready) {
      done.add(t.name);
      out.push(t);
    }
  }
  return out;
}

/**
 * The catalog the migrations produce: applies every migration to an in-memory
 * SQLite database and reads it back. What a store at the latest migration holds.
 */
export async function migrationCatalog(): Promise<CatalogTable[]> {
  const sqlite = new SQLite(':memory:');
  const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    const { error } = await new Migrator({ db: kysely, provider: migrationProvider }).migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
    return readSqliteCatalog(sqlite);
  } finally {
    await kysely.destroy();
  }
}

/** Names of the migrations this code knows, in the order they apply. */
export async function knownMigrations(): Promise<string[]> {
  return Object.keys(await migrationProvider.getMigrations()).sort();
}
