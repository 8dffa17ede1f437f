import type { Kysely } from 'kysely';

/**
 * Service sold as products (issue #19, item 4): priced plans per asset model
 * (extended warranty, inspection plan, remote-monitoring subscription,
 * training) with eligibility limits and a term, and their quotes. A quote
 * carries its price with the working that produced it (frozen: the fleet's
 * reliability moves on, the offer does not). An accepted quote is the
 * customer's agreement: an extended warranty points at the warranty contract
 * it created; the other kinds, which no contract kind fits, are the priced
 * subscription record themselves. `reminded_at` is set in the transaction of
 * its `service-product.renewal_due` outbox event, so a renewal is announced once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('service_products')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('asset_model_id', 'text', (c) => c.notNull().references('asset_models.id').onDelete('restrict'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('term_months', 'integer', (c) => c.notNull())
    .addColumn('price_minor', 'bigint', (c) => c.notNull())
    .addColumn('margin_percent', 'real', (c) => c.notNull())
    .addColumn('default_failure_cost_minor', 'bigint', (c) => c.notNull())
    .addColumn('eligibility', 'text', (c) => c.notNull())
    .addColumn('reminder_days', 'integer', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('service_products_model').on('service_products').column('asset_model_id').execute();

  await db.schema
    .createTable('service_quotes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('product_id', 'text', (c) => c.notNull().references('service_products.id').onDelete('restrict'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id').onDelete('restrict'))
    .addColumn('asset_ids', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('starts_on', 'text', (c) => c.notNull())
    .addColumn('ends_on', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('total_minor', 'bigint', (c) => c.notNull())
    .addColumn('working', 'text', (c) => c.notNull())
    .addColumn('valid_until', 'bigint', (c) => c.notNull())
    .addColumn('renewal_of_id', 'text', (c) => c.references('service_quotes.id').onDelete('restrict'))
    .addColumn('contract_id', 'text', (c) => c.references('contracts.id').onDelete('restrict'))
    .addColumn('decided_at', 'bigint')
    .addColumn('decided_by', 'text')
    .addColumn('reminded_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('service_quotes_status_end').on('service_quotes').columns(['status', 'ends_on']).execute();
  await db.schema.createIndex('service_quotes_customer').on('service_quotes').column('customer_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('service_quotes').execute();
  await db.schema.dropTable('service_products').execute();
}
