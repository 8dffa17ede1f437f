import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cmapssFile, loadCmapssSet, loadTrainUnits } from './load.js';
import { CmapssParseError, parseRows, parseRul } from './parse.js';
import { cmapssTestData } from './testing.js';
import { cappedRul, groupByUnit, lastCycle, trueRul } from './units.js';

// 26 columns with the trailing spaces of the original files.
const row = (unit: number, cycle: number, s2 = 641.82) =>
  `${unit} ${cycle} -0.0007 -0.0004 100.0 518.67 ${s2} 1589.70 1400.60 14.62 21.61 554.36 2388.06 9046.19 1.30 47.47 521.66 2388.02 8138.62 8.4195 0.03 392 2388 100.00 39.06 23.4190  `;

function parseError(fn: () => unknown): CmapssParseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CmapssParseError) return err;
    throw err;
  }
  throw new Error('expected a CmapssParseError');
}

describe('parseRows', () => {
  it('parses rows with trailing spaces, CRLF and a final newline', () => {
    const text = [row(1, 1), row(1, 2, 642.15), row(2, 1)].join('\r\n') + '\n';
    const rows = parseRows(text, 'train_X.txt');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatchObject({ unit: 1, cycle: 2 });
    expect(rows[1]!.settings).toEqual([-0.0007, -0.0004, 100]);
    expect(rows[1]!.sensors).toHaveLength(21);
    expect(rows[1]!.sensors[1]).toBe(642.15);
    expect(rows[1]!.sensors[20]).toBe(23.419);
  });

  it('names file and line for a short row', () => {
    const err = parseError(() => parseRows(`${row(1, 1)}\n1 2 0.1 0.2\n`, 'train_FD001.txt'));
    expect(err.file).toBe('train_FD001.txt');
    expect(err.line).toBe(2);
    expect(err.message).toMatch(/^train_FD001\.txt:2: expected 26 columns.*got 4/);
  });

  it('rejects non-numeric values with the column name', () => {
    const bad = row(1, 1).replace('641.82', 'abc');
    expect(parseError(() => parseRows(bad, 'f.txt')).message).toBe('f.txt:1: s2 must be a number, got "abc"');
    expect(parseError(() => parseRows(row(1, 1).replace(/^1 1/, '1 x'), 'f.txt')).message).toMatch(/cycle must be a non-negative integer/);
  });

  it('rejects gaps in cycles, units out of order and units not starting at cycle 1', () => {
    expect(parseError(() => parseRows([row(1, 1), row(1, 3)].join('\n'))).message).toMatch(/:2: unit 1: cycle 3 follows cycle 1/);
    expect(parseError(() => parseRows([row(2, 1), row(1, 1)].join('\n'))).message).toMatch(/:2: unit 1 follows unit 2/);
    expect(parseError(() => parseRows([row(1, 1), row(2, 2)].join('\n'))).message).toMatch(/:2: unit 2 starts at cycle 2/);
  });

  it('rejects an empty file', () => {
    expect(parseError(() => parseRows('\n  \n', 'empty.txt')).message).toBe('empty.txt: no data rows');
  });
});

describe('parseRul', () => {
  it('parses one value per line with trailing spaces', () => {
    expect(parseRul('112 \n98 \n69 \n')).toEqual([112, 98, 69]);
  });
  it('rejects extra columns and non-integers', () => {
    expect(parseError(() => parseRul('112\n98 3\n', 'RUL.txt')).message).toBe('RUL.txt:2: expected one RUL value, got 2 columns');
    expect(parseError(() => parseRul('1.5\n', 'RUL.txt')).message).toMatch(/RUL\.txt:1: RUL must be a non-negative integer/);
  });
});

describe('units and true RUL', () => {
  const rows = parseRows([row(1, 1), row(1, 2), row(1, 3), row(2, 1), row(2, 2)].join('\n'));
  it('groups rows by unit in file order', () => {
    const units = groupByUnit(rows);
    expect(units.map((u) => [u.unit, u.rows.length, lastCycle(u)])).toEqual([
      [1, 3, 3],
      [2, 2, 2],
    ]);
  });
  it('computes training RUL (0 at the last cycle) and test RUL offset by the RUL file', () => {
    const [train] = groupByUnit(rows);
    expect(trueRul(train!)).toEqual([2, 1, 0]);
    const test = groupByUnit(rows, [10, 200]);
    expect(trueRul(test[0]!)).toEqual([12, 11, 10]);
    expect(cappedRul(test[1]!, 125)).toEqual([125, 125]);
    expect(() => groupByUnit(rows, [1])).toThrow(/1 values but there are 2 units/);
  });
});

describe('gzip-compressed files', () => {
  it('load the same units as their plain text, and a missing file keeps its plain name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cmapss-'));
    try {
      const text = `${row(1, 1)}\n${row(1, 2)}\n${row(2, 1, 642.5)}\n`;
      writeFileSync(join(dir, 'train_FD003.txt'), text);
      writeFileSync(join(dir, 'train_FD004.txt.gz'), gzipSync(text));
      expect(cmapssFile(dir, 'train_FD004.txt')).toBe(join(dir, 'train_FD004.txt.gz'));
      expect(cmapssFile(dir, 'train_FD003.txt')).toBe(join(dir, 'train_FD003.txt'));
      expect(cmapssFile(dir, 'test_FD004.txt')).toBe(join(dir, 'test_FD004.txt'));
      const fromGzip = await loadTrainUnits(cmapssFile(dir, 'train_FD004.txt'));
      expect(fromGzip).toEqual(await loadTrainUnits(join(dir, 'train_FD003.txt')));
      expect(fromGzip.map((u) => u.rows.length)).toEqual([2, 1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const data = cmapssTestData(...['FD001', 'FD002'].flatMap((set) => [`train_${set}.txt`, `test_${set}.txt`, `RUL_${set}.txt`]));

describe.skipIf(!data.available)('real C-MAPSS files', () => {
  it.each([
    ['FD001', 100, 20631, 100, 13096],
    ['FD002', 260, 53759, 259, 33991],
  ] as const)('%s has the documented unit and row counts', async (set, trainUnits, trainRows, testUnits, testRows) => {
    const loaded = await loadCmapssSet(data.dir, set);
    expect(loaded.train).toHaveLength(trainUnits);
    expect(loaded.train.reduce((a, u) => a + u.rows.length, 0)).toBe(trainRows);
    expect(loaded.test).toHaveLength(testUnits);
    expect(loaded.test.reduce((a, u) => a + u.rows.length, 0)).toBe(testRows);
    // Training units run to failure; every test unit got its RUL from the RUL file.
    expect(loaded.train.every((u) => u.rulAtEnd === 0 && trueRul(u).at(-1) === 0)).toBe(true);
    expect(loaded.test.every((u) => u.rulAtEnd > 0)).toBe(true);
  });
});
