/**
 * The console's only way to Hourmeter: the public HTTP API under /api/v1,
 * signed in as a person (the httpOnly session cookie, with the session's CSRF
 * token on every write) or with an API key as a Bearer token; plus the live
 * event stream (server-sent events read with fetch; polling when the server
 * does not offer it).
 */
import type { Principal, Role } from '@hourmeter/domain';

const KEY_STORAGE = 'hourmeter.apiKey';
/** Only a hint that a session cookie may exist (the cookie itself is unreadable here), so a first visit asks for nothing. */
const SIGNED_IN_HINT = 'hourmeter.signedIn';
export const API = '/api/v1';

let csrfToken: string | null = null;

export const session = {
  get key(): string | null {
    return sessionStorage.getItem(KEY_STORAGE);
  },
  /** Whether there is anything to resume: an API key in this tab or a session cookie from an earlier sign-in. */
  get mayResume(): boolean {
    return this.key !== null || localStorage.getItem(SIGNED_IN_HINT) !== null;
  },
  setKey(key: string): void {
    sessionStorage.setItem(KEY_STORAGE, key);
  },
  clear(): void {
    sessionStorage.removeItem(KEY_STORAGE);
    localStorage.removeItem(SIGNED_IN_HINT);
    csrfToken = null;
  },
};

/** An application/problem+json answer (or a network failure, status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The problem's field errors (`body.name`, `body.location.lat`...), for forms to show beside their fields. */
    readonly fields: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

/**
 * The signed-in session's requests: signing out aborts those still in flight
 * first, so none of them reaches the server after the session ended (each
 * would only come back 401 to a view that is gone).
 */
let sessionRequests = new AbortController();

async function request(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { accept };
  const key = session.key;
  if (key) headers.authorization = `Bearer ${key}`;
  else if (csrfToken && method !== 'GET') headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${API}${path}`, { method, headers, signal: sessionRequests.signal, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', `cannot reach the server: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string; errors?: { path: string; message: string }[] };
    const fields = problem.errors?.map((e) => `${e.path}: ${e.message}`).join('; ');
    throw new ApiError(res.status, problem.code ?? `HTTP_${res.status}`, [problem.detail ?? res.statusText, fields].filter(Boolean).join(' - '), problem.errors ?? []);
  }
  return res;
}

export async function get<T>(path: string, query?: Query): Promise<T> {
  return (await request('GET', withQuery(path, query))).json() as Promise<T>;
}

export async function send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body: unknown = {}): Promise<T> {
  const res = await request(method, path, body);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export const post = <T>(path: string, body: unknown = {}) => send<T>('POST', path, body);

export async function getText(path: string, accept = 'text/html'): Promise<string> {
  return (await request('GET', path, undefined, accept)).text();
}

/** Downloads a file the API serves (PDF, CSV) under `filename`: the key travels in a header, so a plain link cannot. */
export async function download(path: string, filename: string, accept = 'application/pdf'): Promise<void> {
  const blob = await (await request('GET', path, undefined, accept)).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Every item of a cursor-paginated list (bounded: 20 pages of 500). */
export async function all<T>(path: string, query: Query = {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 20; i++) {
    const page = await get<{ items: T[]; nextCursor: string | null }>(path, { ...query, limit: 500, cursor });
    items.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return items;
}

export type Me = Principal;

/** Who is signed in (`GET /api/v1/me`); for a session, also the CSRF token its writes carry. */
export async function whoAmI(): Promise<Me> {
  const { csrfToken: token, ...me } = await get<Me & { csrfToken?: string }>('/me');
  csrfToken = token ?? null;
  return me;
}

/** Signs a person in: the server sets the session cookie; the CSRF token stays in memory. */
export async function signIn(email: string, password: string): Promise<Me> {
  const res = await post<{ user: { id: string; name: string; role: Role }; csrfToken: string }>('/auth/sign-in', { email, password });
  csrfToken = res.csrfToken;
  localStorage.setItem(SIGNED_IN_HINT, '1');
  return { kind: 'user', id: res.user.id, role: res.user.role, name: res.user.name };
}

/** Ends the session on the server (a no-op for an API key) and forgets everything here. */
export async function signOut(): Promise<void> {
  sessionRequests.abort();
  sessionRequests = new AbortController();
  try {
    await post('/auth/sign-out');
  } finally {
    session.clear();
  }
}

/** A history entry's actor (`Name [id]`, or older `role:key_…`) as a person reads it: the name. */
export function actorName(actor: string): string {
  const m = /^(.*) \[[^\]]+\]$/.exec(actor);
  return m ? m[1]! : actor;
}

// ---------------------------------------------------------------- live updates

export type LiveMode = 'connecting' | 'sse' | 'polling';
export interface LiveEvent {
  /** `alert.raised`, `workorder.completed`, `device.connected`..., or `poll` for a polling tick. */
  type: string;
  data: unknown;
}

const POLL_MS = 5_000;
const SSE_RETRY_MS = 30_000;
const listeners = new Set<(e: LiveEvent) => void>();
const modeListeners = new Set<(m: LiveMode) => void>();
let mode: LiveMode = 'connecting';
let running: AbortController | undefined;

function setMode(m: LiveMode): void {
  mode = m;
  for (const l of modeListeners) l(m);
}

function emit(e: LiveEvent): void {
  for (const l of listeners) l(e);
}

/** Parses `event:` / `data:` blocks; returns what is left of an incomplete block. */
export function parseSse(buffer: string, onEvent: (e: LiveEvent) => void): string {
  const blocks = buffer.split(/\r?\n\r?\n/);
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) continue;
    const text = data.join('\n');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: pass the text
    }
    onEvent({ type, data: parsed });
  }
  return rest;
}

