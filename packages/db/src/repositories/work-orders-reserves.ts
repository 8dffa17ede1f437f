import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { addMonths } from './registry.js';
import { num } from './work-orders-rows.js';

/** Quality reserves of production batches: what each holds, what completions charged to it consumed, and its events. */
export type ReserveEventKind = 'warning' | 'exhausted' | 'bonus_released';

export interface ReserveStanding {
  productionBatchId: string;
  code: string;
  assetModelId: string;
  currency: string;
  reserveMinor: number;
  /** Total cost of the completions charged to the reserve, plus returned parts found to have a manufacturing defect. */
  consumedMinor: number;
  orders: number;
  /** Last day of the batch's warranty: its last unit's warranty end, else production + the model's warranty months. */
  warrantyEndsOn: string;
  events: { kind: ReserveEventKind; amountMinor: number; at: number }[];
}

export async function reserveStandings(db: Kysely<Database>, batchIds?: readonly string[]): Promise<ReserveStanding[]> {
  if (batchIds && batchIds.length === 0) return [];
  let batches = db
    .selectFrom('production_batches')
    .innerJoin('asset_models', 'asset_models.id', 'production_batches.asset_model_id')
    .select(['production_batches.id', 'production_batches.code', 'production_batches.asset_model_id', 'production_batches.produced_on', 'production_batches.quality_reserve_minor', 'production_batches.currency', 'asset_models.warranty_months'])
    .orderBy('production_batches.id');
  if (batchIds) batches = batches.where('production_batches.id', 'in', [...batchIds]);
  const rows = await batches.execute();
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const charges = await db
    .selectFrom('work_order_completions')
    .select((eb) => ['production_batch_id', eb.fn.sum<number>('total_cost_minor').as('cost'), eb.fn.countAll<number>().as('orders')])
    .where('charged_to', '=', 'quality_reserve')
    .where('production_batch_id', 'in', ids)
    .groupBy('production_batch_id')
    .execute();
  // Confirmed manufacturing defects found on returned parts (issue 18) charge the same reserve.
  const returnCharges = await db
    .selectFrom('part_returns')
    .select((eb) => ['reserve_batch_id', eb.fn.sum<number>('reserve_charge_minor').as('cost')])
    .where('reserve_batch_id', 'in', ids)
    .groupBy('reserve_batch_id')
    .execute();
  const ends = await db
    .selectFrom('assets')
    .select((eb) => ['production_batch_id', eb.fn.max('warranty_ends_on').as('ends')])
    .where('production_batch_id', 'in', ids)
    .groupBy('production_batch_id')
    .execute();
  const events = await db.selectFrom('quality_reserve_events').selectAll().where('production_batch_id', 'in', ids).orderBy('at').execute();
  return rows.map((r) => {
    const c = charges.find((x) => x.production_batch_id === r.id);
    const end = ends.find((x) => x.production_batch_id === r.id)?.ends;
    return {
      productionBatchId: r.id,
      code: r.code,
      assetModelId: r.asset_model_id,
      currency: r.currency,
      reserveMinor: num(r.quality_reserve_minor),
      consumedMinor: num(c?.cost ?? 0) + num(returnCharges.find((x) => x.reserve_batch_id === r.id)?.cost ?? 0),
      orders: num(c?.orders ?? 0),
      warrantyEndsOn: end ? String(end) : addMonths(r.produced_on, num(r.warranty_months)),
      events: events.filter((e) => e.production_batch_id === r.id).map((e) => ({ kind: e.kind as ReserveEventKind, amountMinor: num(e.amount_minor), at: num(e.at) })),
    };
  });
}

/**
 * Quality reserves of production batches (DOMAIN.md: the reserve belongs to
 * production): what warranty repairs charged to them, the thresholds
 * already signalled and the bonus released at the end of the warranty.
 */
export function qualityReservesRepository(db: Kysely<Database>) {
  return {
    /** One batch's reserve and what completions charged to it, all time. */
    async standing(batchId: string): Promise<ReserveStanding | undefined> {
      return (await reserveStandings(db, [batchId]))[0];
    },
    /** Every batch's standing, with its warranty end and the events recorded so far. */
    async all(): Promise<ReserveStanding[]> {
      return reserveStandings(db);
    },
    /** Records a threshold or the bonus once per batch; false when it was already recorded. */
    async record(e: { productionBatchId: string; kind: ReserveEventKind; reserveMinor: number; consumedMinor: number; amountMinor: number; currency: string; at: number }): Promise<boolean> {
      const res = await db
        .insertInto('quality_reserve_events')
        .values({
          production_batch_id: e.productionBatchId,
          kind: e.kind,
          reserve_minor: e.reserveMinor,
          consumed_minor: e.consumedMinor,
          amount_minor: e.amountMinor,
          currency: e.currency,
          at: e.at,
        })
        .onConflict((oc) => oc.columns(['production_batch_id', 'kind']).doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
    },
  };
}
