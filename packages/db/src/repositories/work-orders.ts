import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { failureCodesRepository } from './work-orders-failure-codes.js';
import { workOrderOpeningRepository } from './work-orders-opening.js';
import { workOrderReadsRepository } from './work-orders-reads.js';
import { workOrderReportDataRepository } from './work-orders-reports.js';
import { qualityReservesRepository } from './work-orders-reserves.js';
import { maintenanceSchedulesRepository } from './work-orders-schedules.js';
import { workOrderEventRecorder } from './work-orders-shared.js';
import { workOrderTransitionsRepository } from './work-orders-transitions.js';

export { ACTIVE_STATES, completionFromRow, workOrderFromRow } from './work-orders-rows.js';
export type { ReserveEventKind, ReserveStanding } from './work-orders-reserves.js';
export type { WorkOrderFilters } from './work-orders-reads.js';
export type { CreateOptions } from './work-orders-opening.js';
export type { CompletionRecord, TransitionInput } from './work-orders-transitions.js';

/**
 * Work orders, their failure codes, maintenance schedules, quality reserves
 * and report rows: one file per part (work-orders-reads, -opening,
 * -transitions, -failure-codes, -schedules, -reserves, -reports; shared
 * helpers in work-orders-shared and work-orders-rows), one repository for
 * callers.
 */
export function workOrderRepository(db: Kysely<Database>) {
  return {
    ...workOrderReadsRepository(db),
    /** Records a history step (and its outbox event) inside a caller's transaction: holds, SLA changes. */
    recordEvent: workOrderEventRecorder(db),
    ...workOrderOpeningRepository(db),
    ...workOrderTransitionsRepository(db),
    failureCodes: failureCodesRepository(db),
    schedules: maintenanceSchedulesRepository(db),
    qualityReserves: qualityReservesRepository(db),
    reportData: workOrderReportDataRepository(db),
  };
}

export type WorkOrderRepository = ReturnType<typeof workOrderRepository>;
