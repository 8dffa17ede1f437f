import { z } from 'zod';
import { EXCLUSION_CAUSES, RESPONSIBLE_PARTIES } from './catalogues.js';
import { idOf } from './ids.js';
import { Money, NonNegativeMoney } from './money.js';
import { MetricName } from './registry.js';
import { EpochMs } from './time.js';

const Stored = { createdAt: EpochMs, updatedAt: EpochMs };

// ---------------------------------------------------------------- alerts

export const Severity = z.enum(['low', 'medium', 'high', 'critical']);
/** SLA priority of a work order (P1 most urgent); see field-service-sla.ts. */
export const SlaPriority = z.enum(['P1', 'P2', 'P3', 'P4']);
export type SlaPriority = z.infer<typeof SlaPriority>;
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
  /** The preventive work order opened for this alert, if any. */
  workOrderId: idOf('workOrder').optional(),
  /** When it left the active states (dismissed or resolved). */
  closedAt: EpochMs.optional(),
  /**
   * The evidence that raised it; `evidence` is the latest detection's. Absent
   * for alerts raised before the raise was kept apart (migration 0026).
   */
  raiseEvidence: AlertEvidence.optional(),
  /** The person (user id) working on it. */
  assigneeId: idOf('user').optional(),
  /** Hidden from the default triage list until then. */
  snoozedUntil: EpochMs.optional(),
  ...Stored,
});
export type Alert = z.infer<typeof Alert>;
export type Severity = z.infer<typeof Severity>;
export type AlertState = z.infer<typeof AlertState>;
export type AlertEvidence = z.infer<typeof AlertEvidence>;
export type RulEstimate = z.infer<typeof RulEstimate>;

/** States in which an alert is still being worked on: a new detection updates it instead of raising another. */
export const ACTIVE_ALERT_STATES = ['open', 'acknowledged', 'confirmed'] as const satisfies readonly AlertState[];

/**
 * The alert state machine: open -> acknowledged -> confirmed | dismissed -> resolved.
 * `resolve` is the system's (the addressing work order completed, or an
 * unacknowledged alert clean long enough). Anything else is ILLEGAL_TRANSITION.
 * Here so that the service enforcing it and the console offering actions read one table.
 */
export type AlertAction = 'acknowledge' | 'confirm' | 'dismiss' | 'resolve';
export const ALERT_TRANSITIONS: Readonly<Record<AlertAction, { to: AlertState; from: readonly AlertState[] }>> = {
  acknowledge: { to: 'acknowledged', from: ['open'] },
  confirm: { to: 'confirmed', from: ['acknowledged'] },
  dismiss: { to: 'dismissed', from: ['acknowledged'] },
  resolve: { to: 'resolved', from: ['open', 'acknowledged', 'confirmed', 'dismissed'] },
};

/** The actions a person may take on an alert in `state` (resolve is the system's). */
export const humanAlertActions = (state: AlertState): Exclude<AlertAction, 'resolve'>[] =>
  (['acknowledge', 'confirm', 'dismiss'] as const).filter((a) => ALERT_TRANSITIONS[a].from.includes(state));

/** One step of an alert's lifecycle: who moved it, when and why. */
export const AlertTransition = z.object({
  alertId: idOf('alert'),
  seq: z.int().nonnegative(),
  from: AlertState.nullable(),
  to: AlertState,
  at: EpochMs,
  /** API key id, or `system` for automatic transitions. */
  actor: z.string().min(1).max(100),
  reason: z.string().max(2000),
});
export type AlertTransition = z.infer<typeof AlertTransition>;

/** Body of acknowledge / confirm / dismiss. */
export const AlertActionInput = z.object({ reason: z.string().trim().min(1).max(2000) });
export type AlertActionInput = z.infer<typeof AlertActionInput>;

/** Body of POST /alerts/:id/assign: a user, or null to unassign. */
export const AlertAssignInput = z.object({ userId: idOf('user').nullable() });
export type AlertAssignInput = z.infer<typeof AlertAssignInput>;

/** Body of POST /alerts/:id/snooze: hidden until `until` (epoch ms), or null to wake it now. */
export const AlertSnoozeInput = z.object({ until: EpochMs.nullable() });
export type AlertSnoozeInput = z.infer<typeof AlertSnoozeInput>;

