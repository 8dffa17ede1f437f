/**
 * Historical telemetry files, read into readings per row before anything is
 * sent to ingest:
 *
 * - CSV, one reading per row: `ts` (epoch ms or ISO 8601 with Z / offset),
 *   the device by `device_id`, or by `asset_serial` (+ `asset_model` when a
 *   serial exists in several models), optional `seq`, and one column per
 *   metric (an empty cell: the metric is absent from that reading; numbers,
 *   or true/false).
 * - InfluxDB line protocol: `<measurement>[,tag=value...] field=value[,...] [timestamp]`
 *   with a `device_id` or `asset_serial` (+ `asset_model`) tag; floats,
 *   integers (`12i`) and booleans (`t`, `true`, `f`, `false`); timestamps in
 *   the given precision (default ns, as InfluxDB); the measurement is not kept.
 *
 * Rows are numbered as lines of the file (header = row 1 for CSV).
 */
import { CsvSyntaxError, parseCsv } from '@hourmeter/domain';

export type DeviceRef = { deviceId: string } | { assetSerial: string; assetModel?: string | undefined };

export interface FileReading {
  row: number;
  ref: DeviceRef;
  ts: number;
  seq?: number | undefined;
  metrics: Record<string, number | boolean>;
}

export interface FileRowError {
  row: number;
  message: string;
}

export type Precision = 'ns' | 'us' | 'ms' | 's';

const RESERVED_CSV = new Set(['ts', 'device_id', 'asset_serial', 'asset_model', 'seq']);

function parseTs(v: string): number | undefined {
  if (/^\d{1,16}$/.test(v)) return Number(v);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

function parseValue(v: string): number | boolean | undefined {
  const lower = v.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function refOf(device: string, serial: string, model: string): DeviceRef | string {
  if (device && serial) return 'give device_id or asset_serial, not both';
  if (device) return { deviceId: device };
  if (serial) return { assetSerial: serial, ...(model ? { assetModel: model } : {}) };
  return 'no device_id or asset_serial';
}

export function parseTelemetryCsv(text: string): { readings: FileReading[]; errors: FileRowError[] } {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) return { readings: [], errors: [{ row: err.row, message: err.message.replace(/^row \d+: /, '') }] };
    throw err;
  }
  const header = records[0];
  if (!header) return { readings: [], errors: [{ row: 1, message: 'the file is empty: expected a header row' }] };
  const names = header.fields.map((f) => f.trim());
  const errors: FileRowError[] = [];
  if (!names.includes('ts')) errors.push({ row: 1, message: 'missing column ts' });
  if (!names.includes('device_id') && !names.includes('asset_serial')) errors.push({ row: 1, message: 'missing column device_id or asset_serial' });
  if (new Set(names).size !== names.length) errors.push({ row: 1, message: 'a column appears twice' });
  const metricCols = names.map((n, i) => [n, i] as const).filter(([n]) => !RESERVED_CSV.has(n));
  if (metricCols.length === 0) errors.push({ row: 1, message: 'no metric columns' });
  if (errors.length) return { readings: [], errors };
  const col = (rec: string[], name: string) => {
    const i = names.indexOf(name);
    return i < 0 ? '' : rec[i]!.trim();
  };
  const readings: FileReading[] = [];
  for (const rec of records.slice(1)) {
    const bad = (message: string) => errors.push({ row: rec.row, message });
    if (rec.fields.length !== names.length) {
      bad(`${rec.fields.length} fields, the header has ${names.length}`);
      continue;
    }
    const ref = refOf(col(rec.fields, 'device_id'), col(rec.fields, 'asset_serial'), col(rec.fields, 'asset_model'));
    if (typeof ref === 'string') {
      bad(ref);
      continue;
    }
    const ts = parseTs(col(rec.fields, 'ts'));
    if (ts === undefined) {
      bad(`ts "${col(rec.fields, 'ts')}" is not epoch ms or an ISO 8601 date-time with Z or an offset`);
      continue;
    }
    const seqText = col(rec.fields, 'seq');
    const seq = seqText === '' ? undefined : Number(seqText);
    if (seq !== undefined && !(Number.isSafeInteger(seq) && seq >= 0)) {
      bad(`seq "${seqText}" is not a non-negative integer`);
      continue;
    }
    const metrics: Record<string, number | boolean> = {};
    let ok = true;
    for (const [name, i] of metricCols) {
      const v = rec.fields[i]!.trim();
      if (v === '') continue;
      const value = parseValue(v);
      if (value === undefined) {
        bad(`${name} "${v}" is not a number or true/false`);
        ok = false;
        break;
      }
      metrics[name] = value;
    }
    if (ok) readings.push({ row: rec.row, ref, ts, ...(seq === undefined ? {} : { seq }), metrics });
  }
  return { readings, errors };
}

