import { z } from 'zod';
import { MetricName } from './registry.js';
import { Instant } from './time.js';

/** Devices may clock-drift a little ahead; anything further in the future is rejected. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
export const MAX_METRICS_PER_READING = 256;

/** How many distinct valid metric names `ReadingMetricName` remembers (a device inventing names cannot grow it further). */
const REMEMBERED_METRIC_NAMES = 10_000;
const validMetricNames = new Set<string>();

/**
 * MetricName, checked once per distinct name: every reading of a fleet
 * repeats the same few names, and running MetricName's rules on each of them
 * was a third of the time to parse a reading. Unknown names still go through
 * MetricName, and fail with its message.
 */
const ReadingMetricName = z.string().check((ctx) => {
  if (validMetricNames.has(ctx.value)) return;
  const checked = MetricName.safeParse(ctx.value);
  if (checked.success) {
    if (validMetricNames.size < REMEMBERED_METRIC_NAMES) validMetricNames.add(ctx.value);
    return;
  }
  for (const issue of checked.error.issues) ctx.issues.push({ code: 'custom', message: issue.message, input: ctx.value });
});

/**
 * One reading as a device publishes it on `hm/v1/<device id>/telemetry`:
 * `{"ts": <epoch ms | ISO 8601>, "metrics": {"<name>": number | boolean}, "seq"?: int}`.
 * Non-finite numbers cannot be expressed in JSON (a literal like 1e999 parses
 * to Infinity), and z.number() rejects them for payloads from other paths too.
 */
export const TelemetryReading = z.strictObject({
  ts: Instant,
  seq: z.int().nonnegative().optional(),
  metrics: z
    .record(ReadingMetricName, z.union([z.number(), z.boolean()], { error: 'must be a finite number or a boolean' }))
    .check((ctx) => {
      const count = Object.keys(ctx.value).length;
      if (count === 0) ctx.issues.push({ code: 'custom', message: 'must hold at least one metric', input: ctx.value });
      if (count > MAX_METRICS_PER_READING) ctx.issues.push({ code: 'custom', message: `at most ${MAX_METRICS_PER_READING} metrics`, input: ctx.value });
    }),
});
export type TelemetryReading = z.infer<typeof TelemetryReading>;
