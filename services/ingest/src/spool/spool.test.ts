import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { appendFileSync, rmSync, closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@hourmeter/runtime';
import { tempDir, waitFor } from '@hourmeter/testkit';
import type { StoredReading } from '@hourmeter/telemetry-store';
import { describe, expect, it } from 'vitest';
import { encodeRecord, HEADER_BYTES } from './record-codec.js';
import { Spool } from './spool.js';

const log = createLogger({ level: 'silent' });
const reading = (i: number) => ({ assetId: 'ast_1', deviceId: 'dev_1', ts: 1_700_000_000_000 + i, seq: i, metrics: { v: i } });
const opts = (dir: string) => ({ dir, maxBytes: 1 << 20, segmentBytes: 64 * 1024, fsync: 'group' as const, commitIntervalMs: 1, log });

/** Runs `fn` with a fresh spool directory, removed afterwards. */
async function inSpoolDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir('hm-spool-');
  try {
    await fn(dir.path);
  } finally {
    dir.cleanup();
  }
}
/** Appends one record of `readings`, encoded as ingest does. */
const put = (s: Spool, ...readings: StoredReading[]) => s.append(encodeRecord(readings), readings);

const segments = (dir: string) => readdirSync(dir).filter((n) => /^seg-\d+\.log$/.test(n)).sort();

/** Five records (seq 0-4), one per append, in the spool's first segment; returns where each record starts. */
async function fiveRecords(s: Spool): Promise<number[]> {
  const starts: number[] = [];
  let at = 0;
  for (let i = 0; i < 5; i++) {
    await put(s, reading(i));
    starts.push(at);
    at += encodeRecord([reading(i)]).length;
  }
  return starts;
}

