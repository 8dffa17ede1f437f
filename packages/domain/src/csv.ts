/**
 * RFC 4180 CSV reading for the files users bring (history imports): comma
 * separated, fields with commas, quotes or line breaks in double quotes, ""
 * for a quote, CRLF or LF, an optional BOM. Rows are numbered as a person
 * counts lines in the file (the header is row 1; a quoted line break does
 * not start a new row, blank lines are skipped but counted).
 */
export class CsvSyntaxError extends Error {
  constructor(
    readonly row: number,
    message: string,
  ) {
    super(`row ${row}: ${message}`);
  }
}

/** RFC 4180 records with the row number each starts on (a quoted line break does not start a new row). */
export function parseCsv(text: string): { row: number; fields: string[] }[] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const out: { row: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let fieldStarted = false;
  while (i < src.length) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const next = src[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') throw new CsvSyntaxError(recordLine, 'text after a closing quote');
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (fieldStarted && field.length > 0) throw new CsvSyntaxError(recordLine, 'a quote inside an unquoted field');
      quoted = true;
      fieldStarted = true;
      i++;
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
      fieldStarted = false;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      fields.push(field);
      if (!(fields.length === 1 && fields[0] === '')) out.push({ row: recordLine, fields });
      fields = [];
      field = '';
      fieldStarted = false;
      i += c === '\r' && src[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += c;
    fieldStarted = true;
    i++;
  }
  if (quoted) throw new CsvSyntaxError(recordLine, 'a quoted field is not closed');
  fields.push(field);
  if (!(fields.length === 1 && fields[0] === '')) out.push({ row: recordLine, fields });
  return out;
}

