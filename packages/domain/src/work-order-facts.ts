/**
 * Facts of completed work orders as other services read them: downtime,
 * the work done and what it cost. The work-order side owns the tables
 * (`workOrderFactsRepository` in packages/db reads them); contracts reads
 * them only through these ports, wired in services/server. One contract
 * suite (test/contracts/work-order-facts.test.ts) holds every implementation
 * to the same answers.
 */

/** A downtime window recorded on a completed work order. */
export interface DowntimeEvent {
  workOrderId: string;
  assetId: string;
  /** Epoch ms, [from, to). */
  from: number;
  to: number;
  /** Responsible department / cause recorded on completion: `customer_use`, `design`, `external_damage`... */
  cause: string;
  /** Agreed planned maintenance (preventive, inspection): never counts against availability. */
  planned: boolean;
  description?: string | undefined;
}

export interface DowntimeSource {
  /** Downtime windows of the assets overlapping [from, to) (planned ones flagged, so reports can list them). */
  unplannedDowntime(assetIds: readonly string[], from: number, to: number): Promise<DowntimeEvent[]>;
}

/** Work done on a completed work order, at cost; contracts decides what is billable and prices it. */
export interface CompletedWork {
  workOrderId: string;
  assetId: string;
  completedAt: number;
  cause: string;
  /** True when the work-order side judged the unit in warranty (registry warranty end). */
  inWarranty: boolean;
  labourHours: number;
  travelHours: number;
  /** Unit cost in `currency` (the price list's; absent: the contract's currency). */
  parts: { partNumber: string; quantity: number; unitCostMinor: number; currency?: string | undefined }[];
  description?: string | undefined;
}

export interface BillableWorkSource {
  /** Work orders completed on the assets in [from, to). */
  completedWork(assetIds: readonly string[], from: number, to: number): Promise<CompletedWork[]>;
}

/** What a work order cost the manufacturer (minor units of `currency`). */
export interface ServiceCost {
  workOrderId: string;
  assetId: string;
  at: number;
  partsCostMinor: number;
  labourCostMinor: number;
  travelCostMinor: number;
  currency: string;
}

export interface ServiceCostSource {
  costs(assetIds: readonly string[] | 'all', from: number, to: number): Promise<ServiceCost[]>;
}

/** Every work-order fact port in one: what the relational reader and the in-memory one both implement. */
export type WorkOrderFacts = DowntimeSource & BillableWorkSource & ServiceCostSource;
