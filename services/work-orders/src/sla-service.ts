import type { Repositories, SlaOrderFacts, WorkOrderCreateOptions } from '@hourmeter/db';
import type { HoldReason, SlaEntitlement, SlaEntitlementInput, SlaPriority, WorkOrder, WorkOrderHold, WorkOrderInput, WorkOrderSla } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import { assertAchievable, customerClassOf, customerPauses, priorityOf, promiseState, slaDueAt, type SlaState } from './core/sla-clock.js';
import { customerValueIndex, DEFAULT_VALUE_INDEX, type ValueIndexConfig } from './core/value-index.js';
import { NO_CONTRACT_COVERAGE, type ContractCoverage } from './ports.js';

const MINUTE_MS = 60_000;

export type SlaRepos = Pick<Repositories, 'fieldSla' | 'assets' | 'sites' | 'customers'>;

export interface SlaServiceDeps {
  repos: SlaRepos;
  contracts?: ContractCoverage | undefined;
  valueIndex?: ValueIndexConfig | undefined;
  clock?: (() => number) | undefined;
}

/** An order's two promises at an instant, with the time left (negative: overdue). */
export interface SlaView {
  workOrderId: string;
  assetId: string;
  state: WorkOrder['state'];
  priority: SlaPriority;
  basis: WorkOrderSla['basis'];
  customerClass: WorkOrderSla['customerClass'];
  contractId: string | null;
  responseDueAt: number;
  responseState: SlaState;
  fixDueAt: number;
  fixState: SlaState;
  /** The worse of the two promises still running, or of both when done. */
  status: SlaState;
  /** Until the next open due time (response while not responded, then fix); null when done. */
  msLeft: number | null;
  pausedMs: number;
  onHold: WorkOrderHold['reason'] | null;
}

const WORST: Record<SlaState, number> = { breached: 0, at_risk: 1, on_track: 2, met: 3 };
const worse = (a: SlaState, b: SlaState): SlaState => (WORST[a] <= WORST[b] ? a : b);

/** The SLA view of one order at `now` (a pure projection of its facts; undefined without an SLA). */
export function slaView(f: SlaOrderFacts, now: number): SlaView | undefined {
  const s = f.sla;
  if (!s) return undefined;
  const pauses = customerPauses(f.holds);
  const doneAt = f.workOrder.completedAt;
  // The clock stops when the promise is kept: pauses after that do not matter.
  const responseDueAt = slaDueAt(s.startedAt, s.responseMs, pauses, f.respondedAt ?? now);
  const fixDueAt = slaDueAt(s.startedAt, s.fixMs, pauses, doneAt ?? now);
  const responseState = promiseState(responseDueAt, s.responseMs, f.respondedAt ?? doneAt, now);
  const fixState = f.workOrder.state === 'cancelled' ? 'met' : promiseState(fixDueAt, s.fixMs, doneAt, now);
  const open = f.respondedAt === undefined && doneAt === undefined ? responseDueAt : doneAt === undefined ? fixDueAt : undefined;
  const hold = f.holds.find((h) => h.endedAt === undefined);
  return {
    workOrderId: f.workOrder.id,
    assetId: f.workOrder.assetId,
    state: f.workOrder.state,
    priority: s.priority,
    basis: s.basis,
    customerClass: s.customerClass,
    contractId: s.contractId ?? null,
    responseDueAt,
    responseState,
    fixDueAt,
    fixState,
    status: worse(responseState, fixState),
    msLeft: open === undefined ? null : open - now,
    pausedMs: fixDueAt - s.startedAt - s.fixMs,
    onHold: hold?.reason ?? null,
  };
}

/**
 * SLA entitlements and the SLA of each work order (issue 18, item 3): a new
 * order's due times follow from its contract's entitlement, else its
 * customer class's; waiting on the customer pauses them.
 */
