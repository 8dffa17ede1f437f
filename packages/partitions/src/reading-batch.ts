import { z } from 'zod';

/**
 * The payload of a partition stream message: readings as the telemetry store
 * takes them (`StoredReading`). The broker role produced them from payloads
 * it validated, but a worker still checks the shape at this boundary: a
 * message it cannot read is a bug or a foreign publisher, never a reason to
 * write garbage.
 */
const ReadingSchema = z.object({
  assetId: z.string().min(1),
  deviceId: z.string().min(1),
  ts: z.number().int(),
  seq: z.number().int().optional(),
  metrics: z.record(z.string(), z.union([z.number(), z.boolean()])),
});
const BatchSchema = z.array(ReadingSchema).min(1);

export type PartitionReading = z.infer<typeof ReadingSchema>;

export function encodeReadingBatch(readings: readonly PartitionReading[]): Buffer {
  return Buffer.from(JSON.stringify(readings));
}

/** The readings of a stream message; throws PoisonMessageError when it is not a reading batch. */
export function decodeReadingBatch(payload: Uint8Array): PartitionReading[] {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch (err) {
    throw new PoisonMessageError(`not JSON: ${(err as Error).message}`);
  }
  const parsed = BatchSchema.safeParse(json);
  if (!parsed.success) throw new PoisonMessageError(`not a reading batch: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** A message no retry can make processable: it is logged and acknowledged so it cannot block its partition. */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}
