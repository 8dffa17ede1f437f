import type { MaintenanceSchedule, WorkOrder, WorkOrderCompletion } from '@hourmeter/domain';
import type { Selectable } from 'kysely';
import type { MaintenanceSchedulesTable, WorkOrderCompletionsTable, WorkOrdersTable } from '../schema.js';

/** Work orders, completions and maintenance schedules as stored rows and as domain objects. */
export type WorkOrderState = WorkOrder['state'];
export const ACTIVE_STATES: readonly WorkOrderState[] = ['open', 'scheduled', 'in_progress'];

export const num = (v: unknown) => Number(v);
export const optNum = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));
export const optStr = (v: string | null) => v ?? undefined;

export function workOrderFromRow(r: Selectable<WorkOrdersTable>): WorkOrder {
  const wo: WorkOrder = {
    id: r.id,
    kind: r.kind as WorkOrder['kind'],
    state: r.state as WorkOrderState,
    assetId: r.asset_id,
    failureMode: optStr(r.failure_mode),
    alertId: optStr(r.alert_id),
    description: optStr(r.description),
    technician: optStr(r.technician),
    technicianId: optStr(r.technician_id),
    windowFrom: optNum(r.window_from),
    windowTo: optNum(r.window_to),
    slaDueAt: optNum(r.sla_due_at),
    source: (r.source ?? undefined) as WorkOrder['source'],
    severity: (r.severity ?? undefined) as WorkOrder['severity'],
    rulHours: optNum(r.rul_hours),
    reason: optStr(r.reason),
    suggestedPartNumbers: r.suggested_part_numbers ? (JSON.parse(r.suggested_part_numbers) as string[]) : undefined,
    scheduleId: optStr(r.schedule_id),
    repeatOfId: optStr(r.repeat_of_id),
    completedAt: optNum(r.completed_at),
    cancelledAt: optNum(r.cancelled_at),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
  // Drop undefined keys so objects compare and serialise cleanly.
  return Object.fromEntries(Object.entries(wo).filter(([, v]) => v !== undefined)) as WorkOrder;
}

export function completionFromRow(r: Selectable<WorkOrderCompletionsTable>, parts: WorkOrderCompletion['partsConsumed']): WorkOrderCompletion {
  const m = (amountMinor: unknown) => ({ amountMinor: num(amountMinor), currency: r.currency });
  return {
    workOrderId: r.work_order_id,
    failureAt: num(r.failure_at),
    symptomCode: r.symptom_code,
    causeCode: r.cause_code,
    remedyCode: r.remedy_code,
    responsibleDepartment: r.responsible_department as WorkOrderCompletion['responsibleDepartment'],
    partsConsumed: parts,
    labourHours: num(r.labour_hours),
    travelHours: num(r.travel_hours),
    downtimeFrom: num(r.downtime_from),
    downtimeTo: num(r.downtime_to),
    fixedOnFirstVisit: num(r.fixed_on_first_visit) === 1,
    ...(r.repeated_by_id ? { repeatedById: r.repeated_by_id } : {}),
    firstTimeFix: num(r.fixed_on_first_visit) === 1 && !r.repeated_by_id,
    inWarranty: num(r.in_warranty) === 1,
    chargedTo: r.charged_to as WorkOrderCompletion['chargedTo'],
    ...(r.contract_id ? { contractId: r.contract_id } : {}),
    ...(r.production_batch_id ? { productionBatchId: r.production_batch_id } : {}),
    partsCost: m(r.parts_cost_minor),
    labourCost: m(r.labour_cost_minor),
    travelCost: m(r.travel_cost_minor),
    totalCost: m(r.total_cost_minor),
    completedBy: r.completed_by,
    completedAt: num(r.completed_at),
  };
}

export function scheduleFromRow(r: Selectable<MaintenanceSchedulesTable>): MaintenanceSchedule {
  return {
    id: r.id,
    assetId: r.asset_id,
    failureMode: r.failure_mode,
    ...(r.description ? { description: r.description } : {}),
    ...(r.interval_days !== null ? { intervalDays: num(r.interval_days) } : {}),
    ...(r.interval_hours !== null ? { intervalHours: num(r.interval_hours) } : {}),
    lastDoneAt: num(r.last_done_at),
    lastDoneHours: num(r.last_done_hours),
    active: num(r.active) === 1,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}
