import { z } from 'zod';
import { MetricName } from './registry.js';
import { Instant } from './time.js';

/** Devices may clock-drift a little ahead; anything further in the future is rejected. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
export const MAX_METRICS_PER_READING = 256;

/**
 * One reading as a device publishes it on `hm/v1/<device id>/telemetry`:
 * `{"ts": <epoch ms | ISO 8601>, "metrics": {"<name>": number | boolean}, "seq"?: int}`.
 * Non-finite numbers cannot be expressed in JSON, and the schema rejects them too
 * for payloads that reach us by other paths.
 */
export const TelemetryReading = z.strictObject({
  ts: Instant,
  seq: z.int().nonnegative().optional(),
  metrics: z
    .record(MetricName, z.union([z.number().refine(Number.isFinite, 'must be finite'), z.boolean()]))
    .refine((m) => Object.keys(m).length > 0, 'must hold at least one metric')
    .refine((m) => Object.keys(m).length <= MAX_METRICS_PER_READING, `at most ${MAX_METRICS_PER_READING} metrics`),
});
export type TelemetryReading = z.infer<typeof TelemetryReading>;
