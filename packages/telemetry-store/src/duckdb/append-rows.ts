import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';

/**
 * Appends `rows` to `table` with one Appender inside the caller's open
 * transaction (closing the appender flushes the rows into it). On an error
 * the rows not yet flushed are discarded, so the caller's ROLLBACK leaves
 * nothing half-written behind.
 */
export async function appendRows<T>(
  conn: DuckDBConnection,
  table: string,
  rows: Iterable<T>,
  writeRow: (appender: DuckDBAppender, row: T) => void,
): Promise<void> {
  const appender = await conn.createAppender(table);
  try {
    for (const row of rows) {
      writeRow(appender, row);
      appender.endRow();
    }
    appender.closeSync();
  } catch (err) {
    appender.clear();
    appender.closeSync();
    throw err;
  }
}
