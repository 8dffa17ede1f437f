import type { CostRates } from './core/allocation.js';
import { DEFAULT_URGENCY, DEFAULT_VALUE_INDEX, type UrgencyConfig, type ValueIndexConfig } from './core/value-index.js';

export interface WorkOrderConfig {
  /** A corrective order within this many days of a completed one (same asset and failure mode) is a repeat failure. */
  repeatWindowDays: number;
  rates: CostRates;
  valueIndex: ValueIndexConfig;
  urgency: UrgencyConfig;
}

export const DEFAULT_WORK_ORDER_CONFIG: WorkOrderConfig = Object.freeze({
  repeatWindowDays: 30,
  rates: { labourRatePerHourMinor: 85_00, travelRatePerHourMinor: 60_00, currency: 'EUR' },
  valueIndex: DEFAULT_VALUE_INDEX,
  urgency: DEFAULT_URGENCY,
});
