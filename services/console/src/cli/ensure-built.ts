/**
 * Builds the console (vite) when `dist/web` is missing or older than its
 * sources; otherwise does nothing. Run by the root `prestart`, so
 * `npm ci && npm start` serves the console on a fresh clone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const DIR = new URL('../../', import.meta.url).pathname;

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((e) => newest(join(path, e))));
}

const index = join(DIR, 'dist/web/index.html');
const sources = Math.max(newest(join(DIR, 'src/app')), newest(join(DIR, 'vite.config.ts')), newest(join(DIR, 'package.json')));
if (existsSync(index) && statSync(index).mtimeMs >= sources) process.exit(0);

process.stdout.write('building the web console (services/console/dist/web)...\n');
const vite = join(DIR, '../../node_modules/vite/bin/vite.js');
const r = spawnSync(process.execPath, [existsSync(vite) ? vite : join(DIR, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: DIR, stdio: 'inherit' });
process.exit(r.status ?? 1);
