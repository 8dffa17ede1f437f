import type { Kysely } from 'kysely';

/**
 * Notifications for signed-in people and for SLA risk (issue #20):
 * - `notification_recipients.user_id`: a recipient can be the notification
 *   settings of a user account (issue #17), so people who sign in with a
 *   password manage their own preferences at /me, as API-key holders do.
 * - `sla_risk_signals`: a PBH contract's availability at risk in a billing
 *   period is announced once per contract and period; the row is written in
 *   the same transaction as its `contract.sla_at_risk` outbox event.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // No foreign key: notification_recipients is older than users, and the data
  // copy (services/migrate) fills tables in creation order. A user is disabled,
  // not deleted, and a recipient whose user is gone is skipped when mail is planned.
  await db.schema.alterTable('notification_recipients').addColumn('user_id', 'text').execute();
  await db.schema.createIndex('notification_recipients_user').unique().on('notification_recipients').column('user_id').execute();

  await db.schema
    .createTable('sla_risk_signals')
    .addColumn('contract_id', 'text', (c) => c.notNull().references('contracts.id').onDelete('cascade'))
    .addColumn('period_start', 'text', (c) => c.notNull())
    .addColumn('period_end', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sla_risk_signals_pk', ['contract_id', 'period_start'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sla_risk_signals').execute();
  await db.schema.dropIndex('notification_recipients_user').execute();
  await db.schema.alterTable('notification_recipients').dropColumn('user_id').execute();
}
