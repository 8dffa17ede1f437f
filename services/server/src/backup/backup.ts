import { copyFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { snapshotSqlite, type Db } from '@hourmeter/db';
import { AppError, type Logger } from '@hourmeter/runtime';
import type { TelemetryStore } from '@hourmeter/telemetry-store';

/** The files of an embedded data directory, and where a backup keeps them. */
export const SQLITE_FILE = 'hourmeter.sqlite';
export const TELEMETRY_FILE = 'telemetry.duckdb';
export const SPOOL_DIR = 'spool';
export const MANIFEST_FILE = 'manifest.json';
export const CONFIG_FILE = 'config.json';

export interface BackupManifest {
  readonly format: 1;
  readonly version: string;
  /** When the backup started and finished (epoch ms); restore recomputes operating hours from the day it started. */
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly files: readonly { name: string; bytes: number }[];
}

export interface BackupDeps {
  readonly dataDir: string;
  readonly db: Db;
  readonly telemetry: TelemetryStore;
  /** The running configuration, secrets removed (stored as config.json). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly version: string;
  readonly logger: Logger;
}

/** Data-dir entries that are not copied as plain files: the stores (copied through their own snapshot) and their journals. */
const STORE_FILES = /^(hourmeter\.sqlite|telemetry\.duckdb)(-wal|-shm|\.wal)?$/;

/**
 * An online, consistent backup of the embedded default into an empty `dir`,
 * while devices keep publishing. The order is what makes it consistent:
 * 1. the spool (readings acknowledged but not yet stored): copied first, so a
 *    reading that leaves it for the store meanwhile is found in the store's
 *    copy (taken later), never in neither; one in both is stored once (the
 *    store deduplicates by device, ts and seq);
 * 2. the telemetry store: merged, checkpointed and copied inside its write queue;
 * 3. SQLite, last (`VACUUM INTO`, a transactionally consistent copy): invoices,
 *    hour meter and everything relational as of the end of the backup;
 * 4. other files of the data directory (demo credentials) and the configuration.
 */
export async function takeBackup(deps: BackupDeps, dir: string): Promise<BackupManifest> {
  if (!isAbsolute(dir)) throw new AppError('VALIDATION_FAILED', `dir: ${dir} must be an absolute path on the server`);
  if (!deps.telemetry.snapshotTo || deps.db.dialect !== 'sqlite') {
    throw new AppError('CONFLICT', 'backup copies the embedded stores (SQLite, DuckDB); with PostgreSQL and InfluxDB use pg_dump and influxd backup (README, "Backup and restore")');
  }
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) throw new AppError('CONFLICT', `dir: ${dir} is not empty; back up into a new directory`);
  const startedAt = Date.now();
  const log = deps.logger.child({ svc: 'backup', dir });
  log.info('backup started');

  await copyTree(join(deps.dataDir, SPOOL_DIR), join(dir, SPOOL_DIR));
  await deps.telemetry.snapshotTo(join(dir, TELEMETRY_FILE));
  await snapshotSqlite(deps.db, join(dir, SQLITE_FILE));
  for (const entry of await readdir(deps.dataDir, { withFileTypes: true })) {
    if (entry.isFile() && !STORE_FILES.test(entry.name)) await copyFile(join(deps.dataDir, entry.name), join(dir, entry.name));
  }
  await writeFile(join(dir, CONFIG_FILE), `${JSON.stringify(deps.config, null, 2)}\n`);

  const files = await listFiles(dir);
  const manifest: BackupManifest = { format: 1, version: deps.version, startedAt, finishedAt: Date.now(), files };
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  log.info({ ms: manifest.finishedAt - startedAt, files: files.length }, 'backup finished');
  return manifest;
}

/** Copies a directory whose files may disappear meanwhile (spool segments the drainer deletes once stored). */
async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  let entries;
  try {
    entries = await readdir(from, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) {
    if (e.isDirectory()) await copyTree(join(from, e.name), join(to, e.name));
    else await copyFile(join(from, e.name), join(to, e.name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}

export async function listFiles(dir: string, prefix = ''): Promise<{ name: string; bytes: number }[]> {
  const out: { name: string; bytes: number }[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const name = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, name)));
    else out.push({ name, bytes: (await stat(join(dir, name))).size });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
