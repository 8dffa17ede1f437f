import { crc32 } from 'node:zlib';
import type { StoredReading } from '@hourmeter/telemetry-store';

/**
 * One spool record = the accepted readings of one publish (one device):
 *
 *   [u32 BE body length][u32 BE CRC-32 of body][body: UTF-8 JSON]
 *   body = {"d": deviceId, "a": assetId, "r": [[ts, seq | null, {metric: value}], ...]}
 *
 * JSON keeps the files readable with standard tools; the length + CRC framing
 * finds a torn tail after a crash (the record is cut or its CRC fails), and
 * lets a reader find the next good record after damaged bytes.
 */
export const HEADER_BYTES = 8;

type Row = [number, number | null, Record<string, number | boolean>];

export function encodeRecord(readings: readonly StoredReading[]): Buffer {
  const first = readings[0];
  if (!first) throw new Error('encodeRecord: empty record');
  // Written out by hand (same JSON as stringifying the body object): this
  // runs for every accepted publish, and skipping the intermediate arrays and
  // the header + body concatenation is measurably less garbage.
  let body = `{"d":${JSON.stringify(first.deviceId)},"a":${JSON.stringify(first.assetId)},"r":[`;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    body += `${i === 0 ? '' : ','}[${r.ts},${r.seq ?? 'null'},${JSON.stringify(r.metrics)}]`;
  }
  body += ']}';
  const length = Buffer.byteLength(body, 'utf8');
  const record = Buffer.allocUnsafe(HEADER_BYTES + length);
  record.write(body, HEADER_BYTES, 'utf8');
  record.writeUInt32BE(length, 0);
  record.writeUInt32BE(crc32(record.subarray(HEADER_BYTES)), 4);
  return record;
}

export interface DecodedChunk {
  readonly records: StoredReading[][];
  /** Offset just past each record, parallel to `records`. */
  readonly ends: number[];
  /** Bytes of `buf` covered by complete, valid records. */
  readonly consumed: number;
  /** True when a record's CRC failed or its body is not a record: the rest cannot be trusted. */
  readonly corrupt: boolean;
  /** Size of the first incomplete record, if the buffer ends inside one. */
  readonly needBytes: number | undefined;
}

export function decodeRecords(buf: Buffer): DecodedChunk {
  const records: StoredReading[][] = [];
  const ends: number[] = [];
  let pos = 0;
  for (;;) {
    if (buf.length - pos < HEADER_BYTES) {
      return { records, ends, consumed: pos, corrupt: false, needBytes: buf.length - pos > 0 ? HEADER_BYTES : undefined };
    }
    const len = buf.readUInt32BE(pos);
    if (buf.length - pos - HEADER_BYTES < len) {
      return { records, ends, consumed: pos, corrupt: false, needBytes: HEADER_BYTES + len };
    }
    const readings = verifiedBody(buf, pos, len);
    if (!readings) return { records, ends, consumed: pos, corrupt: true, needBytes: undefined };
    records.push(readings);
    pos += HEADER_BYTES + len;
    ends.push(pos);
  }
}

/** The readings of the record at `pos` with body length `len` (which must fit in `buf`), if its CRC and body check out. */
function verifiedBody(buf: Buffer, pos: number, len: number): StoredReading[] | undefined {
  const body = buf.subarray(pos + HEADER_BYTES, pos + HEADER_BYTES + len);
  if (crc32(body) !== buf.readUInt32BE(pos + 4)) return undefined;
  try {
    const doc = JSON.parse(body.toString('utf8')) as { d: string; a: string; r: Row[] };
    return doc.r.map(([ts, seq, metrics]) => ({ deviceId: doc.d, assetId: doc.a, ts, seq: seq ?? undefined, metrics }));
  } catch {
    return undefined;
  }
}

const OPEN_BRACE = 0x7b;

/**
 * Offset of the first record at or after `from` that verifies whole: its
 * length fits in `buf`, its CRC matches and its body is a record. Where
 * reading resumes after damaged bytes; undefined when no record follows.
 */
export function nextRecordStart(buf: Buffer, from: number): number | undefined {
  for (let pos = from; pos + HEADER_BYTES < buf.length; pos++) {
    // Every body is a JSON object: a cheap filter before the CRC, so scanning
    // a zero-filled or garbled range costs a byte compare per offset.
    if (buf[pos + HEADER_BYTES] !== OPEN_BRACE) continue;
    const len = buf.readUInt32BE(pos);
    if (len > buf.length - pos - HEADER_BYTES) continue;
    if (verifiedBody(buf, pos, len)) return pos;
  }
  return undefined;
}

export interface ScannedRecords {
  readonly records: StoredReading[][];
  /** Bytes [start, end) of each record in the buffer, parallel to `records`. */
  readonly spans: (readonly [number, number])[];
  /** Ranges in which no record could be verified, in order; the last one may run to the end of the buffer. */
  readonly damaged: { readonly offset: number; readonly bytes: number }[];
}

/** Every verifiable record of a whole segment file, resynchronising after each damaged range. */
export function scanRecords(buf: Buffer): ScannedRecords {
  const out: ScannedRecords = { records: [], spans: [], damaged: [] };
  let pos = 0;
  while (pos < buf.length) {
    const chunk = decodeRecords(buf.subarray(pos));
    chunk.records.forEach((readings, i) => {
      out.records.push(readings);
      out.spans.push([pos + (i === 0 ? 0 : chunk.ends[i - 1]!), pos + chunk.ends[i]!]);
    });
    const bad = pos + chunk.consumed;
    if (bad === buf.length) break;
    const next = nextRecordStart(buf, bad + 1) ?? buf.length;
    out.damaged.push({ offset: bad, bytes: next - bad });
    pos = next;
  }
  return out;
}
