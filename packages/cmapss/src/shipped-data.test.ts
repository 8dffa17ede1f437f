import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CMAPSS_DATA_DIR } from './load.js';

/** `<sha256>  <name>` lines of the original text files, as `sha256sum` writes them. */
const sums = readFileSync(join(CMAPSS_DATA_DIR, 'SHA256SUMS'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => line.split(/\s+/) as [string, string]);

describe('the C-MAPSS files shipped in packages/cmapss/data', () => {
  it('cover FD001 and FD002 (train, test, RUL)', () => {
    expect(sums.map(([, name]) => name).sort()).toEqual(
      ['RUL_FD001.txt', 'RUL_FD002.txt', 'test_FD001.txt', 'test_FD002.txt', 'train_FD001.txt', 'train_FD002.txt'],
    );
  });

  it.each(sums)('decompress to the original bytes (sha256 %s of %s)', (sha256, name) => {
    const text = gunzipSync(readFileSync(join(CMAPSS_DATA_DIR, `${name}.gz`)));
    expect(createHash('sha256').update(text).digest('hex')).toBe(sha256);
  });
});
