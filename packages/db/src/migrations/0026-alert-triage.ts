import type { Kysely } from 'kysely';

/**
 * Alert triage (issue 17, item 3): a later detection replaces an alert's
 * `evidence`, so the evidence that raised it is kept beside it in
 * `raise_evidence` (written once, by the raise); an engineer may assign an
 * alert to a person and snooze it until an instant. Alerts raised before this
 * migration have no separate raise evidence (null): their `evidence` may
 * already be a later detection's.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alerts').addColumn('raise_evidence', 'text').execute();
  await db.schema
    .alterTable('alerts')
    .addColumn('assignee_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .execute();
  await db.schema.alterTable('alerts').addColumn('snoozed_until', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alerts').dropColumn('snoozed_until').execute();
  await db.schema.alterTable('alerts').dropColumn('assignee_id').execute();
  await db.schema.alterTable('alerts').dropColumn('raise_evidence').execute();
}
