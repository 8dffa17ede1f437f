/**
 * Parsers for the NASA C-MAPSS text files (Saxena et al., PHM 2008).
 *
 * Row files (`train_FDxxx.txt`, `test_FDxxx.txt`): 26 space-separated numbers per
 * line, `unit cycle setting1..3 s1..s21`, usually with trailing spaces.
 * RUL files (`RUL_FDxxx.txt`): one non-negative integer per test unit, in unit order.
 *
 * Both are pure functions of the text so the simulator can replay files it got
 * from anywhere; `load.ts` is the only place that touches the file system.
 */

export const SETTING_COUNT = 3;
export const SENSOR_COUNT = 21;
export const COLUMN_COUNT = 2 + SETTING_COUNT + SENSOR_COUNT;

export interface CmapssRow {
  readonly unit: number;
  readonly cycle: number;
  /** Operating settings 1-3 (altitude, Mach number, throttle resolver angle). */
  readonly settings: readonly number[];
  /** Sensors s1..s21, index 0 is s1. */
  readonly sensors: readonly number[];
}

/** A malformed input file: names the file and the 1-based line so a human can fix it. */
export class CmapssParseError extends Error {
  readonly code = 'CMAPSS_PARSE';
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${detail}` : `${file}: ${detail}`);
    this.name = 'CmapssParseError';
  }
}

// Lines are split on any run of blanks; the originals use single spaces plus trailing ones.
const BLANKS = /[ \t]+/;

function splitLines(text: string): string[] {
  // Accept CRLF (files copied through Windows tools) as well as LF.
  return text.split(/\r?\n/);
}

function parseInteger(token: string, what: string, file: string, line: number): number {
  if (!/^\d+$/.test(token)) throw new CmapssParseError(file, line, `${what} must be a non-negative integer, got "${token}"`);
  return Number(token);
}

function parseReal(token: string, what: string, file: string, line: number): number {
  const value = Number(token);
  // Number('') is 0 and Number('0x10') is 16: insist on a decimal literal.
  if (!Number.isFinite(value) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(token)) {
    throw new CmapssParseError(file, line, `${what} must be a number, got "${token}"`);
  }
  return value;
}

/**
 * Parses a train or test file. Enforces the layout the evaluation relies on:
 * units appear in increasing order and each unit's cycles run 1, 2, 3, ...
 * without gaps, so "last row of a unit" really is its last cycle.
 * Blank lines (typically the final newline) are ignored.
 */
export function parseRows(text: string, file = '<input>'): CmapssRow[] {
  const rows: CmapssRow[] = [];
  const lines = splitLines(text);
  let prev: { unit: number; cycle: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const trimmed = (lines[i] ?? '').trim();
    if (trimmed === '') continue;
    const tokens = trimmed.split(BLANKS);
    if (tokens.length !== COLUMN_COUNT) {
      throw new CmapssParseError(file, lineNo, `expected ${COLUMN_COUNT} columns (unit cycle 3 settings 21 sensors), got ${tokens.length}`);
    }
    const unit = parseInteger(tokens[0]!, 'unit', file, lineNo);
    const cycle = parseInteger(tokens[1]!, 'cycle', file, lineNo);
    if (unit < 1) throw new CmapssParseError(file, lineNo, 'unit numbers start at 1');
    const settings: number[] = [];
    for (let s = 0; s < SETTING_COUNT; s++) settings.push(parseReal(tokens[2 + s]!, `setting${s + 1}`, file, lineNo));
    const sensors: number[] = [];
    for (let s = 0; s < SENSOR_COUNT; s++) sensors.push(parseReal(tokens[2 + SETTING_COUNT + s]!, `s${s + 1}`, file, lineNo));

    if (prev === undefined || unit !== prev.unit) {
      if (prev !== undefined && unit < prev.unit) {
        throw new CmapssParseError(file, lineNo, `unit ${unit} follows unit ${prev.unit}: units must be in increasing order`);
      }
      if (cycle !== 1) throw new CmapssParseError(file, lineNo, `unit ${unit} starts at cycle ${cycle}, expected 1`);
    } else if (cycle !== prev.cycle + 1) {
      throw new CmapssParseError(file, lineNo, `unit ${unit}: cycle ${cycle} follows cycle ${prev.cycle}, expected ${prev.cycle + 1}`);
    }
    prev = { unit, cycle };
    rows.push({ unit, cycle, settings, sensors });
  }
  if (rows.length === 0) throw new CmapssParseError(file, 0, 'no data rows');
  return rows;
}

/** Parses a `RUL_FDxxx.txt` file: one remaining-cycles value per test unit, in unit order. */
export function parseRul(text: string, file = '<input>'): number[] {
  const values: number[] = [];
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const trimmed = (lines[i] ?? '').trim();
    if (trimmed === '') continue;
    const tokens = trimmed.split(BLANKS);
    if (tokens.length !== 1) throw new CmapssParseError(file, i + 1, `expected one RUL value, got ${tokens.length} columns`);
    values.push(parseInteger(tokens[0]!, 'RUL', file, i + 1));
  }
  if (values.length === 0) throw new CmapssParseError(file, 0, 'no RUL values');
  return values;
}
