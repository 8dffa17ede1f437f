import { resolve } from 'node:path';
import { createLogger } from '@hourmeter/runtime';
import { restoreBackup, RestoreRefused } from '../backup/restore.js';

/**
 * `npm run restore -- <dir>`: restores a backup made by `npm run backup` into
 * the empty data directory `HM_DATA_DIR` (default ./data), with the server
 * stopped. Exit 0 restored, 1 failed, 2 refused (bad arguments, not empty, incomplete backup).
 */
const dir = process.argv[2];
if (!dir || process.argv.length > 3) {
  process.stderr.write('usage: HM_DATA_DIR=<empty dir> npm run restore -- <backup dir>\n');
  process.exit(2);
}
const dataDir = resolve(process.env.HM_DATA_DIR ?? './data');
try {
  const r = await restoreBackup(resolve(dir), dataDir, createLogger({ level: 'warn' }));
  process.stdout.write(`restore: ${r.files} files into ${dataDir}, operating hours recomputed for ${r.assets} assets from ${r.fromDay}\n`);
} catch (err) {
  process.stderr.write(`restore failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof RestoreRefused ? 2 : 1);
}
