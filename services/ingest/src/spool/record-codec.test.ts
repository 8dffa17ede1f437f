import { crc32 } from 'node:zlib';
import type { StoredReading } from '@hourmeter/telemetry-store';
import { describe, expect, it } from 'vitest';
import { decodeRecords, encodeRecord, HEADER_BYTES } from './record-codec.js';

const readings: StoredReading[] = [
  { deviceId: 'dev_ü"1', assetId: 'ast_\\1', ts: 1_790_000_000_123, seq: 7, metrics: { temp_c: 41.25, running: true } },
  { deviceId: 'dev_ü"1', assetId: 'ast_\\1', ts: 1_790_000_000_000, seq: undefined, metrics: { temp_c: -0.5 } },
];

/** A record as the spool format defines it, built independently of encodeRecord. */
function referenceRecord(rs: readonly StoredReading[]): Buffer {
  const body = Buffer.from(
    JSON.stringify({ d: rs[0]!.deviceId, a: rs[0]!.assetId, r: rs.map((r) => [r.ts, r.seq ?? null, r.metrics]) }),
    'utf8',
  );
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(body.length, 0);
  header.writeUInt32BE(crc32(body), 4);
  return Buffer.concat([header, body]);
}

describe('spool record codec', () => {
  it('writes exactly the documented framing and JSON body (segments from earlier versions stay readable)', () => {
    expect(encodeRecord(readings).equals(referenceRecord(readings))).toBe(true);
  });

  it('round-trips readings, including multi-byte and escaped characters and a missing seq', () => {
    const two = Buffer.concat([encodeRecord(readings), encodeRecord(readings.slice(1))]);
    const decoded = decodeRecords(two);
    expect(decoded.corrupt).toBe(false);
    expect(decoded.consumed).toBe(two.length);
    expect(decoded.records).toEqual([readings, readings.slice(1)]);
  });

  it('finds a torn tail and a flipped byte', () => {
    const rec = encodeRecord(readings);
    const torn = decodeRecords(rec.subarray(0, rec.length - 3));
    expect(torn).toMatchObject({ records: [], consumed: 0, corrupt: false, needBytes: rec.length });
    const flipped = Buffer.from(rec);
    flipped[HEADER_BYTES + 5]! ^= 0xff;
    expect(decodeRecords(flipped)).toMatchObject({ records: [], corrupt: true });
  });
});
