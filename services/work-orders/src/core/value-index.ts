import type { CustomerValueInputs, WorkOrder } from '@hourmeter/domain';

/**
 * Customer value index (docs/domain.md, "Work orders"): revenue and on-time payment, loyalty,
 * cost to serve, size and influence, each scored 0..1 and combined with
 * configurable weights into 0..100.
 */
export interface ValueIndexWeights {
  revenue: number;
  onTimePayment: number;
  loyalty: number;
  costToServe: number;
  size: number;
  influence: number;
}

export interface ValueIndexConfig {
  weights: ValueIndexWeights;
  /** Annual revenue (minor units) that scores 1; scored on a log scale below it. */
  revenueReferenceMinor: number;
  /** Years as a customer that score 1 for loyalty. */
  loyaltyYears: number;
}

export const DEFAULT_VALUE_INDEX: ValueIndexConfig = {
  weights: { revenue: 0.3, onTimePayment: 0.15, loyalty: 0.15, costToServe: 0.15, size: 0.15, influence: 0.1 },
  revenueReferenceMinor: 10_000_000_00,
  loyaltyYears: 10,
};

const SIZE_SCORE: Record<CustomerValueInputs['size'], number> = { small: 0.25, medium: 0.5, large: 0.75, 'key-account': 1 };
const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
const YEAR_MS = 365.25 * 86_400_000;

export interface ValueComponents {
  revenue: number;
  onTimePayment: number;
  loyalty: number;
  costToServe: number;
  size: number;
  influence: number;
}

export function valueComponents(v: CustomerValueInputs, now: number, cfg: ValueIndexConfig = DEFAULT_VALUE_INDEX): ValueComponents {
  const since = v.customerSince ? Date.parse(`${v.customerSince}T00:00:00Z`) : now;
  return {
    revenue: clamp01(Math.log1p(v.annualRevenueMinor) / Math.log1p(cfg.revenueReferenceMinor)),
    onTimePayment: clamp01(v.onTimePaymentRate),
    loyalty: clamp01((now - since) / YEAR_MS / cfg.loyaltyYears),
    // Share of revenue eaten by service cost: 0 cost scores 1, cost >= revenue scores 0.
    costToServe: v.annualRevenueMinor > 0 ? clamp01(1 - v.annualCostToServeMinor / v.annualRevenueMinor) : v.annualCostToServeMinor > 0 ? 0 : 1,
    size: SIZE_SCORE[v.size],
    influence: clamp01(v.influence),
  };
}

/** 0..100; weights need not sum to 1 (they are normalised), all-zero weights give 0. */
export function customerValueIndex(v: CustomerValueInputs, now: number, cfg: ValueIndexConfig = DEFAULT_VALUE_INDEX): number {
  const c = valueComponents(v, now, cfg);
  const w = cfg.weights;
  const total = w.revenue + w.onTimePayment + w.loyalty + w.costToServe + w.size + w.influence;
  if (total <= 0) return 0;
  const sum =
    w.revenue * c.revenue + w.onTimePayment * c.onTimePayment + w.loyalty * c.loyalty + w.costToServe * c.costToServe + w.size * c.size + w.influence * c.influence;
  return Math.round((sum / total) * 10_000) / 100;
}

// ---------------------------------------------------------------- urgency and queue order

export interface UrgencyConfig {
  weights: { severity: number; rul: number; sla: number };
  /** RUL at or beyond this many hours adds no urgency; 0 h is maximal. */
  rulHorizonHours: number;
  /** SLA due further away than this adds no urgency; overdue is maximal. */
  slaHorizonHours: number;
  /** Share of the queue priority given to urgency; the rest is customer value. */
  urgencyShare: number;
}

export const DEFAULT_URGENCY: UrgencyConfig = {
  weights: { severity: 0.4, rul: 0.35, sla: 0.25 },
  rulHorizonHours: 720,
  slaHorizonHours: 72,
  urgencyShare: 0.7,
};

const SEVERITY_SCORE = { low: 0.25, medium: 0.5, high: 0.75, critical: 1 } as const;

/** 0..1 from severity, predicted RUL and SLA due time; a missing signal scores 0. */
export function urgency(wo: Pick<WorkOrder, 'severity' | 'rulHours' | 'slaDueAt'>, now: number, cfg: UrgencyConfig = DEFAULT_URGENCY): number {
  const sev = wo.severity ? SEVERITY_SCORE[wo.severity] : 0;
  const rul = wo.rulHours === undefined ? 0 : clamp01(1 - wo.rulHours / cfg.rulHorizonHours);
  const sla = wo.slaDueAt === undefined ? 0 : clamp01(1 - (wo.slaDueAt - now) / 3_600_000 / cfg.slaHorizonHours);
  const w = cfg.weights;
  const total = w.severity + w.rul + w.sla;
  return total > 0 ? (w.severity * sev + w.rul * rul + w.sla * sla) / total : 0;
}

export interface QueueEntry<T> {
  item: T;
  urgency: number;
  customerValue: number;
  priority: number;
}

/**
 * Orders the queue when capacity is short: priority = share x urgency +
 * (1 - share) x value/100, highest first; ties go to the older order.
 */
export function rankQueue<T extends Pick<WorkOrder, 'severity' | 'rulHours' | 'slaDueAt' | 'createdAt' | 'id'>>(
  items: readonly T[],
  valueOf: (item: T) => number,
  now: number,
  cfg: UrgencyConfig = DEFAULT_URGENCY,
): QueueEntry<T>[] {
  return items
    .map((item) => {
      const u = urgency(item, now, cfg);
      const customerValue = valueOf(item);
      const priority = cfg.urgencyShare * u + (1 - cfg.urgencyShare) * (customerValue / 100);
      return { item, urgency: Math.round(u * 10_000) / 10_000, customerValue, priority: Math.round(priority * 10_000) / 10_000 };
    })
    .sort((a, b) => b.priority - a.priority || a.item.createdAt - b.item.createdAt || a.item.id.localeCompare(b.item.id));
}
