import { copyFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { openDb, repositories } from '@hourmeter/db';
import { createHourMeter, modelSettingsSource } from '@hourmeter/metering';
import type { Logger } from '@hourmeter/runtime';
import { createDuckDbTelemetryStore } from '@hourmeter/telemetry-store';
import { CONFIG_FILE, listFiles, MANIFEST_FILE, type BackupManifest } from './backup.js';

export class RestoreRefused extends Error {}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Restores a backup into an empty data directory (the server stopped): checks
 * every file the manifest lists, copies them, then recomputes the operating
 * hours of every asset from the day before the backup started to the day it
 * finished, so the hour meter matches the readings copied (hours lag the
 * readings by the meter's interval). Spooled readings are stored (and metered)
 * by the next start.
 */
export async function restoreBackup(from: string, dataDir: string, logger: Logger): Promise<{ files: number; assets: number; fromDay: string }> {
  const manifest = JSON.parse(await readFile(join(from, MANIFEST_FILE), 'utf8').catch(() => {
    throw new RestoreRefused(`${from} holds no ${MANIFEST_FILE}: not a backup`);
  })) as BackupManifest;
  const present = new Map((await listFiles(from)).map((f) => [f.name, f.bytes]));
  for (const f of manifest.files) {
    if (present.get(f.name) !== f.bytes) throw new RestoreRefused(`${f.name}: missing or not ${f.bytes} bytes; the backup is incomplete`);
  }
  await mkdir(dataDir, { recursive: true });
  if ((await readdir(dataDir)).length > 0) throw new RestoreRefused(`${dataDir} is not empty; restore into an empty data directory`);
  const copied = manifest.files.filter((f) => f.name !== CONFIG_FILE);
  for (const f of copied) {
    await mkdir(dirname(join(dataDir, f.name)), { recursive: true });
    await copyFile(join(from, f.name), join(dataDir, f.name));
  }
  await mkdir(join(dataDir, 'spool'), { recursive: true });
  if ((await stat(join(dataDir, 'spool'))).isDirectory() === false) throw new RestoreRefused('spool is not a directory');

  const fromDay = isoDay(manifest.startedAt - DAY_MS);
  const toDay = isoDay(manifest.finishedAt);
  const db = await openDb({ dataDir, logger });
  const store = await createDuckDbTelemetryStore({ dataDir });
  let assets = 0;
  try {
    const repos = repositories(db);
    const meter = createHourMeter({ samples: store, totals: repos.operatingHours, logger, settings: modelSettingsSource(repos) });
    let cursor: string | undefined;
    do {
      const page = await repos.assets.list({ limit: 500, cursor });
      for (const asset of page.items) {
        await meter.recompute(asset.id, fromDay, toDay);
        assets++;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  } finally {
    await store.close();
    await db.close();
  }
  return { files: copied.length, assets, fromDay };
}
