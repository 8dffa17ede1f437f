import { MetricName } from '@hourmeter/domain';
import { z } from 'zod';

/** An instant in a query string: epoch ms digits or ISO 8601. */
export const QueryInstant = z.string().transform((s, ctx) => {
  const ms = /^\d{1,15}$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO 8601 date-time' });
    return z.NEVER;
  }
  return ms;
});

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A bucket width: `500ms`, `30s`, `5m`, `1h`, `1d`, or plain milliseconds. */
export const QueryDuration = z.string().transform((s, ctx) => {
  const m = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(s);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] ?? 'ms']! : Number.NaN;
  if (!(ms > 0)) {
    ctx.addIssue({ code: 'custom', message: 'must be a positive duration such as 30s, 5m, 1h or 1d' });
    return z.NEVER;
  }
  return ms;
});

/** `metrics=a,b,c` as a validated list. */
export const MetricList = z
  .string()
  .transform((s) => s.split(',').map((m) => m.trim()).filter(Boolean))
  .pipe(z.array(MetricName).min(1).max(50));

export const IsoDay = z.iso.date();
