import { z } from 'zod';
import { idOf } from './ids.js';
import { Money, NonNegativeMoney } from './money.js';
import { MetricName } from './registry.js';
import { EpochMs } from './time.js';

const Stored = { createdAt: EpochMs, updatedAt: EpochMs };

// ---------------------------------------------------------------- alerts

export const Severity = z.enum(['low', 'medium', 'high', 'critical']);
export const AlertState = z.enum(['open', 'acknowledged', 'confirmed', 'dismissed', 'resolved']);

export const RulEstimate = z.object({
  /** Remaining useful life in operating hours, with its uncertainty band. */
  hours: z.number().nonnegative(),
  lowerHours: z.number().nonnegative(),
  upperHours: z.number().nonnegative(),
});

export const AlertEvidence = z.object({
  signals: z.array(z.object({ metric: MetricName, score: z.number(), trendPerHour: z.number().optional() })),
  windowFrom: EpochMs,
  windowTo: EpochMs,
  rul: RulEstimate.optional(),
  modelVersion: z.string().optional(),
});

export const Alert = z.object({
  id: idOf('alert'),
  assetId: idOf('asset'),
  failureMode: z.string().min(1).max(64),
  severity: Severity,
  state: AlertState,
  evidence: AlertEvidence,
  raisedAt: EpochMs,
  lastDetectedAt: EpochMs,
  ...Stored,
});
export type Alert = z.infer<typeof Alert>;

// ---------------------------------------------------------------- work orders

export const WorkOrderKind = z.enum(['corrective', 'preventive', 'inspection']);
export const WorkOrderState = z.enum(['open', 'scheduled', 'in_progress', 'completed', 'cancelled']);
export const ResponsibleDepartment = z.enum([
  'design',
  'production',
  'purchasing',
  'logistics',
  'installation',
  'customer_use',
  'none',
]);

export const WorkOrder = z.object({
  id: idOf('workOrder'),
  kind: WorkOrderKind,
  state: WorkOrderState,
  assetId: idOf('asset'),
  failureMode: z.string().max(64).optional(),
  alertId: idOf('alert').optional(),
  description: z.string().max(2000).optional(),
  technician: z.string().max(200).optional(),
  windowFrom: EpochMs.optional(),
  windowTo: EpochMs.optional(),
  slaDueAt: EpochMs.optional(),
  ...Stored,
});
export type WorkOrder = z.infer<typeof WorkOrder>;

// ---------------------------------------------------------------- spare parts

export const PartNumber = z
  .string()
  .trim()
  .min(2)
  .max(40)
  .regex(/^[A-Z0-9][A-Z0-9-]*$/, 'upper-case letters, digits and -');

export const Part = z.object({
  id: idOf('part'),
  partNumber: PartNumber,
  description: z.string().min(1).max(500),
  unitCost: NonNegativeMoney,
  fitsAssetModelIds: z.array(idOf('assetModel')),
  supersededBy: PartNumber.optional(),
  ...Stored,
});
export type Part = z.infer<typeof Part>;

export const WarehouseLevel = z.enum(['central', 'regional', 'station']);

export const Warehouse = z.object({
  id: idOf('warehouse'),
  code: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  level: WarehouseLevel,
  parentId: idOf('warehouse').optional(),
  location: z.object({ lat: z.number(), lon: z.number() }),
  ...Stored,
});
export type Warehouse = z.infer<typeof Warehouse>;

/** Stock of one part at one warehouse, as derived from the movement ledger. */
export const Stock = z.object({
  warehouseId: idOf('warehouse'),
  partId: idOf('part'),
  onHand: z.int().nonnegative(),
  reserved: z.int().nonnegative(),
  reorderPoint: z.int().nonnegative(),
});
export type Stock = z.infer<typeof Stock>;

export const StockMovementKind = z.enum([
  'receipt',
  'reservation',
  'release',
  'issue',
  'transfer_out',
  'transfer_in',
  'adjustment',
]);

export const StockMovement = z.object({
  id: idOf('stockMovement'),
  warehouseId: idOf('warehouse'),
  partId: idOf('part'),
  kind: StockMovementKind,
  quantity: z.int(),
  workOrderId: idOf('workOrder').optional(),
  at: EpochMs,
});
export type StockMovement = z.infer<typeof StockMovement>;

export const CostLine = z.object({ description: z.string(), amount: Money });
