/**
 * What contracts needs from the rest of the platform, in domain terms only.
 * The work-order side (services/work-orders) is written in parallel: these
 * ports are the agreement; `adapters/work-orders.ts` reads its tables, and
 * `adapters/static.ts` serves fixed data (tests, demos, deployments without it).
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

/** The hour meter's daily totals (the source of metering). */
export interface OperatingTimeSource {
  meterDays(assetIds: string[], fromDay: string, toDay: string): Promise<{ assetId: string; day: string; operatingMs: number; version: number }[]>;
}

/** Offered to the work-order service: which contract covers an asset at an instant. */
export interface ContractCoverage {
  /** The covering contract, preferring PBH over warranty over T&M; undefined when none. */
  coveringContract(assetId: string, at: number): Promise<string | undefined>;
  coverage(assetId: string, at: number): Promise<{ contractId: string; kind: 'pbh' | 'warranty' | 'time_and_materials' }[]>;
}
