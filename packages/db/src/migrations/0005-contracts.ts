import { sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * Contracts and billing: versioned contracts and their asset coverage, metered
 * usage records, invoices with their lines and the usage each one billed,
 * credit notes, gapless document counters and invoice runs.
 *
 * Issued invoices are immutable in the database itself (triggers on both
 * engines), not only in the repository: no code path can edit one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;

  await db.schema
    .createTable('contracts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id').onDelete('restrict'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('billing_period', 'text', (c) => c.notNull())
    .addColumn('starts_on', 'text', (c) => c.notNull())
    .addColumn('ends_on', 'text', (c) => c.notNull())
    .addColumn('current_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('contracts_customer_id').on('contracts').column('customer_id').execute();

  // History: one row per version, never updated.
  await db.schema
    .createTable('contract_versions')
    .addColumn('contract_id', 'text', (c) => c.notNull().references('contracts.id').onDelete('restrict'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('effective_from', 'text', (c) => c.notNull())
    .addColumn('ends_on', 'text', (c) => c.notNull())
    .addColumn('asset_ids', 'text', (c) => c.notNull())
    .addColumn('terms', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('contract_versions_pk', ['contract_id', 'version'])
    .execute();

  // Derived index of which contract covers which asset on which days (rebuilt
  // for a contract on every amendment): overlap checks and coverage look-ups.
  await db.schema
    .createTable('contract_assets')
    .addColumn('contract_id', 'text', (c) => c.notNull().references('contracts.id').onDelete('restrict'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id').onDelete('restrict'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('from_day', 'text', (c) => c.notNull())
    .addColumn('to_day', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('contract_assets_pk', ['contract_id', 'version', 'asset_id'])
    .execute();
  await db.schema.createIndex('contract_assets_asset').on('contract_assets').columns(['asset_id', 'from_day']).execute();

  for (const table of ['usage_records', 'usage_record_versions'] as const) {
    await db.schema
      .createTable(table)
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id').onDelete('restrict'))
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('operating_ms', 'bigint', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('source_version', 'integer', (c) => c.notNull())
      .addColumn('computed_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, table === 'usage_records' ? ['asset_id', 'day'] : ['asset_id', 'day', 'version'])
      .execute();
  }

  await db.schema
    .createTable('invoice_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('result', 'text')
    .execute();

  await db.schema
    .createTable('invoices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('contract_id', 'text', (c) => c.notNull().references('contracts.id').onDelete('restrict'))
    .addColumn('customer_id', 'text', (c) => c.notNull())
    // `${contractId}:${periodStart}`: one invoice per contract and period, whatever runs race.
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('period_start', 'text', (c) => c.notNull())
    .addColumn('period_end', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.unique())
    .addColumn('total_minor', 'bigint', (c) => c.notNull())
    .addColumn('issued_at', 'bigint')
    .addColumn('run_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('invoices_contract_period').on('invoices').columns(['contract_id', 'period_start']).execute();

  await db.schema
    .createTable('invoice_lines')
    .addColumn('invoice_id', 'text', (c) => c.notNull().references('invoices.id').onDelete('restrict'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text')
    .addColumn('work_order_id', 'text')
    .addColumn('from_day', 'text')
    .addColumn('to_day', 'text')
    .addColumn('quantity', 'double precision', (c) => c.notNull())
    .addColumn('unit_price_minor', 'bigint', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('invoice_lines_pk', ['invoice_id', 'line_no'])
    .execute();
  await db.schema.createIndex('invoice_lines_work_order').on('invoice_lines').column('work_order_id').execute();

  // The operating time each invoice billed per asset and day (a delta for
  // adjustment lines): the difference to the current usage is the next adjustment.
  await db.schema
    .createTable('invoice_usage')
    .addColumn('invoice_id', 'text', (c) => c.notNull().references('invoices.id').onDelete('restrict'))
    .addColumn('contract_id', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('billed_ms', 'bigint', (c) => c.notNull())
    .addColumn('usage_version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('invoice_usage_pk', ['invoice_id', 'asset_id', 'day'])
    .execute();
  await db.schema.createIndex('invoice_usage_contract').on('invoice_usage').columns(['contract_id', 'day']).execute();

  await db.schema
    .createTable('credit_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('invoice_id', 'text', (c) => c.notNull().references('invoices.id').onDelete('restrict'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('credit_notes_invoice').on('credit_notes').column('invoice_id').execute();

  // Gapless numbering: one row per series and year, incremented inside the
  // issuing transaction (the row lock serialises concurrent issuers; a rollback
  // gives the number back).
  await db.schema
    .createTable('document_counters')
    .addColumn('series', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('last_value', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('document_counters_pk', ['series', 'year'])
    .execute();

  if (sqlite) {
    await sql`CREATE TRIGGER invoices_issued_immutable BEFORE UPDATE ON invoices WHEN OLD.status = 'issued'
      BEGIN SELECT RAISE(ABORT, 'HM_IMMUTABLE: an issued invoice cannot be changed'); END`.execute(db);
    await sql`CREATE TRIGGER invoices_issued_undeletable BEFORE DELETE ON invoices WHEN OLD.status = 'issued'
      BEGIN SELECT RAISE(ABORT, 'HM_IMMUTABLE: an issued invoice cannot be deleted'); END`.execute(db);
    for (const table of ['invoice_lines', 'invoice_usage']) {
      for (const [op, ref] of [['INSERT', 'NEW'], ['UPDATE', 'OLD'], ['DELETE', 'OLD']] as const) {
        await sql
          .raw(
            `CREATE TRIGGER ${table}_${op.toLowerCase()}_immutable BEFORE ${op} ON ${table}
             WHEN (SELECT status FROM invoices WHERE id = ${ref}.invoice_id) = 'issued'
             BEGIN SELECT RAISE(ABORT, 'HM_IMMUTABLE: lines of an issued invoice cannot be changed'); END`,
          )
          .execute(db);
      }
    }
  } else {
    await sql`CREATE FUNCTION hm_invoice_immutable() RETURNS trigger AS $$
      BEGIN
        IF OLD.status = 'issued' THEN
          RAISE EXCEPTION 'HM_IMMUTABLE: an issued invoice cannot be changed' USING ERRCODE = 'P0001';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`.execute(db);
    await sql`CREATE TRIGGER invoices_issued_immutable BEFORE UPDATE OR DELETE ON invoices
      FOR EACH ROW EXECUTE FUNCTION hm_invoice_immutable()`.execute(db);
    await sql`CREATE FUNCTION hm_invoice_child_immutable() RETURNS trigger AS $$
      DECLARE inv text;
      BEGIN
        IF TG_OP = 'INSERT' THEN inv := NEW.invoice_id; ELSE inv := OLD.invoice_id; END IF;
        IF (SELECT status FROM invoices WHERE id = inv) = 'issued' THEN
          RAISE EXCEPTION 'HM_IMMUTABLE: lines of an issued invoice cannot be changed' USING ERRCODE = 'P0001';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`.execute(db);
    for (const table of ['invoice_lines', 'invoice_usage']) {
      await sql
        .raw(`CREATE TRIGGER ${table}_immutable BEFORE INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION hm_invoice_child_immutable()`)
        .execute(db);
    }
  }
}
