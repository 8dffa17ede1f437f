import { z } from 'zod';

/** `:id` path parameter of every /api/v1 resource (prefixed ids, or codes where a route says so). */
export const IdParams = z.object({ id: z.string().min(1).max(64) });

/** Cursor paging of every list route: `limit` plus the previous page's `nextCursor`. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('page size (1-500)'),
  cursor: z.string().max(64).optional().describe('nextCursor of the previous page'),
});

/** A page of `item`s as every list route answers it. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
