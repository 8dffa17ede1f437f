import { AppError } from '@hourmeter/runtime';
import { pgDatabase, tempDir } from '@hourmeter/testkit';
import { pino } from 'pino';
import { expect, inject } from 'vitest';
import { openDb, type Db } from './connect.js';

/** One relational engine a repository suite runs against. */
export interface DbTarget {
  name: 'sqlite' | 'postgres';
  /** Why the suite cannot run here (no server installed), if it cannot. */
  skip?: string | undefined;
  /** A fresh, migrated, empty store and its cleanup. */
  open(): Promise<{ db: Db; cleanup: () => Promise<void> }>;
}

const silent = pino({ level: 'silent' });

/**
 * SQLite in a temp dir always; PostgreSQL on a database of its own on the
 * cluster the vitest global setup started (skipped with the package to install
 * when there is none). Use with `describe.each(dbTargets())`.
 */
export function dbTargets(): DbTarget[] {
  const postgresUrl = inject('postgresUrl');
  return [
    {
      name: 'sqlite',
      open: async () => {
        const dir = tempDir();
        const db = await openDb({ dataDir: dir.path, logger: silent });
        return { db, cleanup: async () => (await db.close(), dir.cleanup()) };
      },
    },
    {
      name: 'postgres',
      skip: postgresUrl ? undefined : 'no PostgreSQL server (install Debian package `postgresql`)',
      open: async () => {
        const pg = await pgDatabase(postgresUrl);
        const db = await openDb({ databaseUrl: pg.url, dataDir: '.', logger: silent });
        return { db, cleanup: async () => (await db.close(), await pg.drop()) };
      },
    },
  ];
}

/** The stable code of the AppError `p` rejects with (fails the test otherwise). */
export async function expectAppError(p: Promise<unknown>, code: string): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}
