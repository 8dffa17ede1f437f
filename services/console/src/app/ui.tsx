import { useCallback, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { onLive } from './api';
import { fromZoneInput, isTimeZone, toZoneDay, toZoneInput } from './time';

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

/** A view that reloads on live events does so at most this often, however many events arrive (a fleet of devices reconnecting is thousands). */
const LIVE_RELOAD_GAP_MS = 3_000;

/**
 * Calls `refresh` on live events whose type starts with one of `prefixes`,
 * and on polling ticks: 300 ms after the first, then at most every
 * LIVE_RELOAD_GAP_MS. Views that can apply an event's payload (Fleet) do that
 * instead of reloading.
 */
export function useLive(prefixes: readonly string[], refresh: () => void): void {
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;
  const key = prefixes.join(',');
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const off = onLive((e) => {
      if (e.type !== 'poll' && !key.split(',').some((p) => e.type.startsWith(p))) return;
      if (timer) return;
      timer = setTimeout(
        () => {
          timer = undefined;
          last = Date.now();
          refreshRef.current();
        },
        Math.max(300, last + LIVE_RELOAD_GAP_MS - Date.now()),
      );
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [key]);
}

// ---------------------------------------------------------------- time zone and locale (one rule for every view)

/**
 * The zone every time is shown and typed in: UTC unless the person signed in
 * picked another, remembered in this browser per person. Numbers, dates and
 * money follow the browser's locale (Intl).
 */
const ZONE_KEY = 'hourmeter.timeZone';
let zoneOwner = '';
let zone = 'UTC';
const zoneListeners = new Set<() => void>();

function storedZone(owner: string): string {
  const z = localStorage.getItem(`${ZONE_KEY}.${owner}`);
  return z && isTimeZone(z) ? z : 'UTC';
}

/** Makes `owner`'s (the signed-in person's) chosen zone current. */
export function adoptTimeZoneOf(owner: string): void {
  if (owner !== zoneOwner) {
    zoneOwner = owner;
    zone = storedZone(owner);
  }
}

export function setTimeZone(z: string): void {
  if (!isTimeZone(z)) return;
  zone = z;
  localStorage.setItem(`${ZONE_KEY}.${zoneOwner}`, z);
  zoneListeners.forEach((l) => l());
}

export const timeZone = () => zone;

/** The current zone; the component re-renders when it changes. */
export function useTimeZone(): string {
  return useSyncExternalStore(
    (cb) => (zoneListeners.add(cb), () => zoneListeners.delete(cb)),
    () => zone,
  );
}

/** Every zone the browser knows, UTC first. */
export const TIME_ZONES: readonly string[] = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

const formats = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
function cached<F extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => F): F {
  let f = formats.get(key);
  if (!f) formats.set(key, (f = make()));
  return f as F;
}
const dateTime = () =>
  cached(`dt:${zone}`, () => new Intl.DateTimeFormat(undefined, { timeZone: zone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }));
const dateOnly = () => cached(`d:${zone}`, () => new Intl.DateTimeFormat(undefined, { timeZone: zone, dateStyle: 'medium' }));
const decimals = (min: number, max: number) => cached(`n:${min}:${max}`, () => new Intl.NumberFormat(undefined, { minimumFractionDigits: min, maximumFractionDigits: max }));

/** An instant as date and time in the chosen zone, with the zone's name ("7 Dec 2026, 16:40 UTC"). */
export const fmtTime = (ms: number | null | undefined) => (ms == null ? '–' : dateTime().format(ms));
/** The day of an instant in the chosen zone. */
export const fmtDate = (ms: number | null | undefined) => (ms == null ? '–' : dateOnly().format(ms));
/** A calendar day (`YYYY-MM-DD`, no zone: billing and meter days are UTC days) as the locale writes it. */
export const fmtDay = (day: string) => cached('day', () => new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', dateStyle: 'medium' })).format(Date.parse(`${day}T00:00:00Z`));
export const fmtNumber = (n: number | null | undefined, digits = 2) => (n == null ? '–' : decimals(0, digits).format(n));
export const fmtCount = (n: number | null | undefined) => (n == null ? '–' : decimals(0, 0).format(n));
export const fmtHours = (h: number | null | undefined, digits = 1) => (h == null ? '–' : `${decimals(digits, digits).format(h)} h`);
export const fmtMoney = (minor: number, currency: string) => cached(`m:${currency}`, () => new Intl.NumberFormat(undefined, { style: 'currency', currency })).format(minor / 100);
/** "1,234.56" (major units, as a person types them) -> 123456 minor units; undefined when it is not an amount. */
export function parseMajor(text: string): number | undefined {
  const m = /^\s*(\d{1,13})(?:[.,](\d{1,2}))?\s*$/.exec(text.replaceAll(/[\s\u00a0']/g, '').replace(/,(?=\d{3}(\D|$))/g, ''));
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}
/** A percentage (already x100); `digits` fixes the fraction digits, else up to two. */
export const fmtPct = (p: number | null | undefined, digits?: number) => (p == null ? '–' : `${(digits === undefined ? decimals(0, 2) : decimals(digits, digits)).format(p)} %`);
export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** A datetime-local input's value for instant `ms` in the chosen zone, and back. */
export const toInputTime = (ms: number) => toZoneInput(ms, zone);
export const fromInputTime = (text: string) => fromZoneInput(text, zone);
/** Today (or `ms`'s day) in the chosen zone, for date inputs. */
export const zoneDay = (ms: number = Date.now()) => toZoneDay(ms, zone);
export const label = (s: string) => s.replaceAll('_', ' ');

/** Picks the zone times are shown in. */
export function TimeZonePicker() {
  const current = useTimeZone();
  return (
    <label className="zone">
      <span className="sr-only">Time zone</span>
      <select value={current} onChange={(e) => setTimeZone(e.target.value)} title="Times are shown and typed in this zone">
        {TIME_ZONES.map((z) => (
          <option key={z} value={z}>
            {z}
          </option>
        ))}
      </select>
    </label>
  );
}

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
