import type { Part, PartReturn } from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Executor } from './crud.js';
import { assertExists, num, partsWriter } from './parts-rows.js';
import { mustMove } from './parts-stock-ledger.js';
import { serviceId } from './service-ids.js';

export interface PartReturnRecord {
  partId: string;
  quantity: number;
  condition: PartReturn['condition'];
  warehouseId: string;
  serialNumbers?: readonly string[] | undefined;
}

/** Parts coming back from completed orders; `getPart` is the catalogue's. */
export function partReturnsRepository(db: Kysely<Database>, getPart: (id: string, ex?: Executor) => Promise<Part>) {
  const write = partsWriter(db);
  return {
    /**
     * Records parts coming back from a completed order. An unused unit goes
     * back into stock (a `return` movement); a defective one is the replaced
     * unit. Never more back than was consumed (defective) or issued (unused).
     */
    record(workOrderId: string, r: PartReturnRecord, returnedBy: string, at: number): Promise<PartReturn> {
      return write('part return', async (tx) => {
        const wo = await tx.selectFrom('work_orders').select('state').where('id', '=', workOrderId).executeTakeFirst();
        if (!wo) throw notFound('work order', workOrderId);
        if (wo.state !== 'completed') throw new AppError('ILLEGAL_TRANSITION', `work order ${workOrderId} is ${wo.state}; parts come back from a completed order`);
        await assertExists(tx, r.warehouseId, r.partId);
        const part = await getPart(r.partId, tx);
        const consumed = await tx
          .selectFrom('work_order_parts_consumed')
          .select((eb) => eb.fn.sum<number>('quantity').as('q'))
          .where('work_order_id', '=', workOrderId)
          .where('part_id', '=', r.partId)
          .executeTakeFirst();
        const issued = await tx
          .selectFrom('stock_movements')
          .select((eb) => eb.fn.sum<number>('quantity').as('q'))
          .where('work_order_id', '=', workOrderId)
          .where('part_id', '=', r.partId)
          .where('kind', '=', 'issue')
          .executeTakeFirst();
        const back = await tx
          .selectFrom('part_returns')
          .select((eb) => eb.fn.sum<number>('quantity').as('q'))
          .where('work_order_id', '=', workOrderId)
          .where('part_id', '=', r.partId)
          .where('condition', '=', r.condition)
          .executeTakeFirst();
        // A part that never went out on this order cannot come back from it (issue 18): the
        // classic sign of a return booked against the wrong order, or of a part swapped in.
        if (num(consumed?.q ?? 0) === 0 && num(issued?.q ?? 0) === 0) {
          throw new AppError('PART_NOT_ISSUED', `partNumber: ${part.partNumber} was never issued on work order ${workOrderId} (not in its stock issues nor its consumed parts); a return needs the order it went out on`, {
            field: 'partNumber',
            workOrderId,
            partNumber: part.partNumber,
          });
        }
        const limit = num(r.condition === 'defective' ? (consumed?.q ?? 0) : (issued?.q ?? 0));
        const already = num(back?.q ?? 0);
        if (already + r.quantity > limit) {
          const what = r.condition === 'defective' ? 'replaced (consumed)' : 'issued';
          throw new AppError(
            'VALIDATION_FAILED',
            `quantity: ${part.partNumber} on work order ${workOrderId}: ${limit} ${what}, ${already} already returned ${r.condition}; ${r.quantity} more cannot come back`,
            { field: 'quantity' },
          );
        }
        if (r.condition === 'unused') await mustMove(tx, { warehouseId: r.warehouseId, partId: r.partId, kind: 'return', quantity: r.quantity, workOrderId, note: returnedBy, at });
        const id = serviceId('ret', at);
        await tx
          .insertInto('part_returns')
          .values({
            id,
            work_order_id: workOrderId,
            part_id: r.partId,
            quantity: r.quantity,
            condition: r.condition,
            warehouse_id: r.warehouseId,
            serial_numbers: r.serialNumbers?.length ? JSON.stringify(r.serialNumbers) : null,
            returned_by: returnedBy,
            returned_at: at,
          })
          .execute();
        return (await this.forWorkOrder(workOrderId, tx)).find((x) => x.id === id)!;
      });
    },
    async forWorkOrder(workOrderId: string, ex: Executor = db): Promise<PartReturn[]> {
      const rows = await ex
        .selectFrom('part_returns')
        .innerJoin('parts', 'parts.id', 'part_returns.part_id')
        .selectAll('part_returns')
        .select('parts.part_number')
        .where('work_order_id', '=', workOrderId)
        .orderBy('part_returns.id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        workOrderId: r.work_order_id,
        partId: r.part_id,
        partNumber: r.part_number,
        quantity: num(r.quantity),
        condition: r.condition as PartReturn['condition'],
        warehouseId: r.warehouse_id,
        ...(r.serial_numbers ? { serialNumbers: JSON.parse(r.serial_numbers) as string[] } : {}),
        returnedBy: r.returned_by,
        returnedAt: num(r.returned_at),
      }));
    },
  };
}
