import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@hourmeter/runtime';
import { tempDir } from '@hourmeter/testkit';
import type { StoredReading } from '@hourmeter/telemetry-store';
import { describe, expect, it } from 'vitest';
import { encodeRecord } from './record-codec.js';
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

describe('Spool', () => {
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
      const batch = (await b.readBatch(10))!;
      expect(batch.readings.map((r) => r.seq)).toEqual([0, 1, 2]);
      await b.confirm(batch.end);
      // The old segment is deleted once confirmed; only the new active one stays.
      expect(readdirSync(dir).filter((n) => n.startsWith('seg-'))).toHaveLength(1);
      expect(b.stats().pendingReadings).toBe(0);
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
});
