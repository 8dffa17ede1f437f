import type SQLite from 'better-sqlite3';
import type { Compilable, Kysely } from 'kysely';

/**
 * Bulk writes of the billing path (issue #16, benchmark). Kysely compiles a
 * multi-row INSERT anew for every chunk, and better-sqlite3 prepares each
 * of those statements anew: for hundreds of thousands of usage rows that is
 * most of a run's time. On SQLite one single-row statement is compiled and
 * prepared once and run per row instead, on the same connection and so
 * inside the caller's transaction. PostgreSQL keeps multi-row statements
 * (one round trip per chunk).
 */

const handles = new WeakMap<object, SQLite.Database>();

/** Remembers the better-sqlite3 connection behind a Kysely instance (connect.ts). */
export function registerSqliteHandle(kysely: Kysely<never> | object, sqlite: SQLite.Database): void {
  handles.set(kysely, sqlite);
}

export type Row = Record<string, unknown>;
type Query = Compilable & { execute(): Promise<unknown> };

/**
 * On SQLite, runs `build(row)` for every row as one prepared statement
 * (`paramsOf(row)`, a new array per row, must be exactly what Kysely binds for
 * it, checked on the first row) and answers true; elsewhere, or when the check
 * fails, does nothing and answers false, so the caller takes the general way.
 */
export function perRowOnSqlite<R>(root: object, rows: readonly R[], build: (row: R) => Compilable, paramsOf: (row: R) => unknown[]): boolean {
  const sqlite = handles.get(root);
  if (!sqlite || rows.length === 0) return false;
  const compiled = build(rows[0]!).compile();
  const expected = paramsOf(rows[0]!);
  if (compiled.parameters.length !== expected.length || !compiled.parameters.every((p, i) => p === expected[i])) return false;
  const statement = sqlite.prepare(compiled.sql);
  for (const r of rows) {
    // Converted in place: no second array per row (a run binds hundreds of thousands).
    const params = paramsOf(r);
    for (let i = 0; i < params.length; i++) params[i] = sqliteValue(params[i]);
    statement.run(params);
  }
  return true;
}

/**
 * Inserts rows with `build` (an INSERT of the given rows, any ON CONFLICT
 * clause without parameters): per row on SQLite, in chunks of `chunk` rows
 * elsewhere. Every row must have the first row's keys in the same order.
 */
export async function insertRows<R extends Row>(root: object, rows: readonly R[], build: (rows: R[]) => Query, chunk = 1000): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  if (perRowOnSqlite(root, rows, (r) => build([r]), (r) => columns.map((c) => r[c]))) return;
  for (let i = 0; i < rows.length; i += chunk) await build(rows.slice(i, i + chunk)).execute();
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null. */
const sqliteValue = (v: unknown): unknown => (v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v);
