import type { Kysely } from 'kysely';

/**
 * Customer-scoped principals (issue #19, the portal): a user or an API key
 * with a customer role belongs to exactly one customer, and every portal
 * query is filtered by it. Null for staff. A customer that still has users
 * cannot be deleted (the reference refuses it) rather than leave accounts
 * that would silently see nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('customer_id', 'text', (c) => c.references('customers.id')).execute();
  await db.schema.createIndex('users_customer').on('users').column('customer_id').execute();
  await db.schema.alterTable('api_keys').addColumn('customer_id', 'text', (c) => c.references('customers.id')).execute();
}
