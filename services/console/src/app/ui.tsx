import { useCallback, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { onLive } from './api';

// ---------------------------------------------------------------- routing (History API)

const routeListeners = new Set<() => void>();
window.addEventListener('popstate', () => routeListeners.forEach((l) => l()));

export function navigate(to: string): void {
  if (to === location.pathname + location.search) return;
  history.pushState(null, '', to);
  routeListeners.forEach((l) => l());
  window.scrollTo(0, 0);
}

export function useLocation(): { path: string; query: URLSearchParams } {
  const href = useSyncExternalStore(
    (cb) => (routeListeners.add(cb), () => routeListeners.delete(cb)),
    () => location.pathname + location.search,
  );
  const url = new URL(href, location.origin);
  return { path: url.pathname, query: url.searchParams };
}

/** An anchor that navigates in-app (keyboard and middle-click behave like any link). */
export function Link(props: { to: string; children: ReactNode; className?: string; 'aria-current'?: 'page' | undefined }) {
  const { to, children, ...rest } = props;
  return (
    <a
      href={to}
      {...rest}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

// ---------------------------------------------------------------- data

export interface Async<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change and on `reload()`; keeps the last data while reloading. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState((s) => ({ ...s, error: error instanceof Error ? error : new Error(String(error)), loading: false })),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Calls `refresh` (at most once a second) on live events whose type starts with one of `prefixes`, and on polling ticks. */
export function useLive(prefixes: readonly string[], refresh: () => void): void {
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;
  const key = prefixes.join(',');
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = onLive((e) => {
      if (e.type !== 'poll' && !key.split(',').some((p) => e.type.startsWith(p))) return;
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        refreshRef.current();
      }, 300);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [key]);
}

// ---------------------------------------------------------------- formatting

const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
export const fmtTime = (ms: number | null | undefined) => (ms == null ? '–' : `${dtf.format(ms)} UTC`);
export const fmtHours = (h: number | null | undefined, digits = 1) => (h == null ? '–' : `${h.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits })} h`);
export const fmtMoney = (minor: number, currency: string) =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 100);
/** "1,234.56" (major units, as a person types them) -> 123456 minor units; undefined when it is not an amount. */
export function parseMajor(text: string): number | undefined {
  const m = /^\s*(\d{1,13})(?:[.,](\d{1,2}))?\s*$/.exec(text.replaceAll(/[\s\u00a0']/g, '').replace(/,(?=\d{3}(\D|$))/g, ''));
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}
export const fmtPct = (p: number | null | undefined) => (p == null ? '–' : `${p.toLocaleString(undefined, { maximumFractionDigits: 2 })} %`);
export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const label = (s: string) => s.replaceAll('_', ' ');

// ---------------------------------------------------------------- small components

export function ErrorNote({ error }: { error: Error | undefined }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error.message}
    </p>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p className="muted" aria-live="polite">Loading…</p> : null;
}

export function Badge({ kind, children }: { kind: string; children: ReactNode }) {
  return <span className={`badge badge-${kind}`}>{children}</span>;
}

/** Horizontal bars for categories (hazard by department, P&L...): plain HTML, readable by screen readers. */
export function Bars({ rows, format, caption }: { rows: { label: string; value: number }[]; format: (v: number) => string; caption: string }) {
  const max = Math.max(1, ...rows.map((r) => Math.abs(r.value)));
  return (
    <figure className="bars">
      <figcaption>{caption}</figcaption>
      {rows.length === 0 ? <p className="muted">No data in this period.</p> : null}
      <ul>
        {rows.map((r) => (
          <li key={r.label}>
            <span className="bar-label">{r.label}</span>
            <span className="bar-track" aria-hidden="true">
              <span className={`bar-fill${r.value < 0 ? ' negative' : ''}`} style={{ width: `${(Math.abs(r.value) / max) * 100}%` }} />
            </span>
            <span className="bar-value">{format(r.value)}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** A form that runs `action` on submit, shows its error, and disables itself while busy. */
export function ActionForm(props: { action: () => Promise<void>; children: ReactNode; submit: string; className?: string; label: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  return (
    <form
      className={props.className ?? 'action-form'}
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        props.action().then(
          () => setBusy(false),
          (err: unknown) => {
            setBusy(false);
            setError(err instanceof Error ? err : new Error(String(err)));
          },
        );
      }}
    >
      {props.children}
      <button type="submit" disabled={busy}>
        {props.submit}
      </button>
      <ErrorNote error={error} />
    </form>
  );
}
