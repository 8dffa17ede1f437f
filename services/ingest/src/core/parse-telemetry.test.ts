import { describe, expect, it } from 'vitest';
import { parseTelemetry } from './parse-telemetry.js';

const src = { deviceId: 'dev_1', assetId: 'ast_1', receivedAt: Date.UTC(2026, 10, 26) };
const limits = { maxPayloadBytes: 4096, maxReadingsPerMessage: 10 };
const parse = (payload: string) => parseTelemetry(Buffer.from(payload), src, limits);

describe('parseTelemetry', () => {
  it('keeps the good readings of a batch and names each bad one by index, code and seq', () => {
    const ts = src.receivedAt - 1000;
    const out = parse(
      JSON.stringify([
        { ts, seq: 1, metrics: { temp: 20.5, running: true } },
        { ts, seq: 2, metrics: { temp: 'hot' } },
        { ts, seq: 3, metrics: { 'Bad Name': 1 } },
        { ts: src.receivedAt + 3_600_000, seq: 4, metrics: { temp: 1 } },
      ]),
    );
    expect(out.readings).toEqual([{ deviceId: 'dev_1', assetId: 'ast_1', ts, seq: 1, metrics: { temp: 20.5, running: true } }]);
    expect(out.rejections.map((r) => [r.index, r.code, r.seq])).toEqual([
      [1, 'INVALID_METRIC', 2],
      [2, 'INVALID_METRIC', 3],
      [3, 'FUTURE_TIMESTAMP', 4],
    ]);
    expect(out.rejections[0]!.message).toBe('metrics.temp: must be a finite number or a boolean');
  });

  it('refuses a reading with a "__proto__" metric instead of storing it without that metric', () => {
    const ts = src.receivedAt;
    const out = parse(`[{"ts":${ts},"seq":7,"metrics":{"__proto__":1,"temp":2}},{"ts":${ts},"seq":8,"metrics":{"temp":3}}]`);
    expect(out.readings.map((r) => r.seq)).toEqual([8]);
    expect(out.rejections).toEqual([{ code: 'INVALID_METRIC', message: 'metrics.__proto__: not a valid metric name', index: 0, seq: 7 }]);
  });

  it('rejects readings from before 2000 (an unset clock, epoch seconds) as STALE_TIMESTAMP, hinting at the unit', () => {
    const out = parse(
      JSON.stringify([
        { ts: 0, seq: 0, metrics: { v: 0 } },
        { ts: 1_700_000_000, seq: 1, metrics: { v: 1 } }, // seconds: January 1970 as ms
        { ts: '1969-07-20T20:17:00Z', seq: 2, metrics: { v: 2 } },
        { ts: '1999-12-31T23:59:59.999Z', seq: 3, metrics: { v: 3 } },
        { ts: '2000-01-01T00:00:00Z', seq: 4, metrics: { v: 4 } },
        { ts: 946_684_800_000, seq: 5, metrics: { v: 5 } },
      ]),
    );
    expect(out.readings.map((r) => r.seq)).toEqual([4, 5]);
    expect(out.rejections.map((r) => [r.index, r.code, r.seq])).toEqual([0, 1, 2, 3].map((i) => [i, 'STALE_TIMESTAMP', i]));
    expect(out.rejections[1]!.message).toBe(
      'ts 1700000000 (1970-01-20T16:13:20.000Z) is before 2000-01-01T00:00:00.000Z: is the device clock set, and is ts in milliseconds (not seconds)?',
    );
  });

  it('rejects a ts beyond what a Date can hold as FUTURE_TIMESTAMP instead of throwing', () => {
    const out = parse(JSON.stringify({ ts: 9e15, metrics: { v: 1 } }));
    expect(out.rejections).toEqual([{ code: 'FUTURE_TIMESTAMP', message: expect.stringContaining('ts 9000000000000000 is more than'), index: undefined, seq: undefined }]);
  });

  it('rejects a whole payload that is not JSON or too large', () => {
    expect(parse('{"ts":').rejections[0]!.code).toBe('MALFORMED_JSON');
    expect(parse(' '.repeat(5000)).rejections[0]!.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
