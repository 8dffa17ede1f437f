import { existsSync } from 'node:fs';
import { CMAPSS_DATA_DIR, cmapssFile } from './load.js';

export interface CmapssTestData {
  /** `HM_CMAPSS_DIR` when set, else the data shipped in packages/cmapss/data. */
  readonly dir: string;
  /** Whether every file the suite named is there. */
  readonly available: boolean;
}

/**
 * The C-MAPSS directory for a suite that needs `files` (original names, e.g.
 * `train_FD001.txt`; plain or gzip). Where one is missing the suite is skipped
 * with a warning, except with `HM_TEST_REQUIRE_SERVERS=1` (CI), where missing
 * data fails the run instead of hiding a whole suite. Use with
 * `describe.skipIf(!data.available)`.
 */
export function cmapssTestData(...files: string[]): CmapssTestData {
  const dir = process.env.HM_CMAPSS_DIR ?? CMAPSS_DATA_DIR;
  const missing = files.filter((name) => !existsSync(cmapssFile(dir, name)));
  if (missing.length > 0) {
    const message = `C-MAPSS data missing in ${dir}: ${missing.join(', ')} (unset HM_CMAPSS_DIR to use the shipped files)`;
    if (process.env.HM_TEST_REQUIRE_SERVERS === '1') throw new Error(message);
    // Through stderr like vitest's own notices: the suite still reports as skipped.
    process.stderr.write(`[cmapss] ${message}: suite skipped\n`);
  }
  return { dir, available: missing.length === 0 };
}
