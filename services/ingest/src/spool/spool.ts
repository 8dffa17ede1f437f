import { mkdir, open, readdir, readFile, statfs, unlink, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { StoredReading } from '@hourmeter/telemetry-store';
import type { Logger } from 'pino';
import { copyDurably, replaceDurably, syncDir, truncateDurably } from './durable-files.js';
import { decodeRecords, nextRecordStart, scanRecords, type ScannedRecords } from './record-codec.js';

/**
 * - `group`: appends that arrive within `commitIntervalMs` share one write and
 *   one fdatasync; each append resolves only after that fdatasync, so an
 *   acknowledged reading survives kill -9 and power loss.
 * - `none`: appends resolve after write(2) hands the bytes to the OS: they
 *   survive kill -9 of the process but not a power cut or kernel crash.
 */
export type FsyncPolicy = 'group' | 'none';

export interface SpoolOptions {
  readonly dir: string;
  /** Refuse appends beyond this many bytes on disk (drained bytes of live segments count until deleted). */
  readonly maxBytes: number;
  /** Start a new segment file once the current one reaches this size. */
  readonly segmentBytes: number;
  readonly fsync: FsyncPolicy;
  readonly commitIntervalMs: number;
  /**
   * Readings of the most recent committed records kept in memory as well, so
   * a drainer that keeps up reads them from there instead of reading and
   * decoding the file again. Oldest dropped first beyond this; 0 = none.
   */
  readonly memoryReadings?: number | undefined;
  readonly log: Logger;
}

export interface SpoolPosition {
  readonly segmentId: number;
  readonly offset: number;
  /** Readings of the segment before `offset` (for the depth figures). */
  readonly readings: number;
}

export interface SpoolBatch {
  readonly readings: StoredReading[];
  readonly end: SpoolPosition;
}

export interface SpoolStats {
  /** Bytes and readings accepted but not yet confirmed by the store. */
  readonly pendingBytes: number;
  readonly pendingReadings: number;
  readonly diskBytes: number;
  readonly maxBytes: number;
  readonly segments: number;
  readonly fsync: FsyncPolicy;
  readonly commits: number;
  readonly lastCommitMs: number | undefined;
  /**
   * Damaged byte ranges skipped since start (at recovery or while reading),
   * each logged with its segment and offset; the segment as found is kept as
   * `<segment>.corrupt`. Non-zero means the disk damaged acknowledged data.
   */
  readonly corruptRegions: number;
  readonly corruptBytes: number;
  /**
   * A group could not be written (a full disk, an I/O error) and neither has a
   * later one been, nor has the disk room again: readings are being refused,
   * so the node is not ready for traffic.
   */
  readonly writeFailing: boolean;
}

/** Free space that counts as room again after a failed write: the failed group's size, at most this. */
const ROOM_AGAIN_BYTES = 1024 * 1024;
/** How often the free space is looked at while writes are failing. */
const ROOM_CHECK_MS = 1_000;

interface Segment {
  readonly id: number;
  readonly path: string;
  /** Committed bytes: everything before this offset is durable per the fsync policy. */
  size: number;
  readings: number;
  /** Append handle, only on the active (last) segment. */
  writer?: FileHandle | undefined;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** A committed record still held in memory: bytes [start, end) of its segment. */
interface RecentRecord {
  readonly segmentId: number;
  readonly start: number;
  readonly end: number;
  readonly readings: readonly StoredReading[];
}

const SEGMENT_RE = /^seg-(\d{16})\.log$/;
const segmentName = (id: number) => `seg-${String(id).padStart(16, '0')}.log`;
const READ_CHUNK_BYTES = 1 << 20;

/**
 * The durable local spool: append-only segment files in one directory. Ingest
 * appends accepted readings and acknowledges the device once `append`
 * resolves; the drainer reads them back in order, writes them to the store,
 * and a segment is deleted only after the store confirmed everything in it.
 * At start every segment left from a previous run is replayed (the store's
 * idempotent write makes re-sending already-stored readings harmless).
 */
export class Spool {
  private readonly segments: Segment[] = [];
  private cursor: SpoolPosition = { segmentId: 0, offset: 0, readings: 0 };
  private reader: { id: number; handle: FileHandle } | undefined;
  private pending: Buffer[] = [];
  private pendingRecords: (readonly StoredReading[])[] = [];
  /** Committed records in file order, oldest first from `recentHead`. */
  private recent: (RecentRecord | undefined)[] = [];
  private recentHead = 0;
  private recentReadings = 0;
  private pendingBytes = 0;
  private pendingReadings = 0;
  private waiters: Waiter[] = [];
  private commitTimer: NodeJS.Timeout | undefined;
  private committing: Promise<void> | undefined;
  /** Set when close() starts: appends already made are committed by it, none is scheduled. */
  private closing = false;
  private broken: Error | undefined;
  /** Set by a failed group write; cleared by the next good one or by room on the disk. */
  private writeFailed = false;
  /** Free bytes that count as room again: what the failed group needed (capped). */
  private roomNeeded = 0;
  private roomCheck: NodeJS.Timeout | undefined;
  private closed = false;
  private dataListeners = new Set<() => void>();
  private commits = 0;
  private lastCommitMs: number | undefined;
  private corruptRegions = 0;
  private corruptBytes = 0;
  /** The last segment and cursor moves, logged if the cursor is ever found off its segment. */
  private readonly recentMoves: string[] = [];

  private constructor(private readonly opts: SpoolOptions) {}

  /** Opens (or creates) the spool; `onRecord` sees every record left from a previous run. */
  static async open(opts: SpoolOptions, onRecord?: (readings: StoredReading[]) => void): Promise<Spool> {
    const spool = new Spool({ ...opts, segmentBytes: Math.max(64 * 1024, Math.min(opts.segmentBytes, opts.maxBytes / 4)) });
    await mkdir(opts.dir, { recursive: true });
    await spool.recover(onRecord);
    return spool;
  }

  private async recover(onRecord?: (readings: StoredReading[]) => void): Promise<void> {
    const names = (await readdir(this.opts.dir)).filter((n) => SEGMENT_RE.test(n)).sort();
    let nextId = 1;
    for (const [i, name] of names.entries()) {
      const id = Number(SEGMENT_RE.exec(name)![1]);
      nextId = Math.max(nextId, id + 1);
      const path = join(this.opts.dir, name);
      const buf = await readFile(path);
      const scanned = scanRecords(buf);
      const size = await this.repair(path, buf, scanned, i === names.length - 1);
      if (scanned.records.length === 0) {
        await unlink(path);
        continue;
      }
      let readings = 0;
      for (const r of scanned.records) {
        readings += r.length;
        onRecord?.(r);
      }
      this.segments.push({ id, path, size, readings });
    }
    if (this.segments.length > 0) {
      const first = this.segments[0]!;
      this.cursor = { segmentId: first.id, offset: 0, readings: 0 };
      this.opts.log.info({ segments: this.segments.length, readings: this.pendingStoreReadings() }, 'replaying spool');
    }
    await this.startSegment(nextId);
  }

  /**
   * Leaves a recovered segment holding only records that verify; returns its
   * new size. Only a torn tail of the newest segment is simply cut off: the
   * bytes of a write that never completed, so never acknowledged (older
   * segments were complete when the next one started). Damage anywhere else
   * hit acknowledged data: every verifiable record around it is kept, the
   * damage is logged and counted, and the segment as found is preserved as
   * `<name>.corrupt` before it is rewritten.
   */
  private async repair(path: string, buf: Buffer, scanned: ScannedRecords, newest: boolean): Promise<number> {
    const { damaged, spans } = scanned;
    const last = damaged.at(-1);
    if (!last) return buf.length;
    const tornTail = newest && last.offset + last.bytes === buf.length ? last : undefined;
    const corrupt = tornTail ? damaged.slice(0, -1) : damaged;
    if (tornTail) this.opts.log.warn({ segment: basename(path), offset: tornTail.offset, dropped: tornTail.bytes }, 'truncating torn tail of the newest spool segment');
    if (tornTail && corrupt.length === 0) {
      await truncateDurably(path, tornTail.offset);
      return tornTail.offset;
    }
    for (const region of corrupt) this.reportCorruption(path, region.offset, region.bytes);
    await copyDurably(path, `${path}.corrupt`);
    const kept = Buffer.concat(spans.map(([start, end]) => buf.subarray(start, end)));
    await replaceDurably(path, kept);
    return kept.length;
  }

  private reportCorruption(path: string, offset: number, bytes: number): void {
    this.corruptRegions++;
    this.corruptBytes += bytes;
    this.opts.log.error(
      { segment: basename(path), offset, bytesSkipped: bytes, preservedAs: `${basename(path)}.corrupt` },
      'spool segment damaged: skipped to the next verifiable record',
    );
  }

  private async startSegment(id: number): Promise<void> {
    const path = join(this.opts.dir, segmentName(id));
    const writer = await open(path, 'a');
    // The new file's directory entry must be durable too, or a power cut could lose the whole file.
    if (this.opts.fsync === 'group') await syncDir(this.opts.dir);
    this.segments.push({ id, path, size: 0, readings: 0, writer });
    if (this.segments.length === 1) this.cursor = { segmentId: id, offset: 0, readings: 0 };
    this.moved(`start segment ${id}`);
  }

  private moved(what: string): void {
    this.recentMoves.push(`${what}; cursor ${this.cursor.segmentId}@${this.cursor.offset}/${this.cursor.readings}; segments ${this.segments.map((s) => `${s.id}:${s.size}${s.writer ? 'w' : ''}`).join(',')}`);
    if (this.recentMoves.length > 20) this.recentMoves.shift();
  }

  /**
   * The cursor always points into the oldest segment (the drainer reads and
   * deletes segments in order). A benchmark run once ended with the cursor
   * still at the end of a deleted segment, the segment after it unread, the
   * cause not found: if that state ever appears again it is logged with the
   * recent moves, and reading restarts at the oldest segment's start. That
   * may send already-stored readings again (harmless: store writes are
   * idempotent); it never skips any.
   */
  private cursorOnOldestSegment(): void {
    const oldest = this.segments[0];
    if (!oldest || this.cursor.segmentId === oldest.id) return;
    this.opts.log.error(
      { cursor: this.cursor, segments: this.segments.map((s) => ({ id: s.id, size: s.size, readings: s.readings, active: !!s.writer })), recent: this.recentMoves },
      'spool cursor off the oldest segment; re-reading that segment from its start',
    );
    this.cursor = { segmentId: oldest.id, offset: 0, readings: 0 };
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** Would `bytes` more fit under maxBytes? */
  hasRoom(bytes: number): boolean {
    return !this.broken && !this.closed && !this.closing && this.diskBytes() + this.pendingBytes + bytes <= this.opts.maxBytes;
  }

  /**
   * Appends one encoded record (`readings` is what it encodes, and must not
   * be changed afterwards); resolves when it is durable per the fsync policy.
   */
  append(record: Buffer, readings: readonly StoredReading[]): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closed || this.closing) return Promise.reject(new Error('spool closed'));
    this.pending.push(record);
    this.pendingRecords.push(readings);
    this.pendingBytes += record.length;
    this.pendingReadings += readings.length;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.scheduleCommit();
    return done;
  }

  private scheduleCommit(): void {
    if (this.closing || this.commitTimer || this.committing || this.pending.length === 0) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      this.committing = this.commit().finally(() => {
        this.committing = undefined;
        this.scheduleCommit();
      });
    }, this.opts.commitIntervalMs);
  }

  private async commit(): Promise<void> {
    const bufs = this.pending;
    const records = this.pendingRecords;
    const waiters = this.waiters;
    const bytes = this.pendingBytes;
    const readings = this.pendingReadings;
    this.pending = [];
    this.pendingRecords = [];
    this.waiters = [];
    this.pendingBytes = 0;
    this.pendingReadings = 0;
    const t0 = performance.now();
    try {
      if (this.active.size >= this.opts.segmentBytes) await this.roll();
      const seg = this.active;
      const data = bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs, bytes);
      let written = 0;
      while (written < data.length) {
        const { bytesWritten } = await seg.writer!.write(data, written, data.length - written);
        written += bytesWritten;
      }
      if (this.opts.fsync === 'group') await seg.writer!.datasync();
      this.remember(seg.id, seg.size, bufs, records);
      seg.size += bytes;
      seg.readings += readings;
      this.commits++;
      this.lastCommitMs = performance.now() - t0;
      this.writeFailed = false;
      for (const w of waiters) w.resolve();
      for (const l of this.dataListeners) l();
    } catch (err) {
      // Nobody is acknowledged for this group (its devices resend). The file may
      // now hold part of it: cut it back to the last commit so the next group
      // follows a whole record. A full disk thus refuses readings only while it
      // is full; only when even the cut fails does the spool refuse for good.
      const error = err instanceof Error ? err : new Error(String(err));
      for (const w of waiters) w.reject(error);
      this.failedWrite(bytes);
      try {
        await this.cutBackActive();
        this.opts.log.error({ err }, 'spool write failed; its group is refused and the segment cut back to its last commit');
      } catch (cutErr) {
        this.broken = error;
        this.opts.log.error({ err, cutErr }, 'spool write failed and the segment could not be cut back; refusing further appends');
      }
    }
  }

  /**
   * Marks writes as failing until one succeeds or the disk has room again. The
   * room is looked at on a timer because a node taken out of traffic for a
   * full disk may get no write to try: waiting for one would keep it out.
   */
  private failedWrite(groupBytes: number): void {
    this.writeFailed = true;
    this.roomNeeded = Math.min(groupBytes, ROOM_AGAIN_BYTES);
    if (this.roomCheck) return;
    this.roomCheck = setInterval(() => {
      if (!this.writeFailed || this.closed) return this.stopRoomCheck();
      statfs(this.opts.dir).then(
        (fs) => {
          if (fs.bavail * fs.bsize < this.roomNeeded) return;
          this.writeFailed = false;
          this.stopRoomCheck();
        },
        (err: unknown) => this.opts.log.warn({ err }, 'could not read the free space of the spool directory'),
      );
    }, ROOM_CHECK_MS).unref();
  }

  private stopRoomCheck(): void {
    clearInterval(this.roomCheck);
    this.roomCheck = undefined;
  }

  /** The active segment back to its committed size (reopened if a failed roll left it closed). */
  private async cutBackActive(): Promise<void> {
    const seg = this.active;
    seg.writer ??= await open(seg.path, 'a');
    await seg.writer.truncate(seg.size);
    if (this.opts.fsync === 'group') await seg.writer.datasync();
  }

  private async roll(): Promise<void> {
    const old = this.active;
    await old.writer!.close();
    old.writer = undefined;
    this.moved(`closed segment ${old.id}`);
    await this.startSegment(old.id + 1);
  }

  /** Keeps just-committed records in memory, dropping the oldest beyond `memoryReadings`. */
  private remember(segmentId: number, start: number, bufs: readonly Buffer[], records: readonly (readonly StoredReading[])[]): void {
    const limit = this.opts.memoryReadings ?? 0;
    if (limit <= 0) return;
    let offset = start;
    for (let i = 0; i < bufs.length; i++) {
      const end = offset + bufs[i]!.length;
      this.recent.push({ segmentId, start: offset, end, readings: records[i]! });
      this.recentReadings += records[i]!.length;
      offset = end;
    }
    while (this.recentReadings > limit) this.forgetOldestRecent();
  }

  private forgetOldestRecent(): void {
    const oldest = this.recent[this.recentHead]!;
    this.recent[this.recentHead++] = undefined;
    this.recentReadings -= oldest.readings.length;
    // Compact now and then instead of shifting the array on every record.
    if (this.recentHead > 1024 && this.recentHead * 2 > this.recent.length) {
      this.recent = this.recent.slice(this.recentHead);
      this.recentHead = 0;
    }
  }

  /**
   * The next batch from memory when the cursor is exactly at the start of
   * the oldest record still held there (records before the cursor are
   * dropped first); undefined when the batch must come from the file.
   */
  private recentBatch(seg: Segment, maxReadings: number): SpoolBatch | undefined {
    const cursor = this.cursor;
    while (this.recentHead < this.recent.length) {
      const r = this.recent[this.recentHead]!;
      if (r.segmentId > cursor.segmentId || (r.segmentId === cursor.segmentId && r.end > cursor.offset)) break;
      this.forgetOldestRecent();
    }
    const first = this.recent[this.recentHead];
    if (!first || first.segmentId !== seg.id || first.start !== cursor.offset) return undefined;
    const readings: StoredReading[] = [];
    let end = cursor.offset;
    for (let i = this.recentHead; i < this.recent.length && readings.length < maxReadings; i++) {
      const r = this.recent[i]!;
      if (r.segmentId !== seg.id || r.start !== end) break;
      for (const reading of r.readings) readings.push(reading);
      end = r.end;
    }
    return { readings, end: { segmentId: seg.id, offset: end, readings: cursor.readings + readings.length } };
  }

  /** Readings committed but not yet confirmed by the store. */
  pendingStoreReadings(): number {
    this.cursorOnOldestSegment();
    let n = -this.cursor.readings;
    for (const s of this.segments) n += s.readings;
    return n;
  }

  /** Readings accepted but not yet confirmed by the store: `stats().pendingReadings` without building the stats. */
  backlogReadings(): number {
    return this.pendingStoreReadings() + this.pendingReadings;
  }

  private diskBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  /** Resolves when new data is committed, or after `timeoutMs`. */
  waitForData(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.dataListeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.dataListeners.add(done);
    });
  }

  /** Wakes every `waitForData` caller (used on shutdown). */
  wake(): void {
    for (const l of [...this.dataListeners]) l();
  }

  /**
   * Reads the next committed records from the oldest segment, whole records
   * only, until at least `maxReadings` readings (or the segment's committed
   * end): from memory while they are still held there, else from the file.
   * Does not move the cursor: call `confirm(batch.end)` once the store has
   * them.
   */
  async readBatch(maxReadings: number): Promise<SpoolBatch | undefined> {
    for (;;) {
      const seg = this.segments[0];
      if (!seg) return undefined;
      this.cursorOnOldestSegment();
      if (this.cursor.offset < seg.size) break;
      if (seg.writer) return undefined; // the active segment is fully drained
      await this.dropFirstSegment();
    }
    const seg = this.segments[0]!;
    return this.recentBatch(seg, maxReadings) ?? (await this.readFromFile(seg, maxReadings));
  }

  /**
   * Decodes records from the cursor on. Everything before `seg.size` was
   * committed whole, so a record that fails its CRC, or whose length runs
   * past the committed end, is damage: skipped, never retried in a loop.
   */
  private async readFromFile(seg: Segment, maxReadings: number): Promise<SpoolBatch> {
    const handle = await this.readerFor(seg);
    const readings: StoredReading[] = [];
    let offset = this.cursor.offset;
    let count = this.cursor.readings;
    let want = Math.min(READ_CHUNK_BYTES, seg.size - offset);
    while (readings.length < maxReadings && offset < seg.size) {
      const chunkStart = offset;
      const chunk = await readAt(handle, chunkStart, want);
      const decoded = decodeRecords(chunk);
      for (let i = 0; i < decoded.records.length && readings.length < maxReadings; i++) {
        const rec = decoded.records[i]!;
        for (const r of rec) readings.push(r);
        count += rec.length;
        offset = chunkStart + decoded.ends[i]!;
      }
      if (readings.length >= maxReadings) break;
      // A record larger than the chunk is read whole next time.
      const need = decoded.needBytes ?? 0;
      if (decoded.corrupt || chunk.length < want || offset + need > seg.size) offset = await this.skipDamaged(seg, handle, offset);
      want = Math.min(Math.max(READ_CHUNK_BYTES, need), seg.size - offset);
    }
    // Read to the committed end, `count` is exact; after skipped damage the
    // count kept at append time is not, and the depth figures would never
    // reach zero.
    if (offset === seg.size) seg.readings = count;
    return { readings, end: { segmentId: seg.id, offset, readings: count } };
  }

  /** Logs, counts and preserves damage found at `at`; returns where the next verifiable record starts (or the segment's end). */
  private async skipDamaged(seg: Segment, handle: FileHandle, at: number): Promise<number> {
    const rest = await readAt(handle, at, seg.size - at);
    const next = nextRecordStart(rest, 1);
    const resume = next === undefined ? seg.size : at + next;
    this.reportCorruption(seg.path, at, resume - at);
    await copyDurably(seg.path, `${seg.path}.corrupt`);
    return resume;
  }

  /** The store has every reading before `pos`: advance, and delete segments no longer needed. */
  async confirm(pos: SpoolPosition): Promise<void> {
    if (pos.segmentId !== this.cursor.segmentId) throw new Error('spool confirm out of order');
    this.cursor = pos;
    this.moved(`confirmed ${pos.segmentId}@${pos.offset}`);
    const seg = this.segments[0];
    // Only the segment the position is in may be deleted for being read to its end.
    if (seg && seg.id === pos.segmentId && !seg.writer && pos.offset >= seg.size) await this.dropFirstSegment();
  }

  private async dropFirstSegment(): Promise<void> {
    const seg = this.segments.shift()!;
    // The cursor moves with the shift, in the same synchronous step, so no
    // one ever sees it on a segment that is gone.
    const next = this.segments[0];
    this.cursor = { segmentId: next?.id ?? 0, offset: 0, readings: 0 };
    this.moved(`deleting segment ${seg.id}`);
    if (this.reader?.id === seg.id) {
      await this.reader.handle.close();
      this.reader = undefined;
    }
    await unlink(seg.path);
  }

  private async readerFor(seg: Segment): Promise<FileHandle> {
    if (this.reader?.id === seg.id) return this.reader.handle;
    if (this.reader) await this.reader.handle.close();
    this.reader = { id: seg.id, handle: await open(seg.path, 'r') };
    return this.reader.handle;
  }

  stats(): SpoolStats {
    const pendingReadings = this.backlogReadings();
    const disk = this.diskBytes();
    return {
      pendingBytes: disk - this.cursor.offset + this.pendingBytes,
      pendingReadings,
      diskBytes: disk,
      maxBytes: this.opts.maxBytes,
      segments: this.segments.length,
      fsync: this.opts.fsync,
      commits: this.commits,
      lastCommitMs: this.lastCommitMs,
      corruptRegions: this.corruptRegions,
      corruptBytes: this.corruptBytes,
      writeFailing: this.writeFailed || this.broken !== undefined,
    };
  }

  /** Commits whatever is pending, then closes the files. The segments stay for the next start. */
  async close(): Promise<void> {
    if (this.closed || this.closing) return;
    // No commit is scheduled from here on: what is pending is committed below, once.
    this.closing = true;
    this.stopRoomCheck();
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    while (this.committing) await this.committing;
    if (this.pending.length > 0) await this.commit();
    this.closed = true;
    this.wake();
    for (const s of this.segments) {
      await s.writer?.close();
      s.writer = undefined;
    }
    await this.reader?.handle.close();
    this.reader = undefined;
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  const { bytesRead } = await handle.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}
