import { z } from 'zod';

/** UTC epoch milliseconds. */
export const EpochMs = z.int().nonnegative();

/** A calendar day, `YYYY-MM-DD`, for dates that have no time of day (warranty end). */
export const IsoDate = z.iso.date();

/**
 * The earliest reading time accepted, 2000-01-01T00:00:00Z. Anything before
 * is a device bug, not history: a clock never set (`ts: 0`, 1970) or epoch
 * seconds sent as milliseconds (1700000000 reads as January 1970).
 */
export const EARLIEST_READING_MS = Date.UTC(2000, 0, 1);

/** An instant given either as epoch ms or as ISO 8601 with an offset; normalised to epoch ms. */
export const Instant = z.union([
  EpochMs,
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);
