import type {
  Alert,
  AlertEvidence,
  AlertState,
  AlertTransition,
  ModelPrecision,
  RulEstimateRecord,
  Severity,
} from '@hourmeter/domain';

export interface AlertListFilters {
  severity?: Severity;
  state?: AlertState;
  assetId?: string;
  assetModelId?: string;
  siteId?: string;
  failureMode?: string;
  /** Leaves out alerts snoozed past this instant. */
  awakeAt?: number;
}

/** Persistence of alerts and their history (packages/db `alertRepository` implements it). */
export interface AlertStore {
  get(id: string): Promise<Alert>;
  findActive(assetId: string, failureMode: string): Promise<Alert | undefined>;
  lastClosedAt(assetId: string, failureMode: string): Promise<number | undefined>;
  /** The asset's active alerts and, per failure mode with a closed alert, when the newest closed: one asset's state at once. */
  findActiveOfAsset(assetId: string): Promise<Alert[]>;
  lastClosedAtOfAsset(assetId: string): Promise<Map<string, number>>;
  /** CONFLICT when an active alert exists for the asset and failure mode. */
  raise(input: {
    assetId: string;
    failureMode: string;
    severity: Severity;
    evidence: AlertEvidence;
    modelVersion: string;
    at: number;
    reason: string;
  }): Promise<Alert>;
  updateDetection(id: string, d: { severity: Severity; evidence: AlertEvidence; at: number }): Promise<Alert>;
  /** Writes these alerts' severity, evidence and last-detected time (as updateDetection at it) at once; unknown ids are skipped. */
  updateDetections(alerts: readonly Alert[]): Promise<void>;
  linkWorkOrder(id: string, workOrderId: string, at: number): Promise<Alert>;
  /** NOT_FOUND when the user does not exist. */
  assign(id: string, userId: string | null, at: number): Promise<Alert>;
  snooze(id: string, until: number | null, at: number): Promise<Alert>;
  /** ILLEGAL_TRANSITION when the alert's state is not in `allowedFrom`. */
  transition(
    id: string,
    t: { to: AlertState; actor: string; reason: string; at: number; allowedFrom: readonly AlertState[] },
  ): Promise<Alert>;
  history(id: string): Promise<AlertTransition[]>;
  findByWorkOrder(workOrderId: string): Promise<Alert[]>;
  list(opts: { limit?: number; cursor?: string; filters?: AlertListFilters }): Promise<{ items: Alert[]; nextCursor: string | null }>;
  precision(): Promise<ModelPrecision[]>;
}

/** Persistence of received RUL estimates (packages/db `rulEstimateRepository` implements it). */
export interface RulStore {
  /** Several estimates in one write (the scoring worker stores a batch's at once). */
  recordMany(es: readonly RulEstimateRecord[]): Promise<void>;
  history(assetId: string, q?: { from?: number; to?: number; limit?: number }): Promise<RulEstimateRecord[]>;
}
