/**
 * One RFC 4180 CSV cell: nested values as JSON, quoted when needed, and text
 * that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first)
 * prefixed with `'` (CSV injection). Numbers are never prefixed: -3.5 stays a number.
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const csvRow = (cells: readonly unknown[]): string => `${cells.map(csvCell).join(',')}\r\n`;

/** Rows of objects as CSV: header from the union of keys in first-seen order. */
export function toCsv(rows: readonly Record<string, unknown>[]): string {
  const columns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  return csvRow(columns) + rows.map((r) => csvRow(columns.map((c) => r[c]))).join('');
}

/** Whether a request asks for CSV: `?format=csv`, or `Accept: text/csv` without a format. */
export function wantsCsv(query: unknown, accept: string | undefined): boolean {
  const format = (query as { format?: unknown } | undefined)?.format;
  return format === 'csv' || (format === undefined && /\btext\/csv\b/.test(accept ?? ''));
}
