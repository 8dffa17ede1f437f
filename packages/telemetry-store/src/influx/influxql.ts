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

export interface InfluxSeries {
  readonly name?: string;
  readonly columns: readonly string[];
  readonly values?: readonly (readonly (number | string | boolean | null)[])[];
}

export interface InfluxStatementResult {
  readonly statement_id?: number;
  readonly series?: readonly InfluxSeries[];
  readonly error?: string;
}

export interface QueryEndpoint {
  readonly url: string;
  readonly database: string;
  readonly retentionPolicy?: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
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
 * 1.x and keeps long queries out of URLs). Times come back as epoch ms.
 * Any statement error rejects: a partial answer would silently drop data.
 */
export async function influxQuery(
  ep: QueryEndpoint,
  q: string,
  params?: Readonly<Record<string, string | number>>,
): Promise<InfluxStatementResult[]> {
  const form = new URLSearchParams({ q, db: ep.database, epoch: 'ms' });
  if (ep.retentionPolicy) form.set('rp', ep.retentionPolicy);
  if (params && Object.keys(params).length > 0) form.set('params', JSON.stringify(params));
  let res: Response;
  try {
    res = await fetch(`${ep.url}/query`, {
      method: 'POST',
      headers: { ...ep.headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      signal: AbortSignal.timeout(ep.timeoutMs),
    });
  } catch (err) {
    throw new InfluxQueryError(`InfluxDB at ${ep.url} unreachable: ${errorText(err)}`);
  }
  const text = await res.text();
  let body: { results?: InfluxStatementResult[]; error?: string } = {};
  try {
    body = text ? (JSON.parse(text) as typeof body) : {};
  } catch {
    // not JSON (a proxy's error page): reported below with the status
  }
  if (!res.ok || body.error) {
    throw new InfluxQueryError(`InfluxDB query failed (${res.status}): ${body.error ?? text.slice(0, 200)}`, res.status);
  }
  const results = body.results ?? [];
  const failed = results.find((r) => r.error);
  if (failed) throw new InfluxQueryError(`InfluxDB query failed: ${failed.error}`);
  return results;
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
