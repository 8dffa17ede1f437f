import { z } from 'zod';

/** UTC epoch milliseconds. */
export const EpochMs = z.int().nonnegative();

/** A calendar day, `YYYY-MM-DD`, for dates that have no time of day (warranty end). */
export const IsoDate = z.iso.date();

/** An instant given either as epoch ms or as ISO 8601 with an offset; normalised to epoch ms. */
export const Instant = z.union([
  EpochMs,
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);
