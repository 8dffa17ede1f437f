import type { IdKind } from '@hourmeter/domain';
import { newId } from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import type { Kysely, SelectQueryBuilder, Transaction } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database } from '../schema.js';

export type Executor = Kysely<Database> | Transaction<Database>;
export type TableName = keyof Database;

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface ListOptions<F> {
  limit?: number | undefined;
  cursor?: string | undefined;
  filters?: Partial<F> | undefined;
}

// Dynamic table names defeat Kysely's typing; specs keep row shapes honest.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyQuery = SelectQueryBuilder<any, any, any>;
type Row = Record<string, unknown>;

/** A filter is a column compared for equality, or a function narrowing the query. */
export type FilterSpec = string | ((qb: AnyQuery, value: string) => AnyQuery);

export interface Reference {
  table: TableName;
  id: string | undefined;
  /** Body field that names it, for the error message. */
  field: string;
  label: string;
}

export interface EntitySpec<T, In, F> {
  table: TableName;
  idKind: IdKind;
  label: string;
  fromRow(row: Row): T;
  /** Columns for an input (without id and timestamps) of the record `id`; may read other tables. */
  toRow(input: In, tx: Executor, id: string): Promise<Row> | Row;
  /** Parses a merged (existing + patch) object back into a full input. */
  parseInput(merged: unknown): In;
  references?(input: In): Reference[];
  filters: { [K in keyof F]: FilterSpec };
}

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

/**
 * Create / get / list / update / delete for one registry table, each in one
 * transaction: references are checked first (precise 422 naming the field),
 * constraint violations become 409s, and nothing is half-written.
 */
export function crudRepository<T, In, F>(db: Kysely<Database>, spec: EntitySpec<T, In, F>) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const any = (ex: Executor) => ex as unknown as Kysely<any>;

  async function checkReferences(tx: Executor, input: In): Promise<void> {
    for (const ref of spec.references?.(input) ?? []) {
      if (ref.id === undefined) continue;
      const found = await any(tx).selectFrom(ref.table).select('id').where('id', '=', ref.id).executeTakeFirst();
      if (!found) {
        throw new AppError('REFERENCE_NOT_FOUND', `${ref.field}: ${ref.label} ${ref.id} does not exist`, {
          field: ref.field,
          id: ref.id,
        });
      }
    }
  }

  async function find(id: string, ex: Executor = db): Promise<T | undefined> {
    const row = await any(ex).selectFrom(spec.table).selectAll().where('id', '=', id).executeTakeFirst();
    return row ? spec.fromRow(row) : undefined;
  }

  async function get(id: string, ex: Executor = db): Promise<T> {
    const found = await find(id, ex);
    if (!found) throw notFound(spec.label, id);
    return found;
  }

  async function write<R>(fn: (tx: Transaction<Database>) => Promise<R>): Promise<R> {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      throw translateDbError(err, spec.label);
    }
  }

  return {
    find,
    get,

    create(input: In, now = Date.now()): Promise<T> {
      return write(async (tx) => {
        await checkReferences(tx, input);
        const id = newId(spec.idKind, now);
        const row = { id, ...(await spec.toRow(input, tx, id)), created_at: now, updated_at: now };
        await any(tx).insertInto(spec.table).values(row).execute();
        return get(id, tx);
      });
    },

    async list(opts: ListOptions<F> = {}): Promise<Page<T>> {
      const limit = Math.min(Math.max(opts.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
      let qb: AnyQuery = any(db).selectFrom(spec.table).selectAll().orderBy('id').limit(limit + 1);
      if (opts.cursor) qb = qb.where('id', '>', opts.cursor);
      for (const [key, value] of Object.entries(opts.filters ?? {})) {
        if (value === undefined) continue;
        const filter = spec.filters[key as keyof F];
        qb = typeof filter === 'function' ? filter(qb, String(value)) : qb.where(filter, '=', value);
      }
      const rows = (await qb.execute()) as Row[];
      const items = rows.slice(0, limit).map(spec.fromRow);
      const last = rows.length > limit ? rows[limit - 1] : undefined;
      return { items, nextCursor: last ? String(last.id) : null };
    },

    update(id: string, patch: Partial<In>, now = Date.now()): Promise<T> {
      return write(async (tx) => {
        const existing = await get(id, tx);
        const input = spec.parseInput({ ...existing, ...patch });
        await checkReferences(tx, input);
        const row = { ...(await spec.toRow(input, tx, id)), updated_at: now };
        await any(tx).updateTable(spec.table).set(row).where('id', '=', id).execute();
        return get(id, tx);
      });
    },

    remove(id: string): Promise<void> {
      return write(async (tx) => {
        const res = await any(tx).deleteFrom(spec.table).where('id', '=', id).executeTakeFirst();
        if (Number(res.numDeletedRows) === 0) throw notFound(spec.label, id);
      });
    },
  };
}

export type CrudRepository<T, In, F> = ReturnType<typeof crudRepository<T, In, F>>;
