/**
 * Past failures and maintenance as CSV (RFC 4180: comma separated, fields
 * with commas, quotes or line breaks in double quotes, "" for a quote), one
 * completed work order per row, so a new user starts with the past:
 *
 *   asset_serial,asset_model,date,kind,failure_mode,symptom_code,cause_code,remedy_code,parts,labour_hours,responsible_department
 *
 * Required: asset_serial, date, kind; failure_mode for corrective and
 * preventive rows. `date` is the failure (corrective) or the work (others):
 * YYYY-MM-DD (00:00 UTC) or an ISO date-time with Z or an offset. `parts`:
 * part numbers separated by `;`, each optionally `*<quantity>`. Columns may
 * come in any order; unknown columns are an error (a typo must not be
 * silently dropped). Row numbers count the header as row 1. Codes default to
 * HISTORY and the responsible department to `none` (history rarely says).
 */
import { CsvSyntaxError, parseCsv } from '@hourmeter/domain';

export const HISTORY_COLUMNS = [
  'asset_serial',
  'asset_model',
  'date',
  'kind',
  'failure_mode',
  'symptom_code',
  'cause_code',
  'remedy_code',
  'parts',
  'labour_hours',
  'responsible_department',
] as const;
const DEPARTMENTS = ['design', 'production', 'purchasing', 'logistics', 'installation', 'customer_use', 'none'] as const;
const REQUIRED = ['asset_serial', 'date', 'kind'] as const;

export interface HistoryRow {
  row: number;
  assetSerial: string;
  assetModel?: string | undefined;
  at: number;
  kind: 'corrective' | 'preventive' | 'inspection';
  failureMode?: string | undefined;
  symptomCode: string;
  causeCode: string;
  remedyCode: string;
  parts: { partNumber: string; quantity: number }[];
  labourHours: number;
  responsibleDepartment: (typeof DEPARTMENTS)[number];
}

export interface RowError {
  row: number;
  column?: string | undefined;
  message: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const CODE = /^[A-Za-z0-9_.:-]{1,64}$/;

function parseDate(v: string): number | undefined {
  if (DATE.test(v)) {
    const t = Date.parse(`${v}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().startsWith(v) ? t : undefined;
  }
  if (DATE_TIME.test(v)) {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

/**
 * Every row checked on its own (syntax, required values, formats); the
 * references (serials, part numbers) are resolved against the store by the
 * importer. All errors are returned, not only the first.
 */
export function parseMaintenanceHistory(text: string, now: number): { rows: HistoryRow[]; errors: RowError[] } {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) return { rows: [], errors: [{ row: err.row, message: err.message.replace(/^row \d+: /, '') }] };
    throw err;
  }
  const header = records[0];
  if (!header) return { rows: [], errors: [{ row: 1, message: 'the file is empty: expected a header row' }] };
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const errors: RowError[] = [];
  for (const n of names) if (!(HISTORY_COLUMNS as readonly string[]).includes(n)) errors.push({ row: header.row, column: n, message: `unknown column "${n}" (expected ${HISTORY_COLUMNS.join(', ')})` });
  for (const r of REQUIRED) if (!names.includes(r)) errors.push({ row: header.row, column: r, message: `missing column ${r}` });
  if (new Set(names).size !== names.length) errors.push({ row: header.row, message: 'a column appears twice' });
  if (errors.length) return { rows: [], errors };
  if (records.length === 1) return { rows: [], errors: [{ row: 2, message: 'no data rows after the header' }] };

  const rows: HistoryRow[] = [];
  for (const rec of records.slice(1)) {
    const bad = (column: string | undefined, message: string) => errors.push({ row: rec.row, column, message });
    if (rec.fields.length !== names.length) {
      bad(undefined, `${rec.fields.length} fields, the header has ${names.length}`);
      continue;
    }
    const get = (c: (typeof HISTORY_COLUMNS)[number]) => {
      const k = names.indexOf(c);
      return k < 0 ? '' : rec.fields[k]!.trim();
    };
    const before = errors.length;
    const assetSerial = get('asset_serial');
    if (!assetSerial) bad('asset_serial', 'asset_serial is empty');
    const at = parseDate(get('date'));
    if (at === undefined) bad('date', `date "${get('date')}" is not YYYY-MM-DD or an ISO date-time with Z or an offset`);
    else if (at > now) bad('date', `date ${get('date')} is in the future: history only`);
    const kind = get('kind').toLowerCase();
    if (kind !== 'corrective' && kind !== 'preventive' && kind !== 'inspection') bad('kind', `kind "${get('kind')}" is not corrective, preventive or inspection`);
    const failureMode = get('failure_mode') || undefined;
    if (failureMode !== undefined && !CODE.test(failureMode)) bad('failure_mode', `failure_mode "${failureMode}" must be 1-64 letters, digits or _ . : -`);
    if ((kind === 'corrective' || kind === 'preventive') && failureMode === undefined) bad('failure_mode', `a ${kind} row needs a failure_mode`);
    const codes = { symptomCode: get('symptom_code') || 'HISTORY', causeCode: get('cause_code') || 'HISTORY', remedyCode: get('remedy_code') || 'HISTORY' };
    for (const [col, v] of [['symptom_code', codes.symptomCode], ['cause_code', codes.causeCode], ['remedy_code', codes.remedyCode]] as const) {
      if (v.length > 64) bad(col, `${col} is longer than 64 characters`);
    }
    const parts: HistoryRow['parts'] = [];
    for (const spec of get('parts').split(';').map((p) => p.trim()).filter(Boolean)) {
      const m = /^([A-Za-z0-9][A-Za-z0-9_.\-/]{0,39})(?:\*(\d{1,4}))?$/.exec(spec);
      if (!m || Number(m[2] ?? 1) < 1) bad('parts', `part "${spec}" is not <part number> or <part number>*<quantity>`);
      else parts.push({ partNumber: m[1]!, quantity: Number(m[2] ?? 1) });
    }
    const labourText = get('labour_hours');
    const labourHours = labourText === '' ? 0 : Number(labourText);
    if (!Number.isFinite(labourHours) || labourHours < 0 || labourHours > 10_000) bad('labour_hours', `labour_hours "${labourText}" is not a number of hours`);
    const department = (get('responsible_department') || 'none').toLowerCase();
    if (!(DEPARTMENTS as readonly string[]).includes(department)) bad('responsible_department', `responsible_department "${department}" is not one of ${DEPARTMENTS.join(', ')}`);
    if (errors.length > before) continue;
    rows.push({
      row: rec.row,
      assetSerial,
      assetModel: get('asset_model') || undefined,
      at: at!,
      kind: kind as HistoryRow['kind'],
      failureMode,
      ...codes,
      parts,
      labourHours,
      responsibleDepartment: department as HistoryRow['responsibleDepartment'],
    });
  }
  return { rows, errors };
}

/** One problem detail sentence naming the rows (the first ten, and how many more). */
export function describeRowErrors(errors: readonly RowError[]): string {
  const shown = errors.slice(0, 10).map((e) => `row ${e.row}${e.column ? ` (${e.column})` : ''}: ${e.message}`);
  const more = errors.length > 10 ? `; and ${errors.length - 10} more` : '';
  return `${shown.join('; ')}${more}`;
}
