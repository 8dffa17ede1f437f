import type { CustomerClass, SlaEntitlement, SlaPriority, WorkOrderHold, WorkOrderSla } from '@hourmeter/domain';
import type { Selectable } from 'kysely';
import type { SlaEntitlementsTable, WorkOrderHoldsTable, WorkOrderSlaTable } from '../schema.js';
import type { Executor } from './crud.js';

/** SLA entitlements, an order's SLA and its holds as stored rows and as domain objects. */

const num = (v: unknown) => Number(v);

export async function insertWorkOrderSla(tx: Executor, s: WorkOrderSla): Promise<void> {
  await tx
    .insertInto('work_order_sla')
    .values({
      work_order_id: s.workOrderId,
      priority: s.priority,
      basis: s.basis,
      customer_class: s.customerClass,
      contract_id: s.contractId ?? null,
      entitlement_id: s.entitlementId ?? null,
      started_at: s.startedAt,
      response_ms: s.responseMs,
      fix_ms: s.fixMs,
      overridden_by: s.overriddenBy ?? null,
      overridden_at: s.overriddenAt ?? null,
    })
    .execute();
}

export function workOrderSlaFromRow(r: Selectable<WorkOrderSlaTable>): WorkOrderSla {
  return {
    workOrderId: r.work_order_id,
    priority: r.priority as SlaPriority,
    basis: r.basis as WorkOrderSla['basis'],
    customerClass: r.customer_class as CustomerClass,
    ...(r.contract_id ? { contractId: r.contract_id } : {}),
    ...(r.entitlement_id ? { entitlementId: r.entitlement_id } : {}),
    startedAt: num(r.started_at),
    responseMs: num(r.response_ms),
    fixMs: num(r.fix_ms),
    ...(r.overridden_by ? { overriddenBy: r.overridden_by } : {}),
    ...(r.overridden_at !== null ? { overriddenAt: num(r.overridden_at) } : {}),
  };
}

export function entitlementFromRow(r: Selectable<SlaEntitlementsTable>): SlaEntitlement {
  return {
    id: r.id,
    ...(r.contract_id ? { contractId: r.contract_id } : {}),
    ...(r.customer_class ? { customerClass: r.customer_class as CustomerClass } : {}),
    priority: r.priority as SlaPriority,
    responseMinutes: num(r.response_minutes),
    fixMinutes: num(r.fix_minutes),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function holdFromRow(r: Selectable<WorkOrderHoldsTable>): WorkOrderHold {
  return {
    id: r.id,
    workOrderId: r.work_order_id,
    reason: r.reason as WorkOrderHold['reason'],
    ...(r.note ? { note: r.note } : {}),
    startedAt: num(r.started_at),
    ...(r.ended_at !== null ? { endedAt: num(r.ended_at) } : {}),
    startedBy: r.started_by,
    ...(r.ended_by ? { endedBy: r.ended_by } : {}),
  };
}
