import type { ChargedTo, Money, WorkOrderCompletion } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';

export interface CostRates {
  /** Internal labour rate per hour, minor units. */
  labourRatePerHourMinor: number;
  /** Travel time rate per hour, minor units. */
  travelRatePerHourMinor: number;
  currency: string;
}

export const QUALITY_DEPARTMENTS: ReadonlySet<WorkOrderCompletion['responsibleDepartment']> = new Set(['design', 'production', 'purchasing']);

export interface AllocationInput {
  failureAt: number;
  /** Last day covered, ISO date (inclusive). */
  warrantyEndsOn: string;
  department: WorkOrderCompletion['responsibleDepartment'];
  parts: readonly { quantity: number; unitCost: Money }[];
  labourHours: number;
  travelHours: number;
  productionBatchId?: string | undefined;
  coveringContractId?: string | undefined;
}

export interface Allocation {
  inWarranty: boolean;
  chargedTo: ChargedTo;
  contractId?: string;
  productionBatchId?: string;
  partsCost: Money;
  labourCost: Money;
  travelCost: Money;
  totalCost: Money;
}

/** Whether the failure instant falls on or before the warranty's last day (UTC). */
export function inWarranty(failureAt: number, warrantyEndsOn: string): boolean {
  return new Date(failureAt).toISOString().slice(0, 10) <= warrantyEndsOn;
}

/**
 * Cost = parts at cost + labour at the internal rate + travel, all in integer
 * minor units (hours x rate rounded half up per line). Charged to (docs/domain.md, "Work orders"):
 * - in warranty and caused by design / production / purchasing: the batch's quality reserve;
 * - in warranty otherwise: the sales organisation;
 * - out of warranty: a covering service contract, else the customer (time and materials).
 * A quality defect of a unit without a known batch falls back to sales.
 */
export function allocateCost(a: AllocationInput, rates: CostRates): Allocation {
  for (const p of a.parts) {
    if (p.unitCost.currency !== rates.currency) {
      throw new AppError('VALIDATION_FAILED', `partsConsumed: part priced in ${p.unitCost.currency}, service costs are kept in ${rates.currency}`);
    }
  }
  const m = (amountMinor: number): Money => ({ amountMinor, currency: rates.currency });
  const parts = a.parts.reduce((s, p) => s + p.quantity * p.unitCost.amountMinor, 0);
  const labour = Math.round(a.labourHours * rates.labourRatePerHourMinor);
  const travel = Math.round(a.travelHours * rates.travelRatePerHourMinor);
  const warranty = inWarranty(a.failureAt, a.warrantyEndsOn);
  let chargedTo: ChargedTo;
  if (warranty) chargedTo = QUALITY_DEPARTMENTS.has(a.department) && a.productionBatchId ? 'quality_reserve' : 'sales';
  else chargedTo = a.coveringContractId ? 'contract' : 'customer';
  return {
    inWarranty: warranty,
    chargedTo,
    ...(chargedTo === 'contract' && a.coveringContractId ? { contractId: a.coveringContractId } : {}),
    ...(a.productionBatchId ? { productionBatchId: a.productionBatchId } : {}),
    partsCost: m(parts),
    labourCost: m(labour),
    travelCost: m(travel),
    totalCost: m(parts + labour + travel),
  };
}
