import type { MaintenanceSchedule, MaintenanceScheduleInput } from '@hourmeter/domain';
import { notFound } from '@hourmeter/runtime';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { serviceId } from './service-ids.js';
import { scheduleFromRow } from './work-orders-rows.js';
import { checkAsset, workOrderWriter } from './work-orders-shared.js';

/** Maintenance schedules: calendar or operating-hour intervals per asset and failure mode. */
export function maintenanceSchedulesRepository(db: Kysely<Database>) {
  const write = workOrderWriter(db);
  return {
    async create(input: MaintenanceScheduleInput & { lastDoneAt: number; lastDoneHours: number }, now = Date.now()): Promise<MaintenanceSchedule> {
      return write(async (tx) => {
        await checkAsset(tx, input.assetId);
        const id = serviceId('sch', now);
        await tx
          .insertInto('maintenance_schedules')
          .values({
            id,
            asset_id: input.assetId,
            failure_mode: input.failureMode,
            description: input.description ?? null,
            interval_days: input.intervalDays ?? null,
            interval_hours: input.intervalHours ?? null,
            last_done_at: input.lastDoneAt,
            last_done_hours: input.lastDoneHours,
            active: input.active ? 1 : 0,
            created_at: now,
            updated_at: now,
          })
          .execute();
        return scheduleFromRow(await tx.selectFrom('maintenance_schedules').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
      });
    },
    async list(filters: { assetId?: string | undefined; active?: boolean | undefined } = {}): Promise<MaintenanceSchedule[]> {
      let q = db.selectFrom('maintenance_schedules').selectAll().orderBy('id');
      if (filters.assetId) q = q.where('asset_id', '=', filters.assetId);
      if (filters.active !== undefined) q = q.where('active', '=', filters.active ? 1 : 0);
      return (await q.execute()).map(scheduleFromRow);
    },
    async get(id: string): Promise<MaintenanceSchedule> {
      const r = await db.selectFrom('maintenance_schedules').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) throw notFound('maintenance schedule', id);
      return scheduleFromRow(r);
    },
    /** Restarts the intervals from a completed service. */
    async markDone(assetId: string, failureMode: string, at: number, hours: number): Promise<void> {
      await db
        .updateTable('maintenance_schedules')
        .set({ last_done_at: at, last_done_hours: hours, updated_at: at })
        .where('asset_id', '=', assetId)
        .where('failure_mode', '=', failureMode)
        .execute();
    },
    async remove(id: string): Promise<void> {
      const res = await db.deleteFrom('maintenance_schedules').where('id', '=', id).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw notFound('maintenance schedule', id);
    },
  };
}
