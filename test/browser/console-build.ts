import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const CONSOLE_DIR = join(ROOT, 'services/console');

/** Newest modification time under a directory (sources of the console). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds the console when its build is missing or older than its sources, so a browser walk never tests stale pages. */
export function ensureConsoleBuilt(): void {
  const index = join(CONSOLE_DIR, 'dist/web/index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(join(CONSOLE_DIR, 'src/app'))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: CONSOLE_DIR,
    encoding: 'utf8',
    // vitest sets NODE_ENV=test, which would give React's development build (StrictMode runs every effect twice).
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (r.status !== 0) throw new Error(`console build failed:\n${r.stdout}\n${r.stderr}`);
}