/**
 * Whether the server offers the event stream, from its OpenAPI document: asking
 * /events itself would log a failed request in the browser console every time.
 * Undefined when the document is not available (then the stream is tried).
 */
async function eventsOffered(): Promise<boolean | undefined> {
  try {
    const res = await fetch('/docs/json', { headers: { accept: 'application/json' } });
    if (!res.ok) return undefined;
    const doc = (await res.json()) as { paths?: Record<string, unknown> };
    return doc.paths !== undefined && `${API}/events` in doc.paths;
  } catch {
    return undefined;
  }
}

/** One attempt at the event stream: resolves when it ends; false when the server does not offer it. */
async function streamOnce(signal: AbortSignal): Promise<boolean> {
  const key = session.key;
  let res: Response;
  try {
    // Signed in as a person, the session cookie goes along by itself.
    res = await fetch(`${API}/events`, { headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), accept: 'text/event-stream' }, signal });
  } catch {
    return false;
  }
  if (!res.ok || !res.body || !(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    await res.body?.cancel().catch(() => undefined);
    return false;
  }
  setMode('sse');
  // Something may have happened while we were not listening.
  emit({ type: 'poll', data: null });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer = parseSse(buffer + value, emit);
    }
  } catch {
    // aborted or dropped: reconnect below
  }
  return true;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

async function liveLoop(signal: AbortSignal): Promise<void> {
  let nextSseTry = 0;
  while (!signal.aborted) {
    if (Date.now() >= nextSseTry) {
      const streamed = (await eventsOffered()) !== false && (await streamOnce(signal));
      if (signal.aborted) return;
      if (streamed) {
        // The stream ended: reconnect soon, polling meanwhile.
        nextSseTry = Date.now() + 2_000;
      } else {
        nextSseTry = Date.now() + SSE_RETRY_MS;
      }
    }
    if (mode !== 'polling') setMode('polling');
    emit({ type: 'poll', data: null });
    await sleep(POLL_MS, signal);
  }
}

function ensureLive(): void {
  // Signed in by key, or by a session (whose CSRF token this tab holds).
  if (running || (!session.key && !csrfToken)) return;
  running = new AbortController();
  void liveLoop(running.signal);
}

/** Stops the stream (sign-out). */
export function stopLive(): void {
  running?.abort();
  running = undefined;
  mode = 'connecting';
}

export function onLive(listener: (e: LiveEvent) => void): () => void {
  listeners.add(listener);
  ensureLive();
  return () => listeners.delete(listener);
}

export function onLiveMode(listener: (m: LiveMode) => void): () => void {
  modeListeners.add(listener);
  listener(mode);
  ensureLive();
  return () => modeListeners.delete(listener);
}
