import { z } from 'zod';
import { idOf } from './ids.js';
import { Severity, SlaPriority } from './service.js';
import { EpochMs } from './time.js';

/**
 * SLA entitlements and service requests (issue 18, items 3 and 4): what a
 * contract or a customer class promises (response and fix time per priority),
 * and what customers ask for (requests and complaints).
 */

// ---------------------------------------------------------------- SLA entitlements

/** Customer classes (docs/field-service.md): derived from the customer value index. */
export const CustomerClass = z.enum(['A', 'B', 'C']);
export type CustomerClass = z.infer<typeof CustomerClass>;

/** A work order's priority follows from its severity unless the planner names one. */
export const PRIORITY_OF_SEVERITY: Record<Severity, SlaPriority> = { critical: 'P1', high: 'P2', medium: 'P3', low: 'P4' };

const Minutes = z.int().max(366 * 24 * 60);

/**
 * What is promised for one priority, by one contract or to one customer class.
 * Response and fix times are minutes from the order's creation; the refinements
 * are checked again by the service (an SLA that cannot be met by construction).
 */
export const SlaEntitlementInput = z
  .object({
    contractId: idOf('contract').optional(),
    customerClass: CustomerClass.optional(),
    priority: SlaPriority,
    responseMinutes: Minutes,
    fixMinutes: Minutes,
  })
  .refine((e) => (e.contractId === undefined) !== (e.customerClass === undefined), {
    message: 'name exactly one of contractId or customerClass',
    path: ['contractId'],
  });
export type SlaEntitlementInput = z.infer<typeof SlaEntitlementInput>;

export const SlaEntitlement = z.object({
  id: idOf('slaEntitlement'),
  contractId: idOf('contract').optional(),
  customerClass: CustomerClass.optional(),
  priority: SlaPriority,
  responseMinutes: z.int().positive(),
  fixMinutes: z.int().positive(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type SlaEntitlement = z.infer<typeof SlaEntitlement>;

/** Why a work order waits. Only `waiting_on_customer` stops the SLA clock. */
export const HoldReason = z.enum(['waiting_on_customer', 'waiting_on_parts', 'other']);
export type HoldReason = z.infer<typeof HoldReason>;

export const WorkOrderHold = z.object({
  id: idOf('workOrderHold'),
  workOrderId: idOf('workOrder'),
  reason: HoldReason,
  note: z.string().max(2000).optional(),
  startedAt: EpochMs,
  endedAt: EpochMs.optional(),
  startedBy: z.string(),
  endedBy: z.string().optional(),
});
export type WorkOrderHold = z.infer<typeof WorkOrderHold>;

/** Where an order's SLA came from: a contract's entitlement, its customer's class, or a planner's hand. */
export const SlaBasis = z.enum(['contract', 'customer_class', 'override']);

/** The SLA a work order carries, as fixed when it was created (and overridden since, if it was). */
export const WorkOrderSla = z.object({
  workOrderId: idOf('workOrder'),
  priority: SlaPriority,
  basis: SlaBasis,
  customerClass: CustomerClass,
  contractId: idOf('contract').optional(),
  entitlementId: idOf('slaEntitlement').optional(),
  /** When the clock started (the order's creation). */
  startedAt: EpochMs,
  /** Allowed time to respond (technician on site: the order in progress) and to fix, without pauses. */
  responseMs: z.int().positive(),
  fixMs: z.int().positive(),
  overriddenBy: z.string().optional(),
  overriddenAt: EpochMs.optional(),
});
export type WorkOrderSla = z.infer<typeof WorkOrderSla>;

// ---------------------------------------------------------------- service requests and complaints

export const RequestChannel = z.enum(['phone', 'e-mail', 'portal', 'technician']);
export type RequestChannel = z.infer<typeof RequestChannel>;
export const RequestType = z.enum(['service', 'complaint']);
export type RequestType = z.infer<typeof RequestType>;
export const RequestState = z.enum(['new', 'work_order', 'resolved_remotely', 'rejected']);
export type RequestState = z.infer<typeof RequestState>;

/** What a complaint is about. A work order or invoice must exist and concern the same customer. */
export const ComplaintCause = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('work_order'), workOrderId: idOf('workOrder') }),
  z.object({ kind: z.literal('invoice'), invoiceId: idOf('invoice') }),
  z.object({ kind: z.literal('other'), note: z.string().trim().min(1).max(2000) }),
]);
export type ComplaintCause = z.infer<typeof ComplaintCause>;

const RequestFields = z.object({
  type: RequestType.default('service'),
  assetId: idOf('asset'),
  /** The customer asking; a portal caller's own customer. The asset must be theirs. */
  customerId: idOf('customer').optional(),
  symptom: z.string().trim().min(1).max(2000),
  contact: z.string().trim().min(1).max(200),
  channel: RequestChannel,
  cause: ComplaintCause.optional(),
  /** When the customer asked (a phone call logged later); default now. */
  receivedAt: EpochMs.optional(),
});
const complaintNamesCause: [(r: { type: RequestType; cause?: ComplaintCause | undefined }) => boolean, { message: string; path: string[] }] = [
  (r) => (r.type === 'complaint') === (r.cause !== undefined),
  { message: 'a complaint names its cause; a service request has none', path: ['cause'] },
];

export const ServiceRequestInput = RequestFields.refine(...complaintNamesCause);
export type ServiceRequestInput = z.infer<typeof ServiceRequestInput>;

/**
 * A request raised in the customer portal: the customer is the signed-in
 * user's, the channel `portal` and the time of receipt now, so none of them
 * is the caller's to send (extra keys are refused, not ignored).
 */
export const PortalServiceRequestInput = RequestFields.omit({ customerId: true, channel: true, receivedAt: true }).strict().refine(...complaintNamesCause);
export type PortalServiceRequestInput = z.infer<typeof PortalServiceRequestInput>;

export const ServiceRequest = z.object({
  id: idOf('serviceRequest'),
  type: RequestType,
  state: RequestState,
  assetId: idOf('asset'),
  customerId: idOf('customer'),
  symptom: z.string(),
  contact: z.string(),
  channel: RequestChannel,
  cause: ComplaintCause.optional(),
  receivedAt: EpochMs,
  createdBy: z.string(),
  workOrderId: idOf('workOrder').optional(),
  /** What was done remotely, or why the request was rejected. */
  outcome: z.string().optional(),
  triagedBy: z.string().optional(),
  triagedAt: EpochMs.optional(),
  createdAt: EpochMs,
  updatedAt: EpochMs,
});
export type ServiceRequest = z.infer<typeof ServiceRequest>;

/** Triage: into a work order, resolved remotely with its outcome, or rejected with a reason. */
export const TriageInput = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('work_order'),
    kind: z.enum(['corrective', 'inspection']).default('corrective'),
    severity: Severity.default('medium'),
    priority: SlaPriority.optional(),
    failureMode: z.string().trim().min(1).max(64).optional(),
  }),
  z.object({ action: z.literal('resolve_remotely'), outcome: z.string().trim().min(1).max(2000) }),
  z.object({ action: z.literal('reject'), reason: z.string().trim().min(1).max(2000) }),
]);
export type TriageInput = z.infer<typeof TriageInput>;
