import { z } from 'zod';

/**
 * Commands a simulated device accepts on `hm/v1/<device id>/commands`.
 * `maintenance.completed` is what the work-order flow sends when a technician
 * closes an order: it restores health (fully at quality 1, partly below:
 * imperfect repair) and restarts a failed asset.
 */
export const MaintenanceCompleted = z.strictObject({
  type: z.literal('maintenance.completed'),
  workOrderId: z.string().min(1).max(64).optional(),
  /** The failure mode repaired (e.g. `bearing_wear`); omitted = overhaul of every mode. */
  failureMode: z.string().min(1).max(64).optional(),
  /** Share of the accumulated damage removed: 1 = as good as new. */
  quality: z.number().min(0).max(1).default(1),
});
export type MaintenanceCompleted = z.infer<typeof MaintenanceCompleted>;

export const SimCommand = z.discriminatedUnion('type', [MaintenanceCompleted]);
export type SimCommand = z.infer<typeof SimCommand>;
