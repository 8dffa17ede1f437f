import type { Kysely } from 'kysely';

/**
 * Issue 18, items 5-7:
 * - part_returns gain the RMA fields: disposition (repair, scrap, return to
 *   supplier), the failure-analysis result with who and when, and what a
 *   confirmed manufacturing defect charged to which batch's quality reserve
 *   (kept on the return so the reserve's standing can sum it and the charge
 *   happens once);
 * - installation checklists: a template per asset model, copied onto each
 *   installation order when it is opened and ticked there;
 * - hazard records: the closed loop on a hazard-report line (department,
 *   root cause, actions, owner, due date, verification). Recurrence is not
 *   stored: it is read from later completions, so it can never go stale.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('part_returns').addColumn('disposition', 'text').execute();
  await db.schema.alterTable('part_returns').addColumn('failure_analysis', 'text').execute();
  await db.schema.alterTable('part_returns').addColumn('analysed_by', 'text').execute();
  await db.schema.alterTable('part_returns').addColumn('analysed_at', 'bigint').execute();
  await db.schema.alterTable('part_returns').addColumn('reserve_batch_id', 'text').execute();
  await db.schema.alterTable('part_returns').addColumn('reserve_charge_minor', 'bigint').execute();
  await db.schema.alterTable('part_returns').addColumn('reserve_currency', 'text').execute();
  await db.schema.createIndex('part_returns_reserve_batch').on('part_returns').column('reserve_batch_id').execute();

  await db.schema
    .createTable('installation_checklist_templates')
    .addColumn('asset_model_id', 'text', (c) => c.notNull().references('asset_models.id').onDelete('cascade'))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('mandatory', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('installation_checklist_templates_pk', ['asset_model_id', 'code'])
    .execute();

  await db.schema
    .createTable('work_order_checklist_items')
    .addColumn('work_order_id', 'text', (c) => c.notNull().references('work_orders.id').onDelete('cascade'))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('mandatory', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('done_by', 'text')
    .addColumn('done_at', 'bigint')
    .addPrimaryKeyConstraint('work_order_checklist_items_pk', ['work_order_id', 'code'])
    .execute();

  await db.schema
    .createTable('hazards')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('responsible_department', 'text', (c) => c.notNull())
    .addColumn('cause_code', 'text', (c) => c.notNull())
    .addColumn('failure_mode', 'text', (c) => c.notNull())
    // JSON array of asset model ids the hazard concerns (recurrence is looked for on these).
    .addColumn('asset_model_ids', 'text', (c) => c.notNull())
    .addColumn('root_cause', 'text')
    .addColumn('corrective_action', 'text')
    .addColumn('corrective_action_at', 'bigint')
    .addColumn('preventive_action', 'text')
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('due_on', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'bigint')
    .addColumn('verified_by', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('hazards_department').on('hazards').column('responsible_department').execute();
}
