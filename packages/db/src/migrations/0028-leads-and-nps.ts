import type { Kysely } from 'kysely';

/**
 * Service as a sales channel and satisfaction from data (issue #19, items 2 and 3):
 * - `leads`: a need a technician or engineer heard on a visit, recorded on the
 *   work order; an account manager qualifies it and closes it won or lost. The
 *   technician key is the work order's free-text `technician` until technicians
 *   become records of their own (the dispatch branch); the payout for a won
 *   lead is frozen on the row when it is won, so a later change of the
 *   configured percentage does not rewrite history.
 * - `nps_responses`: one Net Promoter answer (0..10, with a comment) per work
 *   order, an input of the customer value index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('leads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('work_order_id', 'text', (c) => c.notNull().references('work_orders.id'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('technician', 'text', (c) => c.notNull())
    .addColumn('region', 'text')
    .addColumn('need', 'text', (c) => c.notNull())
    .addColumn('product', 'text', (c) => c.notNull())
    .addColumn('estimated_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('contact_name', 'text', (c) => c.notNull())
    .addColumn('contact_email', 'text')
    .addColumn('contact_phone', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('won_minor', 'bigint')
    .addColumn('payout_minor', 'bigint')
    .addColumn('recorded_by', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('closed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('leads_customer').on('leads').columns(['customer_id', 'created_at']).execute();
  await db.schema.createIndex('leads_state').on('leads').columns(['state', 'created_at']).execute();

  await db.schema
    .createTable('nps_responses')
    .addColumn('work_order_id', 'text', (c) => c.primaryKey().references('work_orders.id'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('score', 'integer', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('recorded_by', 'text')
    .addColumn('responded_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('nps_responses_customer').on('nps_responses').columns(['customer_id', 'responded_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('nps_responses').execute();
  await db.schema.dropTable('leads').execute();
}
