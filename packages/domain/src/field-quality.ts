/**
 * Issue 18, items 5-7: returns of replaced parts (RMA) with their disposition
 * and failure analysis, installation checklists, closed-loop hazard records.
 */
import { z } from 'zod';
import { ResponsibleDepartment } from './service.js';
import { EpochMs, IsoDate } from './time.js';
import { idOf } from './ids.js';

/** What happens to a returned defective unit. */
export const ReturnDisposition = z.enum(['repair', 'scrap', 'return_to_supplier']);
export type ReturnDisposition = z.infer<typeof ReturnDisposition>;

/** The failure-analysis result; only `manufacturing_defect` charges the batch's quality reserve. */
export const FailureAnalysisResult = z.enum(['manufacturing_defect', 'wear', 'misuse', 'no_fault_found']);
export type FailureAnalysisResult = z.infer<typeof FailureAnalysisResult>;

export const ReturnAnalysisInput = z.object({
  disposition: ReturnDisposition,
  failureAnalysis: FailureAnalysisResult,
});
export type ReturnAnalysisInput = z.infer<typeof ReturnAnalysisInput>;

/** A return's RMA state: disposition, analysis and the reserve charge it caused (if any). */
export const ReturnAnalysis = z.object({
  returnId: z.string(),
  workOrderId: idOf('workOrder'),
  partNumber: z.string(),
  quantity: z.int(),
  disposition: ReturnDisposition.nullable(),
  failureAnalysis: FailureAnalysisResult.nullable(),
  analysedBy: z.string().nullable(),
  analysedAt: EpochMs.nullable(),
  /** Charged to the quality reserve of this batch; null when nothing was charged. */
  reserveCharge: z.object({ productionBatchId: z.string(), amountMinor: z.int(), currency: z.string() }).nullable(),
  /** Why a confirmed defect charged nothing (no batch, out of warranty, already charged by the completion). */
  noChargeReason: z.string().nullable(),
});
export type ReturnAnalysis = z.infer<typeof ReturnAnalysis>;

const ChecklistCode = z.string().trim().min(1).max(40).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . -');

export const ChecklistTemplateItem = z.object({
  code: ChecklistCode,
  label: z.string().trim().min(1).max(200),
  mandatory: z.boolean().default(true),
});
export type ChecklistTemplateItem = z.infer<typeof ChecklistTemplateItem>;

export const ChecklistTemplateInput = z.object({
  items: z.array(ChecklistTemplateItem).min(1).max(100).refine((items) => new Set(items.map((i) => i.code)).size === items.length, 'item codes must be unique'),
});

export const ChecklistItem = z.object({
  code: z.string(),
  label: z.string(),
  mandatory: z.boolean(),
  doneBy: z.string().nullable(),
  doneAt: EpochMs.nullable(),
});
export type ChecklistItem = z.infer<typeof ChecklistItem>;

const Text = z.string().trim().min(1).max(2000);

export const HazardInput = z.object({
  title: z.string().trim().min(1).max(200),
  responsibleDepartment: ResponsibleDepartment,
  causeCode: z.string().trim().min(1).max(64),
  failureMode: z.string().trim().min(1).max(64),
  assetModelIds: z.array(idOf('assetModel')).min(1).max(50),
  rootCause: Text.optional(),
  correctiveAction: Text.optional(),
  /** When the corrective action took effect; repeats after it mark the hazard recurred. */
  correctiveActionAt: EpochMs.optional(),
  preventiveAction: Text.optional(),
  owner: z.string().trim().min(1).max(200),
  dueOn: IsoDate,
});
export type HazardInput = z.infer<typeof HazardInput>;

export const HazardPatch = HazardInput.omit({ responsibleDepartment: true, causeCode: true, failureMode: true, assetModelIds: true }).partial();
export type HazardPatch = z.infer<typeof HazardPatch>;

export const HazardStatus = z.enum(['open', 'action_taken', 'verified', 'recurred']);
export type HazardStatus = z.infer<typeof HazardStatus>;

export const Hazard = HazardInput.extend({
  id: z.string(),
  rootCause: z.string().nullable(),
  correctiveAction: z.string().nullable(),
  correctiveActionAt: EpochMs.nullable(),
  preventiveAction: z.string().nullable(),
  verifiedAt: EpochMs.nullable(),
  verifiedBy: z.string().nullable(),
  /** The first later repeat of the failure mode on one of the models after the corrective action. */
  recurrence: z.object({ workOrderId: z.string(), assetId: z.string(), completedAt: EpochMs }).nullable(),
  status: HazardStatus,
  createdBy: z.string(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type Hazard = z.infer<typeof Hazard>;

/**
 * Where a hazard stands: recurred outranks everything (the fix did not hold),
 * then verified, then action taken (corrective action dated), else open.
 */
export function hazardStatus(h: { correctiveActionAt: number | null; verifiedAt: number | null; recurrence: unknown }): HazardStatus {
  if (h.recurrence) return 'recurred';
  if (h.verifiedAt !== null) return 'verified';
  if (h.correctiveActionAt !== null) return 'action_taken';
  return 'open';
}

/**
 * What a returned unit's failure analysis charges to a production batch's
 * quality reserve (DOMAIN.md, warranty cost allocation): only a confirmed
 * manufacturing defect, only on an in-warranty repair of a unit with a known
 * batch, and only when the completion did not already charge the whole repair
 * to that reserve (its parts cost is in there: charging again would count the
 * part twice). The charge is the replaced units at the cost they were consumed at.
 */
export function returnReserveCharge(a: {
  failureAnalysis: FailureAnalysisResult;
  completion: { inWarranty: boolean; chargedTo: string; productionBatchId?: string | null | undefined };
  quantity: number;
  unitCostMinor: number;
  currency: string;
}): { charge: { productionBatchId: string; amountMinor: number; currency: string } } | { charge: null; reason: string | null } {
  if (a.failureAnalysis !== 'manufacturing_defect') return { charge: null, reason: null };
  const batch = a.completion.productionBatchId;
  if (!batch) return { charge: null, reason: 'the unit has no production batch' };
  if (!a.completion.inWarranty) return { charge: null, reason: 'the repair was out of warranty' };
  if (a.completion.chargedTo === 'quality_reserve') return { charge: null, reason: 'the completion already charged the repair to the quality reserve' };
  return { charge: { productionBatchId: batch, amountMinor: a.quantity * a.unitCostMinor, currency: a.currency } };
}
