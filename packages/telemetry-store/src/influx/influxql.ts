/**
 * InfluxQL over HTTP `/query`: the one read path that works on 1.x, on 2.x
 * (through its DBRP mapping; every bucket has a virtual one since 2.2) and
 * on 3.x.
 */

/** `"name"` with `\` and `"` escaped: safe for any metric or measurement name. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `'value'` with `\` and `'` escaped, for servers without bound parameters. */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

type Row = readonly (number | string | boolean | null)[];

export interface InfluxSeries {
  readonly name?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly columns: readonly string[];
  readonly values?: readonly Row[];
  /** More rows of this series follow in a later chunk (chunked), or the server cut it off (row limit). */
  readonly partial?: boolean;
}

export interface InfluxStatementResult {
  readonly statement_id?: number;
  readonly series?: readonly InfluxSeries[];
  readonly error?: string;
  /** More of this statement's result follows in a later chunk. */
  readonly partial?: boolean;
}

export interface QueryEndpoint {
  readonly url: string;
  readonly database: string;
  readonly retentionPolicy?: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Rows per response chunk; the server's default (10,000) when omitted. */
  readonly chunkSize?: number | undefined;
}

export interface QueryOptions {
  readonly params?: Readonly<Record<string, string | number>> | undefined;
  /**
   * `ms` (default): times as epoch ms numbers. `rfc3339`: RFC3339 strings
   * with every nanosecond, which JSON numbers cannot carry exactly.
   */
  readonly times?: 'ms' | 'rfc3339' | undefined;
}

export class InfluxQueryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'InfluxQueryError';
  }
}

/**
 * Runs `;`-separated statements in one POST (POST is required for DELETE on
 * 1.x and keeps long queries out of URLs), results in statement order.
 *
 * Always chunked: a non-chunked answer is cut at the server's row limit
 * (1.x `[http] max-row-limit`) and only flagged `"partial": true`, while
 * chunked responses are exempt from that limit and arrive as one JSON object
 * per line, which are merged back here. Anything still partial at the end
 * (a server that ignored `chunked` and truncated, or a cut-off stream)
 * rejects, as does any statement error: incomplete data must not pass for
 * the whole answer.
 */
export async function influxQuery(ep: QueryEndpoint, q: string, opts: QueryOptions = {}): Promise<InfluxStatementResult[]> {
  const form = new URLSearchParams({ q, db: ep.database, chunked: 'true' });
  if (ep.chunkSize !== undefined) form.set('chunk_size', String(ep.chunkSize));
  if ((opts.times ?? 'ms') === 'ms') form.set('epoch', 'ms');
  if (ep.retentionPolicy) form.set('rp', ep.retentionPolicy);
  if (opts.params && Object.keys(opts.params).length > 0) form.set('params', JSON.stringify(opts.params));
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${ep.url}/query`, {
      method: 'POST',
      headers: { ...ep.headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      signal: AbortSignal.timeout(ep.timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    throw new InfluxQueryError(`InfluxDB at ${ep.url} unreachable or its response broke off: ${errorText(err)}`);
  }
  const chunks: { results?: InfluxStatementResult[]; error?: string }[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      chunks.push(JSON.parse(line) as (typeof chunks)[number]);
    } catch {
      // not JSON (a proxy's error page): reported with the status
      throw new InfluxQueryError(`InfluxDB query failed (${res.status}): ${text.slice(0, 200)}`, res.status);
    }
  }
  const topError = chunks.find((c) => c.error)?.error;
  if (!res.ok || topError) {
    throw new InfluxQueryError(`InfluxDB query failed (${res.status}): ${topError ?? text.slice(0, 200)}`, res.status);
  }
  return mergeChunks(chunks.flatMap((c) => c.results ?? []));
}

interface MergedStatement {
  statement_id: number;
  series: (InfluxSeries & { values: Row[] })[];
  /** The statement's last piece said more pieces follow. */
  open: boolean;
  /** The last series piece said more of its rows follow. */
  seriesOpen: boolean;
}

/** Chunk pieces of one statement (same statement_id) concatenated: a series continues while its previous piece was partial. */
function mergeChunks(pieces: readonly InfluxStatementResult[]): InfluxStatementResult[] {
  const byId = new Map<number, MergedStatement>();
  for (const piece of pieces) {
    if (piece.error) throw new InfluxQueryError(`InfluxDB query failed: ${piece.error}`);
    const id = piece.statement_id ?? 0;
    let st = byId.get(id);
    if (!st) {
      st = { statement_id: id, series: [], open: false, seriesOpen: false };
      byId.set(id, st);
    }
    for (const s of piece.series ?? []) {
      const prev = st.series[st.series.length - 1];
      if (prev && st.seriesOpen && prev.name === s.name && sameTags(prev.tags, s.tags)) {
        for (const row of s.values ?? []) prev.values.push(row);
      } else st.series.push({ name: s.name, tags: s.tags, columns: s.columns, values: [...(s.values ?? [])] });
      st.seriesOpen = s.partial === true;
    }
    st.open = piece.partial === true;
  }
  const truncated = [...byId.values()].find((st) => st.open || st.seriesOpen);
  if (truncated) {
    throw new InfluxQueryError(
      `InfluxDB returned a partial result for statement ${truncated.statement_id}: the server's row limit ` +
        '(1.x [http] max-row-limit) truncated it or the response ended early; refusing incomplete data',
    );
  }
  return [...byId.values()].sort((a, b) => a.statement_id - b.statement_id).map(({ statement_id, series }) => ({ statement_id, series }));
}

function sameTags(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => a?.[k] === b?.[k]);
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
