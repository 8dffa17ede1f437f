import { z } from 'zod';

/**
 * Why a telemetry publish, or one reading of it, was not accepted. Devices
 * receive these on `hm/v1/<id>/errors`; the codes are a stable contract.
 */
export const IngestRejectionCode = z.enum([
  /** Payload is larger than the configured maximum (whole message). */
  'PAYLOAD_TOO_LARGE',
  /** Payload is not UTF-8 JSON (whole message). */
  'MALFORMED_JSON',
  /** Payload is neither a reading object nor a non-empty array of them (whole message). */
  'INVALID_SHAPE',
  /** Batch holds more readings than allowed (whole message). */
  'TOO_MANY_READINGS',
  /** A reading does not match the contract: unknown fields, bad seq, missing metrics. */
  'INVALID_READING',
  /** A metric name is not `^[a-z][a-z0-9_.]*$` or a value is not a finite number / boolean. */
  'INVALID_METRIC',
  /** `ts` is neither epoch ms nor ISO 8601 with an offset. */
  'INVALID_TIMESTAMP',
  /** `ts` is further in the future than MAX_FUTURE_SKEW_MS allows. */
  'FUTURE_TIMESTAMP',
  /** `ts` is before EARLIEST_READING_MS (2000-01-01): an unset clock, or epoch seconds sent as milliseconds. */
  'STALE_TIMESTAMP',
  /** The platform cannot take more data right now (spool full); QoS 0 data was dropped. */
  'OVERLOADED',
]);
export type IngestRejectionCode = z.infer<typeof IngestRejectionCode>;

/** One rejection as published on the device's errors topic. */
export const IngestErrorMessage = z.object({
  code: IngestRejectionCode,
  message: z.string(),
  /** Position in the published array; absent for whole-message rejections or single objects. */
  index: z.int().nonnegative().optional(),
  seq: z.int().nonnegative().optional(),
  /** The topic the rejected data was published on. */
  topic: z.string(),
  /** When the platform rejected it, epoch ms. */
  at: z.int().nonnegative(),
});
export type IngestErrorMessage = z.infer<typeof IngestErrorMessage>;
