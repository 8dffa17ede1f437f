/**
 * Wide format, one row per reading:
 *   (asset_id, device_id, ts, seq, m_1, m_2, ...)  -- m_<id>: one DOUBLE column per metric
 *
 * Why wide and not one row per value (measured, see cli/bench-duckdb.ts):
 * the long layout spent ~6.8 bytes per value, mostly on ts and seq, because
 * every run of one (asset, metric) ends with a jump back in time that widens
 * DuckDB's delta bit-packing for the whole group. In the wide layout ts, seq,
 * asset and device are stored once per reading (amortised over its ~8 values)
 * and each metric column is one smooth series that ALP float compression packs
 * into ~1-2 bytes for 2-decimal data. Metrics an asset does not have are NULL
 * runs, which cost next to nothing once rows are sorted by asset.
 *
 * A metric seen for the first time gets its column with ALTER TABLE ... ADD
 * COLUMN in the same transaction as the batch that brings it. Column names
 * come from dictionary ids (`m_<int>`), never from user input.
 *
 * value is DOUBLE, not DECIMAL(x,2): ALP reaches scaled-integer sizes for
 * 2-decimal data and DOUBLE keeps any other precision exactly.
 *
 * `staging` has the same columns and takes appends in arrival order; it is
 * emptied by every merge (store.ts).
 */
export const KEY_COLUMNS = ['asset_id', 'device_id', 'ts', 'seq'] as const;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS names (
  kind TINYINT NOT NULL,
  name VARCHAR NOT NULL,
  id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS telemetry (
  asset_id INTEGER NOT NULL,
  device_id INTEGER NOT NULL,
  ts BIGINT NOT NULL,
  seq BIGINT
);
CREATE TABLE IF NOT EXISTS staging (
  asset_id INTEGER NOT NULL,
  device_id INTEGER NOT NULL,
  ts BIGINT NOT NULL,
  seq BIGINT
);
`;

export function metricColumn(metricId: number): string {
  if (!Number.isInteger(metricId) || metricId <= 0) throw new Error(`bad metric id ${metricId}`);
  return `m_${metricId}`;
}

export function addMetricColumnSql(metricId: number): string {
  const col = metricColumn(metricId);
  return `ALTER TABLE telemetry ADD COLUMN ${col} DOUBLE; ALTER TABLE staging ADD COLUMN ${col} DOUBLE;`;
}

/** Metric ids in table column order, read back from the catalog at open. */
export const METRIC_COLUMNS_SQL = `
SELECT column_name FROM duckdb_columns()
WHERE table_name = 'telemetry' AND column_name LIKE 'm\\_%' ESCAPE '\\'
ORDER BY column_index`;
