/** A minimal client of the Hourmeter REST API (`/api/v1`, Bearer API key). */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export class ApiClient {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly apiKey: string,
  ) {
    this.base = `${baseUrl.replace(/\/+$/, '')}/api/v1`;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (err) {
      throw new ApiError(0, 'UNREACHABLE', `${method} ${this.base}${path}: ${(err as Error).message}`);
    }
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const problem = (json ?? {}) as { code?: string; detail?: string; title?: string };
      throw new ApiError(res.status, problem.code, `${method} ${path}: ${res.status} ${problem.code ?? ''} ${problem.detail ?? problem.title ?? text}`.trim());
    }
    return json as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /** Every item of a cursor-paginated list. */
  async all<T>(path: string, query: Record<string, string> = {}): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams({ ...query, limit: '500', ...(cursor ? { cursor } : {}) });
      const page: Page<T> = await this.get<Page<T>>(`${path}?${q.toString()}`);
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }
}