/** Body of POST /alerts/acknowledge: several open alerts at once, with one reason. */
export const AlertBulkActionInput = AlertActionInput.extend({ ids: z.array(idOf('alert')).min(1).max(200) });
export type AlertBulkActionInput = z.infer<typeof AlertBulkActionInput>;

/** Feedback per model version: confirmed / (confirmed + dismissed); null before any feedback. */
export const ModelPrecision = z.object({
  modelVersion: z.string(),
  confirmed: z.int().nonnegative(),
  dismissed: z.int().nonnegative(),
  precision: z.number().min(0).max(1).nullable(),
});
export type ModelPrecision = z.infer<typeof ModelPrecision>;

/** A RUL estimate as received, kept for the RUL history of an asset. */
export const RulEstimateRecord = RulEstimate.extend({
  assetId: idOf('asset'),
  /** Time of the newest reading the estimate was made from. */
  ts: EpochMs,
  modelVersion: z.string().min(1).max(100),
  failureMode: z.string().max(64).optional(),
  /** Probability of failing within the asset model's lead time, when the model gives one (0..1). */
  failureProbability: z.number().min(0).max(1).optional(),
});
export type RulEstimateRecord = z.infer<typeof RulEstimateRecord>;

// ---------------------------------------------------------------- work orders

/** `installation`: installation and commissioning, completed against its model's checklist (issue 18). */
export const WorkOrderKind = z.enum(['corrective', 'preventive', 'inspection', 'installation']);
export const WorkOrderState = z.enum(['open', 'scheduled', 'in_progress', 'completed', 'cancelled']);
/** See catalogues.ts: the one list a contract names and a completion records. */
export const ExclusionCause = z.enum(EXCLUSION_CAUSES);
export type ExclusionCause = z.infer<typeof ExclusionCause>;

/** Who or what caused a failure: an internal department, an exclusion cause, or none found. */
export const ResponsibleDepartment = z.enum(RESPONSIBLE_PARTIES);

