import { crc32 } from 'node:zlib';
import type { StoredReading } from '@hourmeter/telemetry-store';

/**
 * One spool record = the accepted readings of one publish (one device):
 *
 *   [u32 BE body length][u32 BE CRC-32 of body][body: UTF-8 JSON]
 *   body = {"d": deviceId, "a": assetId, "r": [[ts, seq | null, {metric: value}], ...]}
 *
 * JSON keeps the files readable with standard tools; the length + CRC framing
 * finds a torn tail after a crash (the record is cut or its CRC fails).
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

export function decodeRecords(buf: Buffer, maxRecords = Number.POSITIVE_INFINITY): DecodedChunk {
  const records: StoredReading[][] = [];
  const ends: number[] = [];
  let pos = 0;
  while (records.length < maxRecords) {
    if (buf.length - pos < HEADER_BYTES) {
      return { records, ends, consumed: pos, corrupt: false, needBytes: buf.length - pos > 0 ? HEADER_BYTES : undefined };
    }
    const len = buf.readUInt32BE(pos);
    const sum = buf.readUInt32BE(pos + 4);
    if (buf.length - pos - HEADER_BYTES < len) {
      return { records, ends, consumed: pos, corrupt: false, needBytes: HEADER_BYTES + len };
    }
    const body = buf.subarray(pos + HEADER_BYTES, pos + HEADER_BYTES + len);
    if (crc32(body) !== sum) return { records, ends, consumed: pos, corrupt: true, needBytes: undefined };
    try {
      const doc = JSON.parse(body.toString('utf8')) as { d: string; a: string; r: Row[] };
      records.push(
        doc.r.map(([ts, seq, metrics]) => ({ deviceId: doc.d, assetId: doc.a, ts, seq: seq ?? undefined, metrics })),
      );
    } catch {
      return { records, ends, consumed: pos, corrupt: true, needBytes: undefined };
    }
    pos += HEADER_BYTES + len;
    ends.push(pos);
  }
  return { records, ends, consumed: pos, corrupt: false, needBytes: undefined };
}
