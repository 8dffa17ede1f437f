/**
 * Forms that show the server's verdict where it belongs: a problem+json
 * answer's field errors (`body.location.lat: ...`) appear beside the field
 * named `location.lat`, the rest above the submit button. The browser's own
 * constraint checks (required, min, pattern) run first.
 */
import { createContext, useContext, useEffect, useId, useRef, useState, type ReactElement, type ReactNode } from 'react';
import { ApiError } from './api';
import { ErrorNote } from './ui';

type FieldErrors = ReadonlyMap<string, string>;
const Errors = createContext<FieldErrors>(new Map());
/** The names of the fields a form shows, so an error for a field it lacks is shown above the button instead of lost. */
const Shown = createContext<Set<string>>(new Set());
const covers = (name: string, path: string) => path === name || path.startsWith(`${name}.`);

/** `body.location.lat` -> `location.lat` (a form's fields are named after the body's paths). */
const fieldOf = (path: string) => path.replace(/^(body|querystring|params)\.?/, '');

export function Form(props: { label: string; submit: string; action: () => Promise<void>; children: ReactNode; className?: string }) {
  const [busy, setBusy] = useState(false);
  const [fields, setFields] = useState<FieldErrors>(new Map());
  const [error, setError] = useState<Error>();
  const shown = useRef(new Set<string>());
  return (
    <form
      className={props.className ?? 'admin-form'}
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        setFields(new Map());
        props.action().then(
          () => setBusy(false),
          (err: unknown) => {
            setBusy(false);
            const byField = new Map(err instanceof ApiError ? err.fields.map((f) => [fieldOf(f.path), f.message] as const) : []);
            setFields(byField);
            const elsewhere = [...byField].filter(([path]) => ![...shown.current].some((name) => covers(name, path))).map(([path, message]) => `${path}: ${message}`);
            if (byField.size === 0) setError(err instanceof Error ? err : new Error(String(err)));
            else setError(new Error([elsewhere.length < byField.size ? 'Check the fields marked below.' : '', ...elsewhere].filter(Boolean).join(' ')));
          },
        );
      }}
    >
      <Shown.Provider value={shown.current}>
        <Errors.Provider value={fields}>{props.children}</Errors.Provider>
      </Shown.Provider>
      <ErrorNote error={error} />
      <button type="submit" disabled={busy}>
        {props.submit}
      </button>
    </form>
  );
}

/**
 * A labelled field: `name` is the body path its value goes to; the server's
 * error for that path (or any path below it) is shown under it and announced.
 */
export function Field({ name, label, children, hint }: { name: string; label: string; hint?: string; children: (p: { id: string; name: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined }) => ReactElement }) {
  const errors = useContext(Errors);
  const shown = useContext(Shown);
  useEffect(() => {
    shown.add(name);
    return () => void shown.delete(name);
  }, [shown, name]);
  const id = useId();
  const message = errors.get(name) ?? [...errors].find(([k]) => covers(name, k))?.[1];
  const describedBy = [hint ? `${id}-hint` : '', message ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, name, 'aria-invalid': message !== undefined, 'aria-describedby': describedBy })}
      {hint ? (
        <span id={`${id}-hint`} className="small muted">
          {hint}
        </span>
      ) : null}
      {message ? (
        <span id={`${id}-err`} className="field-error" role="alert">
          {message}
        </span>
      ) : null}
    </div>
  );
}

export type Change = (e: { target: { value: string } }) => void;

/** A form's text values and a change handler per field. */
export function useFields<T extends Record<string, string>>(initial: T) {
  const [v, setV] = useState(initial);
  const on = (k: keyof T): Change => (e) => setV((cur) => ({ ...cur, [k]: e.target.value }));
  return { v, setV, on };
}
