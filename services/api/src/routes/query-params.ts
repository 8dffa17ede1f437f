import { MetricName } from '@hourmeter/domain';
import { z } from 'zod';

/**
 * The query bounds every telemetry store can represent, epoch ms: from the
 * epoch (times are non-negative epoch ms throughout) to the last millisecond
 * of InfluxDB's int64 nanoseconds, 2262-04-11T23:47:16.854Z; beyond it
 * InfluxQL rejects the time literal and the query would fail with a 500.
 */
export const MIN_INSTANT_MS = 0;
export const MAX_INSTANT_MS = 9_223_372_036_854;

/** ISO 8601 date-time; the offset is optional here so its absence gets its own message. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * An instant in a query string: epoch ms digits, or an ISO 8601 date-time
 * with `Z` or a UTC offset. Without one, JavaScript would read it in the
 * server's time zone, so the same URL would mean different times on
 * differently configured servers: refused instead.
 */
export const QueryInstant = z.string().transform((s, ctx) => {
  const iso = ISO_DATE_TIME.exec(s);
  if (iso && !iso[1]) {
    ctx.addIssue({ code: 'custom', message: 'an ISO 8601 date-time needs Z or a UTC offset (2026-01-31T08:00:00Z, ...+01:00)' });
    return z.NEVER;
  }
  const ms = /^\d{1,15}$/.test(s) ? Number(s) : iso ? Date.parse(s) : Number.NaN;
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO 8601 date-time with Z or a UTC offset' });
    return z.NEVER;
  }
  if (ms < MIN_INSTANT_MS || ms > MAX_INSTANT_MS) {
    ctx.addIssue({
      code: 'custom',
      message: `must be from ${new Date(MIN_INSTANT_MS).toISOString()} to ${new Date(MAX_INSTANT_MS).toISOString()} (what the telemetry stores can hold)`,
    });
    return z.NEVER;
  }
  return ms;
});

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Ten years: wider buckets are meaningless, and far wider ones no longer fit an integer. */
export const MAX_STEP_MS = 3650 * UNIT_MS.d!;

/** A bucket width: `500ms`, `30s`, `5m`, `1h`, `1d`, or plain milliseconds; at most 3650d. */
export const QueryDuration = z.string().transform((s, ctx) => {
  const m = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(s);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] ?? 'ms']! : Number.NaN;
  if (!(ms > 0)) {
    ctx.addIssue({ code: 'custom', message: 'must be a positive duration such as 30s, 5m, 1h or 1d' });
    return z.NEVER;
  }
  if (ms > MAX_STEP_MS) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_STEP_MS / UNIT_MS.d!}d` });
    return z.NEVER;
  }
  return ms;
});

/** `metrics=a,b,c` as a validated list; a name given twice is asked for once. */
export const MetricList = z
  .string()
  .transform((s) => [...new Set(s.split(',').map((m) => m.trim()).filter(Boolean))])
  .pipe(z.array(MetricName).min(1).max(50));

export const IsoDay = z.iso.date();
