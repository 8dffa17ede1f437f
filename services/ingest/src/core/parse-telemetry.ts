import { EARLIEST_READING_MS, MAX_FUTURE_SKEW_MS, TelemetryReading } from '@hourmeter/domain';
import type { IngestRejectionCode, ReadingRejection } from '@hourmeter/messages';
import type { StoredReading } from '@hourmeter/telemetry-store';
import type { z } from 'zod';

export interface ParseLimits {
  readonly maxPayloadBytes: number;
  readonly maxReadingsPerMessage: number;
}

export interface ParsedTelemetry {
  readonly readings: StoredReading[];
  readonly rejections: ReadingRejection[];
}

interface Source {
  readonly deviceId: string;
  readonly assetId: string;
  /** Broker receive time; the future-skew check is against this clock, not the device's. */
  readonly receivedAt: number;
}

const whole = (code: IngestRejectionCode, message: string): ParsedTelemetry => ({
  readings: [],
  rejections: [{ code, message }],
});

function codeFor(issue: z.core.$ZodIssue): IngestRejectionCode {
  if (issue.path[0] === 'metrics') return 'INVALID_METRIC';
  if (issue.path[0] === 'ts') return 'INVALID_TIMESTAMP';
  return 'INVALID_READING';
}

/** ISO 8601 where a Date can hold it: epoch ms up to 2^53 go beyond, and toISOString would throw. */
function showTs(ts: number): string {
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? `${ts}` : date.toISOString();
}

/** Why a well-formed `ts` is still refused, if it is: too far ahead of the platform clock or before EARLIEST_READING_MS. */
function timestampProblem(ts: number, receivedAt: number): ReadingRejection | undefined {
  if (ts > receivedAt + MAX_FUTURE_SKEW_MS) {
    return { code: 'FUTURE_TIMESTAMP', message: `ts ${showTs(ts)} is more than ${MAX_FUTURE_SKEW_MS} ms ahead of the platform clock` };
  }
  if (ts < EARLIEST_READING_MS) {
    return {
      code: 'STALE_TIMESTAMP',
      message: `ts ${ts} (${showTs(ts)}) is before ${showTs(EARLIEST_READING_MS)}: is the device clock set, and is ts in milliseconds (not seconds)?`,
    };
  }
  return undefined;
}

function seqOf(raw: unknown): number | undefined {
  const seq = (raw as { seq?: unknown } | null)?.seq;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 ? seq : undefined;
}

function hasProtoMetric(raw: unknown): boolean {
  const metrics = (raw as { metrics?: unknown } | null)?.metrics;
  return typeof metrics === 'object' && metrics !== null && Object.hasOwn(metrics, '__proto__');
}

/**
 * Applies the payload contract: one reading object or an array of them (an
 * offline backlog). Whole-message problems reject everything; otherwise each
 * reading stands alone, so one bad reading does not cost the good ones.
 * Never throws on input.
 */
export function parseTelemetry(payload: Uint8Array, src: Source, limits: ParseLimits): ParsedTelemetry {
  if (payload.byteLength > limits.maxPayloadBytes) {
    return whole('PAYLOAD_TOO_LARGE', `payload is ${payload.byteLength} bytes; the maximum is ${limits.maxPayloadBytes}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (err) {
    return whole('MALFORMED_JSON', `payload is not JSON: ${(err as Error).message}`);
  }
  const isBatch = Array.isArray(doc);
  if (!isBatch && (typeof doc !== 'object' || doc === null)) {
    return whole('INVALID_SHAPE', 'payload must be a reading object or an array of readings');
  }
  const items: unknown[] = isBatch ? (doc as unknown[]) : [doc];
  if (items.length === 0) return whole('INVALID_SHAPE', 'empty batch');
  if (items.length > limits.maxReadingsPerMessage) {
    return whole('TOO_MANY_READINGS', `batch holds ${items.length} readings; the maximum is ${limits.maxReadingsPerMessage}`);
  }

  const readings: StoredReading[] = [];
  const rejections: ReadingRejection[] = [];
  items.forEach((raw, i) => {
    const index = isBatch ? i : undefined;
    if (hasProtoMetric(raw)) {
      // zod drops this key unseen; say so rather than store the reading without it.
      rejections.push({ code: 'INVALID_METRIC', message: 'metrics.__proto__: not a valid metric name', index, seq: seqOf(raw) });
      return;
    }
    const parsed = TelemetryReading.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      rejections.push({ code: codeFor(issue), message: `${where}${issue.message}`, index, seq: seqOf(raw) });
      return;
    }
    const r = parsed.data;
    const problem = timestampProblem(r.ts, src.receivedAt);
    if (problem) {
      rejections.push({ ...problem, index, seq: r.seq });
      return;
    }
    readings.push({ assetId: src.assetId, deviceId: src.deviceId, ts: r.ts, seq: r.seq, metrics: r.metrics });
  });
  return { readings, rejections };
}
