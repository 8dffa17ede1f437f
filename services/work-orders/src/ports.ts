import type { CostRates } from './core/allocation.js';
import type { PartRequest, Severity, WorkOrder, WorkOrderCompletion } from '@hourmeter/domain';
import type { z } from 'zod';

/** What the prediction service asks for: one preventive order per asset and failure mode. */
export interface OpenPreventiveRequest {
  assetId: string;
  failureMode: string;
  alertId?: string | undefined;
  reason: string;
  suggestedPartNumbers?: readonly string[] | undefined;
  rulHours?: number | undefined;
  severity?: z.infer<typeof Severity> | undefined;
  slaDueAt?: number | undefined;
}

/** Port the prediction service calls (wired in-process or over the event bus). */
export interface PreventiveOrders {
  openPreventive(req: OpenPreventiveRequest): Promise<{ workOrderId: string; created: boolean }>;
}

/** Tells the device its maintenance was done (the wiring maps it to the broker's `publishCommand`). */
export interface MaintenanceCommandSender {
  maintenanceCompleted(command: {
    assetId: string;
    workOrderId: string;
    failureMode?: string | undefined;
    remedyCode: string;
    completedAt: number;
  }): Promise<void>;
}

/** Implemented by the contracts service: the contract covering an asset at an instant, if any. */
export interface ContractCoverage {
  coveringContract(assetId: string, at: number): Promise<string | undefined> | string | undefined;
}

export const NO_CONTRACT_COVERAGE: ContractCoverage = { coveringContract: () => undefined };

/**
 * Implemented by the contracts service: the internal labour and travel cost
 * rates of work on an asset at an instant, from the rate card of its site's
 * service region or the organisation (issue 16, rule 10); undefined when no
 * card is configured (the service's configured `rates` apply then).
 */
export interface CostRateSource {
  costRates(assetId: string, at: number): Promise<CostRates | undefined>;
}

/** Implemented by the parts service: reserve a part for a work order from the nearest location. */
export interface PartsReservations {
  reserveForWorkOrder(req: { workOrderId: string; partNumber: string; quantity: number }): Promise<PartRequest>;
  /** Units of a part were given back (an order cancelled or completed with less than reserved): backorders may take them. */
  stockArrived?(partId: string): Promise<unknown>;
}

export type CompletionListener = (workOrder: WorkOrder, completion: WorkOrderCompletion) => void | Promise<void>;

/** Implemented by the contracts service: whose invoice an id is (undefined: no such invoice). A complaint about an invoice must be about the customer's own. */
export interface InvoiceOwners {
  customerOfInvoice(invoiceId: string): Promise<string | undefined>;
}
