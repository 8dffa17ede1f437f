/** Progress lines on stderr: rewritten in place on a terminal, one line per interval otherwise. */
export interface Progress {
  /** A line that stays. */
  line(text: string): void;
  /** A status that the next status replaces (throttled). */
  status(text: string, force?: boolean): void;
  done(): void;
}

export function stderrProgress(opts: { quiet?: boolean; intervalMs?: number } = {}): Progress {
  const tty = process.stderr.isTTY === true;
  const interval = opts.intervalMs ?? (tty ? 250 : 5_000);
  let last = 0;
  let pending = false;
  const clear = () => {
    if (tty && pending) process.stderr.write('\r\x1b[K');
    pending = false;
  };
  return {
    line(text) {
      if (opts.quiet) return;
      clear();
      process.stderr.write(`${text}\n`);
    },
    status(text, force = false) {
      if (opts.quiet) return;
      const now = Date.now();
      if (!force && now - last < interval) return;
      last = now;
      if (tty) {
        process.stderr.write(`\r\x1b[K${text}`);
        pending = true;
      } else process.stderr.write(`${text}\n`);
    },
    done() {
      if (opts.quiet) return;
      if (tty && pending) process.stderr.write('\n');
      pending = false;
    },
  };
}

export const silentProgress: Progress = { line() {}, status() {}, done() {} };

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m} min ${Math.round(seconds % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