/** Overwrites bytes of a file in place, as bit rot would. */
function damage(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

const flipped = (path: string, offset: number) => Buffer.from([readFileSync(path)[offset]! ^ 0xff]);

describe('Spool', () => {
  it('commits appends still waiting for their group commit when closed, and takes none after', async () => {
    await inSpoolDir(async (dir) => {
      // A long commit window: the appends are still waiting for it when close() comes.
      const a = await Spool.open({ ...opts(dir), commitIntervalMs: 60_000 });
      const appended = Promise.all([put(a, reading(0)), put(a, reading(1))]);
      await a.close();
      await appended;
      await expect(put(a, reading(2))).rejects.toThrow(/spool closed/);
      const replayed: number[] = [];
      const b = await Spool.open(opts(dir), (rs) => replayed.push(...rs.map((r) => r.seq!)));
      expect(replayed).toEqual([0, 1]);
      await b.close();
    });
  });

  it('replays committed records after a restart and truncates a torn tail', async () => {
    await inSpoolDir(async (dir) => {
      const a = await Spool.open(opts(dir));
      await Promise.all([0, 1, 2].map((i) => put(a, reading(i))));
      await a.close();
      const seg = readdirSync(dir).find((n) => n.startsWith('seg-'))!;
      const good = statSync(join(dir, seg)).size;
      // A write cut short by a crash: a header promising more bytes than follow.
      appendFileSync(join(dir, seg), Buffer.from([0, 0, 1, 0, 1, 2, 3, 4, 9, 9]));

      const replayed: number[] = [];
      const b = await Spool.open(opts(dir), (rs) => replayed.push(...rs.map((r) => r.seq!)));
      expect(replayed).toEqual([0, 1, 2]);
      expect(statSync(join(dir, seg)).size).toBe(good);
      // A torn tail is not damage: nothing preserved, nothing counted.
      expect(readdirSync(dir).filter((n) => n.endsWith('.corrupt'))).toEqual([]);
      expect(b.stats()).toMatchObject({ corruptRegions: 0, corruptBytes: 0 });
      const batch = (await b.readBatch(10))!;
      expect(batch.readings.map((r) => r.seq)).toEqual([0, 1, 2]);
      await b.confirm(batch.end);
      // The old segment is deleted once confirmed; only the new active one stays.
      expect(readdirSync(dir).filter((n) => n.startsWith('seg-'))).toHaveLength(1);
      expect(b.stats().pendingReadings).toBe(0);
      await b.close();
    });
  });

  it('keeps every other record of a closed segment damaged in the middle, and preserves the damaged file', async () => {
    await inSpoolDir(async (dir) => {
      const a = await Spool.open(opts(dir));
      const starts = await fiveRecords(a);
      await a.close();
      await (await Spool.open(opts(dir))).close(); // a restart: the first segment is no longer the newest
      const [seg] = segments(dir);
      const path = join(dir, seg!);
      damage(path, starts[1]! + HEADER_BYTES + 3, flipped(path, starts[1]! + HEADER_BYTES + 3));
      const asFound = readFileSync(path);

      const replayed: number[] = [];
      const b = await Spool.open(opts(dir), (rs) => replayed.push(...rs.map((r) => r.seq!)));
      expect(replayed).toEqual([0, 2, 3, 4]);
      expect(b.stats()).toMatchObject({ corruptRegions: 1, corruptBytes: starts[2]! - starts[1]!, pendingReadings: 4 });
      expect(readFileSync(`${path}.corrupt`).equals(asFound)).toBe(true);
      const batch = (await b.readBatch(10))!;
      expect(batch.readings.map((r) => r.seq)).toEqual([0, 2, 3, 4]);
      await b.confirm(batch.end);
      expect(b.stats().pendingReadings).toBe(0);
      await b.close();
    });
  });

  it('keeps the records after a damaged one in the newest segment too: only a tail with nothing verifiable after it is torn', async () => {
    await inSpoolDir(async (dir) => {
      const a = await Spool.open(opts(dir));
      const starts = await fiveRecords(a);
      await a.close();
      const path = join(dir, segments(dir)[0]!);
      damage(path, starts[3]!, Buffer.from([0xff, 0xff, 0xff, 0xff])); // a length that runs past the end of the file

      const replayed: number[] = [];
      const b = await Spool.open(opts(dir), (rs) => replayed.push(...rs.map((r) => r.seq!)));
      expect(replayed).toEqual([0, 1, 2, 4]);
      expect(b.stats().corruptRegions).toBe(1);
      expect(existsSync(`${path}.corrupt`)).toBe(true);
      await b.close();
    });
  });

  it('skips damage found while reading (a bad length, a bad CRC) instead of looping on it or stopping', { timeout: 10_000 }, async () => {
    await inSpoolDir(async (dir) => {
      const s = await Spool.open({ ...opts(dir), memoryReadings: 0 }); // every read from the file
      const starts = await fiveRecords(s);
      const path = join(dir, segments(dir)[0]!);
      damage(path, starts[1]!, Buffer.from([0xff, 0xff, 0xff, 0xff]));
      damage(path, starts[3]! + HEADER_BYTES + 2, flipped(path, starts[3]! + HEADER_BYTES + 2));

      const batch = (await s.readBatch(10))!;
      expect(batch.readings.map((r) => r.seq)).toEqual([0, 2, 4]);
      expect(s.stats().corruptRegions).toBe(2);
      expect(existsSync(`${path}.corrupt`)).toBe(true);
      await s.confirm(batch.end);
      // The depth figures follow what could be read, or a drain would never finish.
      expect(s.stats().pendingReadings).toBe(0);
      await s.close();
    });
  });

  it('drops a recovered segment with nothing verifiable in it only after preserving it', async () => {
    await inSpoolDir(async (dir) => {
      const a = await Spool.open(opts(dir));
      await fiveRecords(a);
      await a.close();
      await (await Spool.open(opts(dir))).close();
      const path = join(dir, segments(dir)[0]!);
      const garbage = Buffer.alloc(statSync(path).size, 0x5a);
      writeFileSync(path, garbage);

      const b = await Spool.open(opts(dir));
      expect(b.stats()).toMatchObject({ pendingReadings: 0, corruptRegions: 1, corruptBytes: garbage.length });
      expect(existsSync(path)).toBe(false);
      expect(readFileSync(`${path}.corrupt`).equals(garbage)).toBe(true);
      await b.close();
    });
  });

  it('reports no room beyond maxBytes', async () => {
    await inSpoolDir(async (dir) => {
      const s = await Spool.open({ ...opts(dir), maxBytes: 256 * 1024 });
      const big = { ...reading(0), metrics: Object.fromEntries(Array.from({ length: 200 }, (_, k) => [`m${k}`, k])) };
      const rec = encodeRecord([big]);
      let appended = 0;
      while (s.hasRoom(rec.length)) {
        await s.append(rec, [big]);
        appended++;
      }
      expect(appended * rec.length).toBeLessThanOrEqual(256 * 1024);
      expect(s.stats().diskBytes).toBeGreaterThan(256 * 1024 - rec.length);
      await s.close();
    });
  });

  // memoryReadings 0: every batch from the file; 150: a drainer falling
  // behind switches between file and memory; 100,000: all from memory.
  for (const memoryReadings of [0, 150, 100_000]) {
    it(`hands every appended reading to the reader exactly once across many segment rolls, with appends and reads interleaved (${memoryReadings} readings in memory)`, async () => {
      await inSpoolDir(async (dir) => {
        const s = await Spool.open({ ...opts(dir), memoryReadings });
        const total = 6_000; // ~100 bytes a record: about ten 64 KiB segments
        const writing = (async () => {
          for (let i = 0; i < total; i += 40) {
            await Promise.all(Array.from({ length: 40 }, (_, k) => put(s, reading(i + k))));
          }
        })();
        const seen: number[] = [];
        let done = false;
        void writing.then(() => (done = true));
        while (!done || s.stats().pendingReadings > 0) {
          const batch = await s.readBatch(97);
          if (!batch) {
            await s.waitForData(5);
            continue;
          }
          // A store write takes a while; the writer rolls segments meanwhile.
          await new Promise((r) => setTimeout(r, 1));
          await s.confirm(batch.end);
          seen.push(...batch.readings.map((r) => r.seq!));
        }
        expect(seen).toEqual(Array.from({ length: total }, (_, i) => i));
        expect(s.stats().pendingReadings).toBe(0);
        await s.close();
      });
    });
  }

  it('serves records still in memory from there and older ones from the file, at the same positions', async () => {
    await inSpoolDir(async (dir) => {
      const s = await Spool.open({ ...opts(dir), memoryReadings: 4 });
      const appended = Array.from({ length: 10 }, (_, i) => reading(i));
      for (const r of appended) await put(s, r);
      // Records 0-5 were dropped from memory: decoded from the file (equal, not the same objects).
      const fromFile = (await s.readBatch(6))!;
      expect(fromFile.readings).toEqual(appended.slice(0, 6));
      expect(fromFile.readings[0]).not.toBe(appended[0]);
      await s.confirm(fromFile.end);
      // Records 6-9 are still held: the very objects appended, ending where the file does.
      const fromMemory = (await s.readBatch(10))!;
      expect(fromMemory.readings).toHaveLength(4);
      fromMemory.readings.forEach((r, i) => expect(r).toBe(appended[6 + i]));
      expect(fromMemory.end).toEqual({ segmentId: fromFile.end.segmentId, offset: s.stats().diskBytes, readings: 10 });
      await s.confirm(fromMemory.end);
      expect(s.stats().pendingReadings).toBe(0);
      await s.close();
    });
  });

  it('re-reads the oldest segment from its start if the cursor is ever found on a segment that is gone', async () => {
    await inSpoolDir(async (dir) => {
      const s = await Spool.open(opts(dir));
      await Promise.all([0, 1, 2].map((i) => put(s, reading(i))));
      // The state one benchmark run ended in (cause not found): the cursor at
      // the end of a deleted segment, so the drainer saw nothing to read.
      (s as unknown as { cursor: object }).cursor = { segmentId: 0, offset: 9_560_599, readings: 36_043 };
      expect(s.stats().pendingReadings).toBe(3);
      const batch = (await s.readBatch(10))!;
      expect(batch.readings.map((r) => r.seq)).toEqual([0, 1, 2]);
      await s.close();
    });
  });

  // A real ENOSPC needs a small filesystem: a tmpfs, which only root may mount.
  it.skipIf(userInfo().uid !== 0)('refuses appends only while its disk is full, then takes them again behind the last whole record', async () => {
    await inSpoolDir(async (dir) => {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
      try {
        const s = await Spool.open(opts(dir));
        await fiveRecords(s);
        const ballast = join(dir, 'ballast');
        const fd = openSync(ballast, 'w');
        try {
          for (;;) writeSync(fd, Buffer.alloc(64 * 1024));
        } catch (err) {
          expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
        } finally {
          closeSync(fd);
        }
        // Larger than the page the segment may still have room in: it cannot fit.
        const big = Array.from({ length: 200 }, (_, i) => reading(100 + i));
        await expect(put(s, ...big)).rejects.toThrow(/ENOSPC/);
        expect(s.stats().writeFailing).toBe(true);
        rmSync(ballast);
        // Room again is seen without another write: a node out of traffic gets none to try.
        await waitFor('the spool to see room on its disk', () => !s.stats().writeFailing, { timeoutMs: 5_000 });
        await put(s, reading(5));
        await put(s, ...big);
        await s.close();
        const replayed: number[] = [];
        const reopened = await Spool.open(opts(dir), (rs) => replayed.push(...rs.map((r) => r.seq!)));
        expect(replayed).toEqual([0, 1, 2, 3, 4, 5, ...big.map((r) => r.seq)]);
        expect(reopened.stats().corruptRegions).toBe(0);
        await reopened.close();
      } finally {
        execFileSync('umount', ['-l', dir]);
      }
    });
  });
});

