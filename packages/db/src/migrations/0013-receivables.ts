import { sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * Invoices a customer can receive (issue 16): the customer's billing party
 * (legal name, address, tax id, tax treatment, payment terms), tax per invoice
 * line and on credit notes, the due date and addressee frozen at issue,
 * payments against invoices, and the rate cards and exchange rates that
 * replace constants in code (rule 10).
 *
 * The new invoice columns are written while the invoice is a draft or in the
 * issuing update itself, so the immutability triggers of 0005 keep holding.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;

  // JSON: { legalName, address, taxId?, taxTreatment, paymentTermsDays } (domain CustomerBilling).
  await db.schema.alterTable('customers').addColumn('billing', 'text').execute();
  await db.schema.alterTable('sites').addColumn('service_region', 'text').execute();

  await db.schema.alterTable('invoice_lines').addColumn('tax_rate_bp', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('invoice_lines').addColumn('tax_minor', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('invoices').addColumn('tax_minor', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('invoices').addColumn('due_date', 'text').execute();
  // JSON BillTo: the addressee as it was when the invoice was issued.
  await db.schema.alterTable('invoices').addColumn('bill_to', 'text').execute();
  await db.schema.alterTable('credit_notes').addColumn('tax_minor', 'bigint', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema
    .createTable('payments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('invoice_id', 'text', (c) => c.notNull().references('invoices.id').onDelete('restrict'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id').onDelete('restrict'))
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('applied_minor', 'bigint', (c) => c.notNull())
    .addColumn('credit_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('received_on', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('payments_amounts', sql`applied_minor >= 0 AND credit_minor >= 0 AND applied_minor + credit_minor = amount_minor`)
    .execute();
  await db.schema.createIndex('payments_invoice').on('payments').column('invoice_id').execute();
  await db.schema.createIndex('payments_customer').on('payments').columns(['customer_id', 'received_on']).execute();

  // Labour and travel price lists per organisation (region '' ) or service region, each in its currency.
  await db.schema
    .createTable('rate_cards')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('labour_rate_per_hour_minor', 'bigint', (c) => c.notNull())
    .addColumn('travel_rate_per_hour_minor', 'bigint', (c) => c.notNull())
    .addColumn('effective_from', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('rate_cards_region_from', ['region', 'effective_from'])
    .execute();

  // rate_e8: units of `to_currency` per unit of `from_currency`, times 10^8 (an integer: no float carries money).
  await db.schema
    .createTable('exchange_rates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('from_currency', 'text', (c) => c.notNull())
    .addColumn('to_currency', 'text', (c) => c.notNull())
    .addColumn('rate_e8', 'bigint', (c) => c.notNull())
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('exchange_rates_pair_day', ['from_currency', 'to_currency', 'as_of'])
    .execute();

  // Credit notes are as immutable as issued invoices.
  if (sqlite) {
    await sql`CREATE TRIGGER credit_notes_immutable BEFORE UPDATE ON credit_notes
      BEGIN SELECT RAISE(ABORT, 'HM_IMMUTABLE: a credit note cannot be changed'); END`.execute(db);
  } else {
    await sql`CREATE FUNCTION hm_credit_note_immutable() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'HM_IMMUTABLE: a credit note cannot be changed' USING ERRCODE = 'P0001'; END $$ LANGUAGE plpgsql`.execute(db);
    await sql`CREATE TRIGGER credit_notes_immutable BEFORE UPDATE ON credit_notes FOR EACH ROW EXECUTE FUNCTION hm_credit_note_immutable()`.execute(db);
  }
}
