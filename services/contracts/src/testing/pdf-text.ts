import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why PDF text cannot be extracted here (poppler's pdftotext missing), or undefined when it can. */
export function pdfTextUnavailable(): string | undefined {
  const probe = spawnSync('pdftotext', ['-v'], { encoding: 'utf8' });
  if (probe.error) {
    const why = 'no pdftotext (install Debian package `poppler-utils`)';
    if (process.env.HM_TEST_REQUIRE_SERVERS === '1') throw new Error(why);
    return why;
  }
  return undefined;
}

/** The text of a PDF as poppler's parser reads it (layout kept, so a row stays on one line). */
export function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'hm-pdf-'));
  try {
    const file = join(dir, 'doc.pdf');
    writeFileSync(file, pdf);
    const res = spawnSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8', timeout: 30_000 });
    if (res.status !== 0) throw new Error(`pdftotext failed (${res.status}): ${res.stderr}`);
    return res.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
