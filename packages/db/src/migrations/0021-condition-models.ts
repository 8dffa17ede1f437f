import type { Kysely } from 'kysely';

/**
 * Condition-based RUL versions beside the Weibull ones (issue 15): a
 * reliability model version of kind `condition` keeps its boosted trees and
 * channel spec as JSON here. Kept out of `fit` so that listing versions does
 * not carry megabytes of trees; null for Weibull versions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('reliability_models').addColumn('model_json', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('reliability_models').dropColumn('model_json').execute();
}
