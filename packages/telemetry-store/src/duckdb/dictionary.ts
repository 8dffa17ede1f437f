import type { DuckDBConnection } from '@duckdb/node-api';
import { appendRows } from './append-rows.js';

/** What a dictionary id stands for; stored as a TINYINT in `names.kind`. */
export const NameKind = { asset: 0, device: 1, metric: 2 } as const;
export type NameKind = (typeof NameKind)[keyof typeof NameKind];

/**
 * Dictionary coding of asset, device and metric names to small integers.
 *
 * Why: every stored value carries its asset, device and metric. As INTEGER ids
 * these columns compress to (almost) nothing once sorted, the appender writes
 * ints instead of strings, and filters compare ints. The table is tiny, so it
 * is cached whole in memory. Ids handed out during a transaction are
 * provisional until `commit()`; `rollback()` forgets them, so a failed batch
 * cannot leave the cache pointing at ids the file does not have.
 */
export class NameDictionary {
  // One map per kind, indexed by NameKind, so a lookup hashes the name as it
  // is (JSON.parse interns keys, their hash is cached) instead of building a
  // "kind:name" string for every value of every reading.
  private readonly ids: Map<string, number>[] = [new Map(), new Map(), new Map()];
  private readonly names: Map<number, string>[] = [new Map(), new Map(), new Map()];
  private readonly nextId = new Map<NameKind, number>();
  private pending: { kind: NameKind; name: string; id: number }[] = [];

  static async load(conn: DuckDBConnection): Promise<NameDictionary> {
    const dict = new NameDictionary();
    const reader = await conn.runAndReadAll('SELECT kind, name, id FROM names');
    for (const [kind, name, id] of reader.getRowsJS() as [number, string, number][]) {
      dict.remember(kind as NameKind, name, id);
    }
    return dict;
  }

  /** The id of a known name, or undefined (reads never create names). */
  find(kind: NameKind, name: string): number | undefined {
    return this.ids[kind]!.get(name);
  }

  nameOf(kind: NameKind, id: number): string {
    const name = this.names[kind]!.get(id);
    if (name === undefined) throw new Error(`dictionary has no ${kind}:${id}`);
    return name;
  }

  /** The id of `name`, assigning a provisional one if it is new. */
  idFor(kind: NameKind, name: string): number {
    const known = this.ids[kind]!.get(name);
    if (known !== undefined) return known;
    const id = this.nextId.get(kind) ?? 1;
    this.remember(kind, name, id);
    this.pending.push({ kind, name, id });
    return id;
  }

  /** Provisional ids of one kind (e.g. metrics that need a column). */
  pendingIds(kind: NameKind): number[] {
    return this.pending.filter((p) => p.kind === kind).map((p) => p.id);
  }

  /** Inserts the provisional names inside the caller's open transaction. */
  async persistPending(conn: DuckDBConnection): Promise<void> {
    if (this.pending.length === 0) return;
    // One appender, not one INSERT per name: each statement is a round trip
    // of a few ms, and a fleet's first batch brings hundreds of new names.
    await appendRows(conn, 'names', this.pending, (appender, p) => {
      appender.appendTinyInt(p.kind);
      appender.appendVarchar(p.name);
      appender.appendInteger(p.id);
    });
  }

  commit(): void {
    this.pending = [];
  }

  rollback(): void {
    for (const p of this.pending) {
      this.ids[p.kind]!.delete(p.name);
      this.names[p.kind]!.delete(p.id);
      // Pending ids are the highest of their kind: hand the lowest out again.
      this.nextId.set(p.kind, Math.min(this.nextId.get(p.kind) ?? 1, p.id));
    }
    this.pending = [];
  }

  private remember(kind: NameKind, name: string, id: number): void {
    const ids = this.ids[kind];
    if (!ids) throw new Error(`names table holds an unknown kind ${kind} (${name})`);
    ids.set(name, id);
    this.names[kind]!.set(id, name);
    this.nextId.set(kind, Math.max(this.nextId.get(kind) ?? 1, id + 1));
  }
}
