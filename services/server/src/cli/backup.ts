import { resolve } from 'node:path';

/**
 * `npm run backup -- <dir>`: an online backup of the running embedded
 * process into the empty directory <dir> (on the same machine), through its
 * API: `HM_API_URL` (default http://127.0.0.1:$HM_HTTP_PORT, port 8080) with
 * the admin key in `HM_API_KEY` (or `HM_ADMIN_KEY`). Exit 0 done, 1 failed, 2 bad arguments.
 */
const dir = process.argv[2];
const key = process.env.HM_API_KEY ?? process.env.HM_ADMIN_KEY;
if (!dir || process.argv.length > 3 || !key) {
  process.stderr.write('usage: HM_API_KEY=<admin key> npm run backup -- <empty dir>   (HM_API_URL defaults to http://127.0.0.1:8080)\n');
  process.exit(2);
}
const url = process.env.HM_API_URL ?? `http://127.0.0.1:${process.env.HM_HTTP_PORT ?? '8080'}`;
const target = resolve(dir);
try {
  const res = await fetch(`${url}/api/v1/backups`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ dir: target }),
  });
  const body = (await res.json()) as { files?: { bytes: number }[]; startedAt?: number; finishedAt?: number; detail?: string };
  if (res.status !== 201 || !body.files) {
    process.stderr.write(`backup failed: ${res.status} ${body.detail ?? JSON.stringify(body)}\n`);
    process.exit(1);
  }
  const bytes = body.files.reduce((sum, f) => sum + f.bytes, 0);
  process.stdout.write(`backup: ${body.files.length} files, ${bytes} bytes in ${target} (${body.finishedAt! - body.startedAt!} ms)\n`);
} catch (err) {
  process.stderr.write(`backup failed: cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