export const WorkOrder = z.object({
  id: idOf('workOrder'),
  kind: WorkOrderKind,
  state: WorkOrderState,
  assetId: idOf('asset'),
  failureMode: z.string().max(64).optional(),
  alertId: idOf('alert').optional(),
  description: z.string().max(2000).optional(),
  /** Free text of orders scheduled before technicians were records; read-only history. */
  technician: z.string().max(200).optional(),
  /** The assigned technician (issue 18). */
  technicianId: idOf('technician').optional(),
  windowFrom: EpochMs.optional(),
  windowTo: EpochMs.optional(),
  slaDueAt: EpochMs.optional(),
  /** Where a preventive order came from. */
  source: z.enum(['manual', 'prediction', 'schedule']).optional(),
  severity: Severity.optional(),
  /** Predicted remaining useful life (operating hours) when the order was opened or last updated. */
  rulHours: z.number().nonnegative().optional(),
  reason: z.string().max(2000).optional(),
  suggestedPartNumbers: z.array(z.string().max(40)).optional(),
  scheduleId: z.string().max(64).optional(),
  /** Set on a corrective order that repeats a completed one (same asset and failure mode within the window). */
  repeatOfId: idOf('workOrder').optional(),
  completedAt: EpochMs.optional(),
  cancelledAt: EpochMs.optional(),
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

/** A `van` is a technician's vehicle stock, replenished from a station or regional centre. */
export const WarehouseLevel = z.enum(['central', 'regional', 'station', 'van']);

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
  /** An unused unit of a work order back on the shelf. */
  'return',
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

// ---------------------------------------------------------------- service operations (work orders, parts)

export const WorkOrderInput = z.object({
  kind: WorkOrderKind,
  assetId: idOf('asset'),
  failureMode: z.string().trim().min(1).max(64).optional(),
  alertId: idOf('alert').optional(),
  description: z.string().max(2000).optional(),
  severity: Severity.optional(),
  rulHours: z.number().nonnegative().optional(),
  /** A planner's explicit SLA fix due time: overrides the entitlement (recorded in the order's history). */
  slaDueAt: EpochMs.optional(),
  /** SLA priority; default from the severity (critical P1 .. low P4), P3 without one. */
  priority: SlaPriority.optional(),
  reason: z.string().max(2000).optional(),
});
export type WorkOrderInput = z.infer<typeof WorkOrderInput>;

export const WorkOrderScheduleInput = z
  .object({ technician: z.string().trim().min(1).max(200), windowFrom: EpochMs, windowTo: EpochMs })
  .refine((s) => s.windowTo > s.windowFrom, { message: 'windowTo must be after windowFrom', path: ['windowTo'] });
export type WorkOrderScheduleInput = z.infer<typeof WorkOrderScheduleInput>;

export const WorkOrderEvent = z.object({
  workOrderId: idOf('workOrder'),
  fromState: WorkOrderState.nullable(),
  toState: WorkOrderState,
  actor: z.string(),
  at: EpochMs,
  note: z.string().optional(),
});
export type WorkOrderEvent = z.infer<typeof WorkOrderEvent>;

export const FailureCodeKind = z.enum(['symptom', 'cause', 'remedy']);
export type FailureCodeKind = z.infer<typeof FailureCodeKind>;
export const FailureCodeInput = z.object({
  kind: FailureCodeKind,
  code: z.string().trim().min(1).max(64).regex(/^[A-Z0-9][A-Z0-9._-]*$/, 'upper-case letters, digits and . _ -'),
  description: z.string().trim().min(1).max(500),
});
export type FailureCodeInput = z.infer<typeof FailureCodeInput>;
export const FailureCode = FailureCodeInput.extend({ assetModelId: idOf('assetModel') });
export type FailureCode = z.infer<typeof FailureCode>;

export const ConsumedPart = z.object({
  partNumber: PartNumber,
  quantity: z.int().positive().max(10_000),
  /**
   * Where units beyond the order's reservation were taken from (the
   * technician's van, a station); without it, the nearest location that has them.
   */
  warehouseId: idOf('warehouse').optional(),
});
export type ConsumedPart = z.infer<typeof ConsumedPart>;

export const WorkOrderCompletionInput = z
  .object({
    /** When the failure happened (warranty is judged at this instant); defaults to the downtime start. */
    failureAt: EpochMs.optional(),
    symptomCode: z.string().min(1).max(64),
    causeCode: z.string().min(1).max(64),
    remedyCode: z.string().min(1).max(64),
    responsibleDepartment: ResponsibleDepartment,
    partsConsumed: z.array(ConsumedPart).max(200).default([]),
    labourHours: z.number().nonnegative().max(10_000),
    travelHours: z.number().nonnegative().max(10_000).default(0),
    downtimeFrom: EpochMs,
    downtimeTo: EpochMs,
    fixedOnFirstVisit: z.boolean(),
  })
  .refine((c) => c.downtimeTo >= c.downtimeFrom, { message: 'downtimeTo must not be before downtimeFrom', path: ['downtimeTo'] });
export type WorkOrderCompletionInput = z.infer<typeof WorkOrderCompletionInput>;

export const ChargedTo = z.enum(['quality_reserve', 'sales', 'contract', 'customer']);
export type ChargedTo = z.infer<typeof ChargedTo>;

export const WorkOrderCompletion = z.object({
  workOrderId: idOf('workOrder'),
  failureAt: EpochMs,
  symptomCode: z.string(),
  causeCode: z.string(),
  remedyCode: z.string(),
  responsibleDepartment: ResponsibleDepartment,
  partsConsumed: z.array(ConsumedPart.omit({ warehouseId: true }).extend({ partId: idOf('part'), unitCost: Money })),
  labourHours: z.number(),
  travelHours: z.number(),
  downtimeFrom: EpochMs,
  downtimeTo: EpochMs,
  fixedOnFirstVisit: z.boolean(),
  /** The corrective order that repeated this one within the asset model's window, if any. */
  repeatedById: idOf('workOrder').optional(),
  /** Derived: fixed on the first visit and not repeated within the window. */
  firstTimeFix: z.boolean(),
  inWarranty: z.boolean(),
  chargedTo: ChargedTo,
  contractId: idOf('contract').optional(),
  productionBatchId: idOf('productionBatch').optional(),
  partsCost: Money,
  labourCost: Money,
  travelCost: Money,
  totalCost: Money,
  completedBy: z.string(),
  completedAt: EpochMs,
});
export type WorkOrderCompletion = z.infer<typeof WorkOrderCompletion>;

export const MaintenanceScheduleInput = z
  .object({
    assetId: idOf('asset'),
    failureMode: z.string().trim().min(1).max(64),
    description: z.string().max(2000).optional(),
    /** Calendar interval; at least one of intervalDays / intervalHours. */
    intervalDays: z.int().positive().max(3650).optional(),
    /** Operating-hours interval, read from the hour meter. */
    intervalHours: z.number().positive().max(1_000_000).optional(),
    /** Reference point of the first interval (defaults to creation / meter reading at creation). */
    lastDoneAt: EpochMs.optional(),
    lastDoneHours: z.number().nonnegative().optional(),
    active: z.boolean().default(true),
  })
  .refine((s) => s.intervalDays !== undefined || s.intervalHours !== undefined, {
    message: 'give intervalDays or intervalHours',
    path: ['intervalDays'],
  });
export type MaintenanceScheduleInput = z.infer<typeof MaintenanceScheduleInput>;
export const MaintenanceSchedule = z.object({
  id: z.string(),
  assetId: idOf('asset'),
  failureMode: z.string(),
  description: z.string().optional(),
  intervalDays: z.int().optional(),
  intervalHours: z.number().optional(),
  lastDoneAt: EpochMs,
  lastDoneHours: z.number(),
  active: z.boolean(),
  ...Stored,
});
export type MaintenanceSchedule = z.infer<typeof MaintenanceSchedule>;

export const PartInput = z.object({
  partNumber: PartNumber,
  description: z.string().trim().min(1).max(500),
  unitCost: NonNegativeMoney,
  fitsAssetModelIds: z.array(idOf('assetModel')).max(500).default([]),
  supersededBy: PartNumber.optional(),
});
export type PartInput = z.infer<typeof PartInput>;

export const WarehouseInput = z.object({
  code: z.string().trim().min(1).max(64),
  name: z.string().trim().min(1).max(200),
  level: WarehouseLevel,
  parentId: idOf('warehouse').optional(),
  location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }),
});
export type WarehouseInput = z.infer<typeof WarehouseInput>;

