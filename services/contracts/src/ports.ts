/**
 * What contracts needs from the rest of the platform, in domain terms only.
 * The work-order facts ports are shared domain types (packages/domain,
 * work-order-facts.ts): the work-order tables are read by packages/db's
 * `workOrderFactsRepository`, wired in services/server; `adapters/static.ts`
 * serves fixed data (tests, demos, deployments without work orders).
 */

export type {
  BillableWorkSource,
  CompletedWork,
  DowntimeEvent,
  DowntimeSource,
  ServiceCost,
  ServiceCostSource,
  WorkOrderFacts,
} from '@hourmeter/domain';

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
