import { sql, type Kysely } from 'kysely';

/**
 * SLA entitlements and service requests (issue 18, items 3 and 4).
 *
 * - `sla_entitlements`: response and fix minutes per priority, promised by a
 *   contract or to a customer class (exactly one of the two; one row per
 *   owner and priority).
 * - `work_order_sla`: the SLA an order carries from its creation (which
 *   entitlement, or a planner's override); `work_orders.sla_due_at` stays the
 *   fix due time that the queue and reports read.
 * - `work_order_holds`: why an order waits, from when to when; time waiting on
 *   the customer is added to the SLA due times.
 * - `service_requests`: requests and complaints from customers and their triage.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sla_entitlements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('contract_id', 'text', (c) => c.references('contracts.id').onDelete('cascade'))
    .addColumn('customer_class', 'text')
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('response_minutes', 'integer', (c) => c.notNull())
    .addColumn('fix_minutes', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // An SLA that cannot be met by construction never reaches a row, whoever writes it.
    .addCheckConstraint('sla_entitlements_achievable', sql`response_minutes > 0 AND fix_minutes >= response_minutes`)
    .addCheckConstraint('sla_entitlements_one_owner', sql`(contract_id IS NULL) <> (customer_class IS NULL)`)
    .execute();
  await sql`CREATE UNIQUE INDEX sla_entitlements_contract_priority ON sla_entitlements (contract_id, priority) WHERE contract_id IS NOT NULL`.execute(db);
  await sql`CREATE UNIQUE INDEX sla_entitlements_class_priority ON sla_entitlements (customer_class, priority) WHERE customer_class IS NOT NULL`.execute(db);

  await db.schema
    .createTable('work_order_sla')
    .addColumn('work_order_id', 'text', (c) => c.primaryKey().references('work_orders.id').onDelete('cascade'))
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('basis', 'text', (c) => c.notNull())
    .addColumn('customer_class', 'text', (c) => c.notNull())
    .addColumn('contract_id', 'text')
    .addColumn('entitlement_id', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('response_ms', 'bigint', (c) => c.notNull())
    .addColumn('fix_ms', 'bigint', (c) => c.notNull())
    .addColumn('overridden_by', 'text')
    .addColumn('overridden_at', 'bigint')
    .execute();

  await db.schema
    .createTable('work_order_holds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('work_order_id', 'text', (c) => c.notNull().references('work_orders.id').onDelete('cascade'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('ended_by', 'text')
    .execute();
  // One open hold per order, under concurrency too.
  await sql`CREATE UNIQUE INDEX work_order_holds_one_open ON work_order_holds (work_order_id) WHERE ended_at IS NULL`.execute(db);

  await db.schema
    .createTable('service_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id').onDelete('restrict'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id').onDelete('restrict'))
    .addColumn('symptom', 'text', (c) => c.notNull())
    .addColumn('contact', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('cause_kind', 'text')
    .addColumn('cause_work_order_id', 'text', (c) => c.references('work_orders.id').onDelete('restrict'))
    .addColumn('cause_invoice_id', 'text')
    .addColumn('cause_note', 'text')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('work_order_id', 'text', (c) => c.references('work_orders.id').onDelete('restrict'))
    .addColumn('outcome', 'text')
    .addColumn('triaged_by', 'text')
    .addColumn('triaged_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('service_requests_customer').on('service_requests').columns(['customer_id', 'received_at']).execute();
  await db.schema.createIndex('service_requests_state').on('service_requests').column('state').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('service_requests').execute();
  await db.schema.dropTable('work_order_holds').execute();
  await db.schema.dropTable('work_order_sla').execute();
  await db.schema.dropTable('sla_entitlements').execute();
}
