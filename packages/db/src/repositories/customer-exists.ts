import { AppError } from '@hourmeter/runtime';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** A customer-role account or key must name a customer that exists (the foreign key then keeps it from being deleted). */
export async function assertCustomerExists(db: Kysely<Database>, customerId: string | undefined): Promise<void> {
  if (customerId === undefined) return;
  const found = await db.selectFrom('customers').select('id').where('id', '=', customerId).executeTakeFirst();
  if (!found) throw new AppError('VALIDATION_FAILED', `customer ${customerId} does not exist`);
}