export function createSlaService(deps: SlaServiceDeps) {
  const repo = deps.repos.fieldSla;
  const now = deps.clock ?? Date.now;
  const contracts = deps.contracts ?? NO_CONTRACT_COVERAGE;
  const valueCfg = deps.valueIndex ?? DEFAULT_VALUE_INDEX;

  async function customerOfAsset(assetId: string) {
    const asset = await deps.repos.assets.get(assetId);
    const site = await deps.repos.sites.get(asset.siteId);
    return deps.repos.customers.get(site.customerId);
  }

  /** Where the promise for an asset and priority comes from at `at`: the covering contract's entitlement, else the customer class's. */
  async function entitlementFor(assetId: string, priority: SlaPriority, at: number) {
    const customer = await customerOfAsset(assetId);
    const customerClass = customerClassOf(customerValueIndex(customer.value, at, valueCfg));
    const contractId = await contracts.coveringContract(assetId, at);
    const byContract = contractId ? await repo.entitlements.find({ contractId }, priority) : undefined;
    const entitlement: SlaEntitlement | undefined = byContract ?? (await repo.entitlements.find({ customerClass }, priority));
    return { customerClass, contractId, entitlement };
  }

  return {
    entitlementFor,

    /**
     * The SLA a new order carries (undefined where nothing is promised). A
     * due time the planner typed is an override: it must lie after the
     * order's creation, and the response due is not later than it.
     */
    async forNewOrder(input: WorkOrderInput, at: number): Promise<WorkOrderCreateOptions['sla']> {
      const priority = priorityOf(input.priority, input.severity);
      const { customerClass, contractId, entitlement } = await entitlementFor(input.assetId, priority, at);
      if (!entitlement) return undefined;
      const promised = { responseMs: entitlement.responseMinutes * MINUTE_MS, fixMs: entitlement.fixMinutes * MINUTE_MS };
      const base = { priority, customerClass, ...(contractId ? { contractId } : {}), entitlementId: entitlement.id };
      if (input.slaDueAt === undefined) return { ...base, basis: contractId && entitlement.contractId ? 'contract' : 'customer_class', ...promised };
      const fixMs = input.slaDueAt - at;
      if (fixMs <= 0) {
        throw new AppError('VALIDATION_FAILED', `slaDueAt: ${new Date(input.slaDueAt).toISOString()} is not after the order's creation; an SLA that is already due cannot be met`, { field: 'slaDueAt' });
      }
      return { ...base, basis: 'override', responseMs: Math.min(promised.responseMs, fixMs), fixMs };
    },

    entitlements: {
      async put(input: SlaEntitlementInput): Promise<SlaEntitlement> {
        assertAchievable(input);
        return repo.entitlements.put(input, now());
      },
      list: repo.entitlements.list,
      remove: repo.entitlements.remove,
    },

    hold(workOrderId: string, h: { reason: HoldReason; note?: string | undefined }, actor: string): Promise<WorkOrderHold> {
      return repo.startHold(workOrderId, h, actor, now());
    },

    /** Ends the hold; time waiting on the customer moves the order's fix due time (stored and recorded). */
    resume(workOrderId: string, actor: string) {
      const at = now();
      return repo.endHold(workOrderId, actor, at, (sla, holds) => slaDueAt(sla.startedAt, sla.fixMs, customerPauses(holds), at));
    },

    /** A planner's fix due time on an order with an SLA: keeps the pauses so far counted, recorded as an override. */
    async override(workOrderId: string, dueAt: number, actor: string): Promise<WorkOrder> {
      const at = now();
      const f = await repo.ofOrder(workOrderId);
      if (!f.sla) throw new AppError('CONFLICT', `work order ${workOrderId} has no SLA to override`);
      const paused = slaDueAt(f.sla.startedAt, f.sla.fixMs, customerPauses(f.holds), at) - f.sla.startedAt - f.sla.fixMs;
      const fixMs = dueAt - f.sla.startedAt - paused;
      if (dueAt <= at || fixMs < f.sla.responseMs) {
        throw new AppError('VALIDATION_FAILED', `slaDueAt: ${new Date(dueAt).toISOString()} is in the past or before the response is due; an SLA that cannot be met`, { field: 'slaDueAt' });
      }
      return repo.override(workOrderId, { fixMs, dueAt }, actor, at);
    },

    async ofOrder(workOrderId: string): Promise<{ sla: WorkOrderSla | null; view: SlaView | null; holds: WorkOrderHold[] }> {
      const f = await repo.ofOrder(workOrderId);
      return { sla: f.sla ?? null, view: slaView(f, now()) ?? null, holds: f.holds };
    },

    /** Active orders with an SLA, most urgent first: breached, then at risk, by time left. */
    async activeOrders(): Promise<SlaView[]> {
      const at = now();
      return (await repo.active())
        .map((f) => slaView(f, at))
        .filter((v): v is SlaView => v !== undefined)
        .sort((a, b) => WORST[a.status] - WORST[b.status] || (a.msLeft ?? Infinity) - (b.msLeft ?? Infinity) || a.workOrderId.localeCompare(b.workOrderId));
    },

    /** Orders completed in [from, to): response and fix met or breached, per priority; plus the active ones now. */
    async report(from: number, to: number) {
      const at = now();
      const done = (await repo.completedBetween(from, to)).map((f) => slaView(f, at)).filter((v): v is SlaView => v !== undefined);
      const byPriority = new Map<SlaPriority, { priority: SlaPriority; completed: number; responseBreached: number; fixBreached: number }>();
      for (const v of done) {
        const row = byPriority.get(v.priority) ?? { priority: v.priority, completed: 0, responseBreached: 0, fixBreached: 0 };
        row.completed++;
        if (v.responseState === 'breached') row.responseBreached++;
        if (v.fixState === 'breached') row.fixBreached++;
        byPriority.set(v.priority, row);
      }
      const rows = [...byPriority.values()].sort((a, b) => a.priority.localeCompare(b.priority)).map((r) => ({ ...r, withinSla: (r.completed - r.fixBreached) / r.completed }));
      const active = await this.activeOrders();
      const summary = { completed: done.length, fixBreached: done.filter((v) => v.fixState === 'breached').length, activeBreached: 0, activeAtRisk: 0, activeOnTrack: 0 };
      for (const v of active) {
        if (v.status === 'breached') summary.activeBreached++;
        else if (v.status === 'at_risk') summary.activeAtRisk++;
        else summary.activeOnTrack++;
      }
      return { from, to, generatedAt: at, rows, breaches: done.filter((v) => v.status === 'breached'), active: active.filter((v) => v.status === 'breached' || v.status === 'at_risk'), summary };
    },
  };
}

export type SlaService = ReturnType<typeof createSlaService>;
