import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('reads RFC 4180: quotes, doubled quotes, commas and line breaks inside quotes, CRLF, BOM', () => {
    const text = '\uFEFFa,b\r\n"x, ""y""","multi\nline"\r\n\r\nlast,\n';
    expect(parseCsv(text)).toEqual([
      { row: 1, fields: ['a', 'b'] },
      { row: 2, fields: ['x, "y"', 'multi\nline'] },
      { row: 5, fields: ['last', ''] },
    ]);
    expect(() => parseCsv('a\n"open')).toThrow(/row 2: a quoted field is not closed/);
    expect(() => parseCsv('a\nx"y')).toThrow(/row 2: a quote inside an unquoted field/);
  });
});
