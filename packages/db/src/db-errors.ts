import { AppError } from '@hourmeter/runtime';

/**
 * Maps constraint violations of either engine to expected-failure values, so a
 * race the pre-checks cannot see (two concurrent creates of one serial number)
 * still ends as a precise 409 instead of a 500.
 */
export function translateDbError(err: unknown, what: string): unknown {
  const e = err as { code?: string; constraint?: string; message?: string };
  const code = e?.code ?? '';
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new AppError('CONFLICT', `${what} already exists`);
  }
  // SQLite reports ON DELETE RESTRICT through its FK trigger machinery.
  const sqliteForeignKey = code.startsWith('SQLITE_CONSTRAINT') && /FOREIGN KEY/.test(e.message ?? '');
  if (code === '23503' || sqliteForeignKey) {
    return new AppError('IN_USE', `${what} is referenced by other records`);
  }
  return err;
}
