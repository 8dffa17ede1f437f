import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/** One row of a telemetry export: asset serial number, asset id, epoch ms, one value per metric (undefined = none). */
export type ExportRow = readonly [serialNumber: string, assetId: string, ts: number, ...values: (number | undefined)[]];

export interface TelemetryParquetWriter {
  /** Appends rows in the order they come (the caller's order is the file's). */
  append(rows: Iterable<ExportRow>): Promise<void>;
  /**
   * Writes the Parquet file (columns `asset_serial_number`, `asset_id`,
   * `time` (UTC timestamp), `ts` (epoch ms), one DOUBLE per metric) and
   * returns its path. The scratch database is gone afterwards; the file stays
   * until `dispose`.
   */
  finish(): Promise<string>;
  /** Removes the scratch directory with everything in it. Safe to call twice. */
  dispose(): void;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * A telemetry export as Parquet, whichever store the rows come from (DuckDB
 * or InfluxDB). Parquet's footer comes last, so the file cannot go out while
 * it is written: rows are appended window by window into a scratch DuckDB
 * database on disk (memory capped; DuckDB spills to its files), then DuckDB's
 * `COPY ... TO (FORMAT PARQUET)` writes the file for the caller to stream.
 * Nothing holds the whole export in memory.
 */
export async function createTelemetryParquetWriter(metrics: readonly string[], opts: { dir?: string; memoryLimit?: string } = {}): Promise<TelemetryParquetWriter> {
  const dir = mkdtempSync(join(opts.dir ?? tmpdir(), 'hm-parquet-'));
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  let instance: DuckDBInstance | undefined;
  try {
    instance = await DuckDBInstance.create(join(dir, 'scratch.duckdb'), { threads: '1', memory_limit: opts.memoryLimit ?? '128MB', temp_directory: join(dir, 'spill') });
    const conn = await instance.connect();
    const columns = metrics.map((m, i) => `m${i} DOUBLE`).join(', ');
    await conn.run(`CREATE TABLE export (asset_serial_number VARCHAR, asset_id VARCHAR, ts BIGINT${columns ? `, ${columns}` : ''})`);
    const db = instance;
    return {
      async append(rows) {
        const appender = await conn.createAppender('export');
        try {
          for (const [serial, assetId, ts, ...values] of rows) {
            appender.appendVarchar(serial);
            appender.appendVarchar(assetId);
            appender.appendBigInt(BigInt(ts));
            for (let i = 0; i < metrics.length; i++) {
              const v = values[i];
              if (v === undefined) appender.appendNull();
              else appender.appendDouble(v);
            }
            appender.endRow();
          }
        } finally {
          appender.closeSync();
        }
      },
      async finish() {
        const path = join(dir, 'export.parquet');
        const metricColumns = metrics.map((m, i) => `, m${i} AS ${quote(m)}`).join('');
        // DuckDB keeps insertion order (preserve_insertion_order), so rows come out as appended.
        await conn.run(
          `COPY (SELECT asset_serial_number, asset_id, epoch_ms(ts) AS time, ts${metricColumns} FROM export) TO '${path.replaceAll("'", "''")}' (FORMAT PARQUET, COMPRESSION ZSTD)`,
        );
        conn.closeSync();
        db.closeSync();
        rmSync(join(dir, 'scratch.duckdb'), { force: true });
        rmSync(join(dir, 'scratch.duckdb.wal'), { force: true });
        return path;
      },
      dispose() {
        try {
          db.closeSync();
        } catch {
          // already closed by finish()
        }
        dispose();
      },
    };
  } catch (err) {
    instance?.closeSync();
    dispose();
    throw err;
  }
}