export const PartRequestState = z.enum(['reserved', 'in_transfer', 'backordered', 'released', 'issued']);
export const PartRequest = z.object({
  id: z.string(),
  workOrderId: idOf('workOrder'),
  partId: idOf('part'),
  partNumber: PartNumber,
  quantity: z.int().positive(),
  /** Where the units are (or will be) reserved for the order. */
  warehouseId: idOf('warehouse').nullable(),
  state: PartRequestState,
  /** Reserved at once from stock at the nearest station that had it (fill-rate numerator). */
  servedFromStock: z.boolean(),
  /** How the request was sourced when it was made: at once from a station, by transfer from a level up, or backordered. */
  sourcing: z.enum(['direct', 'transfer', 'backorder']),
  transferId: z.string().nullable(),
  requestedAt: EpochMs,
  updatedAt: EpochMs,
});
export type PartRequest = z.infer<typeof PartRequest>;

export const TransferState = z.enum(['requested', 'shipped', 'received', 'backordered', 'cancelled']);
export const StockTransfer = z.object({
  id: z.string(),
  partId: idOf('part'),
  quantity: z.int().positive(),
  fromWarehouseId: idOf('warehouse').nullable(),
  toWarehouseId: idOf('warehouse'),
  partRequestId: z.string().nullable(),
  state: TransferState,
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type StockTransfer = z.infer<typeof StockTransfer>;

export const PartReturnCondition = z.enum(['unused', 'defective']);
export type PartReturnCondition = z.infer<typeof PartReturnCondition>;

/**
 * A part coming back from a completed work order: an unused unit goes back on
 * the shelf at `warehouseId` (a `return` movement); a defective one is the
 * replaced unit, received there for analysis (DOMAIN.md: a part "used" that
 * never comes back is a red line).
 */
export const PartReturnInput = z.object({
  partNumber: PartNumber,
  quantity: z.int().positive().max(10_000),
  condition: PartReturnCondition,
  warehouseId: idOf('warehouse'),
  serialNumbers: z.array(z.string().trim().min(1).max(100)).max(10_000).optional(),
});
export type PartReturnInput = z.infer<typeof PartReturnInput>;

export const PartReturn = PartReturnInput.extend({
  id: z.string(),
  workOrderId: idOf('workOrder'),
  partId: idOf('part'),
  returnedBy: z.string(),
  returnedAt: EpochMs,
});
export type PartReturn = z.infer<typeof PartReturn>;