const PRECISION_DIVISOR: Record<Precision, number> = { ns: 1e6, us: 1e3, ms: 1, s: 1e-3 };

/** Splits on `sep` outside backslash escapes and double quotes. */
function splitEscaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += s[i + 1];
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      cur += c;
    } else if (c === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export function parseLineProtocol(text: string, precision: Precision = 'ns'): { readings: FileReading[]; errors: FileRowError[] } {
  const readings: FileReading[] = [];
  const errors: FileRowError[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const row = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const bad = (message: string) => errors.push({ row, message });
    const parts = splitEscaped(line, ' ').filter((p) => p !== '');
    if (parts.length < 2 || parts.length > 3) {
      bad('expected "<measurement>[,tags] <fields> [timestamp]"');
      continue;
    }
    const [series, fieldSet, stamp] = parts as [string, string, string | undefined];
    const tags = new Map<string, string>();
    for (const kv of splitEscaped(series, ',').slice(1)) {
      const eq = kv.indexOf('=');
      if (eq <= 0) bad(`tag "${kv}" is not key=value`);
      else tags.set(kv.slice(0, eq), kv.slice(eq + 1));
    }
    const ref = refOf(tags.get('device_id') ?? '', tags.get('asset_serial') ?? '', tags.get('asset_model') ?? '');
    if (typeof ref === 'string') {
      bad(`${ref} tag`);
      continue;
    }
    const metrics: Record<string, number | boolean> = {};
    let ok = true;
    for (const kv of splitEscaped(fieldSet, ',')) {
      const eq = kv.indexOf('=');
      const name = eq > 0 ? kv.slice(0, eq) : '';
      const v = eq > 0 ? kv.slice(eq + 1) : '';
      let value: number | boolean | undefined;
      if (/^[-+]?\d+[iu]$/.test(v)) value = Number(v.slice(0, -1));
      else if (/^(t|true|T|True|TRUE)$/.test(v)) value = true;
      else if (/^(f|false|F|False|FALSE)$/.test(v)) value = false;
      else if (v.startsWith('"')) value = undefined;
      else value = parseValue(v);
      if (!name || value === undefined) {
        bad(v.startsWith('"') ? `field ${name} is a string: only numbers and booleans are telemetry` : `field "${kv}" is not name=<number|integer i|boolean>`);
        ok = false;
        break;
      }
      metrics[name] = value;
    }
    if (!ok) continue;
    if (stamp === undefined) {
      bad('no timestamp: history needs the time of each point');
      continue;
    }
    if (!/^-?\d+$/.test(stamp)) {
      bad(`timestamp "${stamp}" is not an integer`);
      continue;
    }
    // BigInt keeps ns timestamps (19 digits) exact before scaling to ms.
    const ms = precision === 's' ? Number(stamp) * 1000 : Number(BigInt(stamp) / BigInt(PRECISION_DIVISOR[precision]));
    readings.push({ row, ref, ts: ms, metrics });
  }
  return { readings, errors };
}
