import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';

/**
 * Faults injected from outside the server processes, on the machine they run
 * on: a small filesystem for the spool that can be filled, a wall clock that
 * can be stepped, and a foreign lock on the SQLite file.
 */

/** Debian's libfaketime (package `faketime`): the server processes run with it preloaded. */
const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1'];

/**
 * The wall clock of the server processes, steppable at run time the way NTP
 * steps a host clock: libfaketime re-reads the offset file at most once a
 * second. Only CLOCK_REALTIME moves (Date.now, the Date header); the
 * monotonic clock timers run on does not, as on a real host.
 */
export class SteppableClock {
  readonly env: Record<string, string>;
  private readonly file: string;

  private constructor(dir: string, library: string) {
    this.file = join(dir, 'clock-offset');
    writeFileSync(this.file, '+0\n');
    this.env = { LD_PRELOAD: library, FAKETIME_TIMESTAMP_FILE: this.file, FAKETIME_CACHE_DURATION: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' };
  }

  /** Undefined when libfaketime is not installed. */
  static create(dir: string): SteppableClock | undefined {
    const library = LIBFAKETIME.find((l) => existsSync(l));
    return library ? new SteppableClock(dir, library) : undefined;
  }

  /** Sets the offset from the real clock (seconds, may be negative). */
  set(offsetSeconds: number): void {
    writeFileSync(this.file, `${offsetSeconds >= 0 ? '+' : ''}${offsetSeconds}\n`);
  }
}

/**
 * A tmpfs of `sizeMb` mounted on `dir` (the spool directory, before the server
 * creates anything in it), so "disk full" is a real ENOSPC from the kernel.
 * Needs root (mount); throws with the reason otherwise.
 */
export class SmallFilesystem {
  private readonly ballast: string;

  private constructor(readonly dir: string) {
    this.ballast = join(dir, '.chaos-ballast');
  }

  static mount(dir: string, sizeMb: number): SmallFilesystem {
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      throw new Error(`spool-disk-full needs a tmpfs for the spool and mounting one failed (run as root, or leave the fault out with --faults): ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
    }
    return new SmallFilesystem(dir);
  }

  /** Writes a ballast file until the kernel answers ENOSPC; returns the bytes written. */
  fill(): number {
    const fd = openSync(this.ballast, 'w');
    const chunk = Buffer.alloc(256 * 1024);
    let written = 0;
    try {
      for (;;) written += writeSync(fd, chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    } finally {
      closeSync(fd);
    }
    return written;
  }

  free(): void {
    rmSync(this.ballast, { force: true });
  }

  unmount(): void {
    execFileSync('umount', ['-l', this.dir]);
  }
}

/**
 * What "the relational database stopped" is for the embedded SQLite file: it
 * cannot stop on its own (it is a library inside the process), but another
 * process can take the file's write lock for a while (a `sqlite3` shell left
 * in a transaction, a copy tool). Every write of the server then gets
 * SQLITE_BUSY after its busy timeout.
 */
export function holdSqliteWriteLock(file: string): { release: () => void } {
  const db = new SQLite(file);
  db.pragma('busy_timeout = 10000');
  db.exec('BEGIN EXCLUSIVE');
  return {
    release: () => {
      db.exec('COMMIT');
      db.close();
    },
  };
}
