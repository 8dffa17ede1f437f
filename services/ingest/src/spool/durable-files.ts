import { copyFile, open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * File operations that are on disk when they resolve (fdatasync of the file,
 * fsync of the directory where an entry changed): the spool's repairs and the
 * dead-letter file decide what happens to acknowledged readings, so a power
 * cut right after them must not undo them.
 */

async function withFile(path: string, flags: string, fn: (fh: FileHandle) => Promise<void>): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fn(fh);
  } finally {
    await fh.close();
  }
}

export async function syncDir(dir: string): Promise<void> {
  await withFile(dir, 'r', (fh) => fh.sync());
}

export async function truncateDurably(path: string, length: number): Promise<void> {
  await withFile(path, 'r+', async (fh) => {
    await fh.truncate(length);
    await fh.datasync();
  });
}

export async function appendDurably(path: string, data: string | Buffer): Promise<void> {
  let created = false;
  await withFile(path, 'a', async (fh) => {
    // Empty before this write: (possibly) just created, so its directory entry must reach the disk too.
    created = (await fh.stat()).size === 0;
    await fh.writeFile(data);
    await fh.datasync();
  });
  if (created) await syncDir(dirname(path));
}

export async function copyDurably(from: string, to: string): Promise<void> {
  await copyFile(from, to);
  await withFile(to, 'r', (fh) => fh.datasync());
  await syncDir(dirname(to));
}

/** Replaces `path` with `data` atomically: a crash leaves either the old or the new file. */
export async function replaceDurably(path: string, data: Buffer): Promise<void> {
  const tmp = `${path}.tmp`;
  await withFile(tmp, 'w', async (fh) => {
    await fh.writeFile(data);
    await fh.datasync();
  });
  await rename(tmp, path);
  await syncDir(dirname(path));
}
