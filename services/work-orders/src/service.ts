import type { Repositories } from '@hourmeter/db';
import {
  nearestFirst,
  type MaintenanceSchedule,
  type MaintenanceScheduleInput,
  type WorkOrder,
  type WorkOrderCompletion,
  type WorkOrderCompletionInput,
  type WorkOrderInput,
  type ReturnAnalysis,
  type ReturnAnalysisInput,
  type WorkOrderScheduleInput,
} from '@hourmeter/domain';
import type { EventSink } from '@hourmeter/events';
import { AppError, type Logger } from '@hourmeter/runtime';
import { allocateCost } from './core/allocation.js';
import { createReserveWatch } from './reserve-watch.js';
import { createSlaService } from './sla-service.js';
import { assertTransition } from './core/lifecycle.js';
import { scheduleDue } from './core/schedules.js';
import { customerValueIndex, rankQueue, type QueueEntry } from './core/value-index.js';
import { DEFAULT_WORK_ORDER_CONFIG, type WorkOrderConfig } from './config.js';
import {
  NO_CONTRACT_COVERAGE,
  type CompletionListener,
  type ContractCoverage,
  type CostRateSource,
  type MaintenanceCommandSender,
  type OpenPreventiveRequest,
  type PartsReservations,
  type PreventiveOrders,
} from './ports.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export type WorkOrderRepos = Pick<Repositories, 'workOrders' | 'spareParts' | 'assets' | 'sites' | 'customers' | 'productionBatches' | 'operatingHours' | 'fieldSla' | 'fieldQuality'>;

export interface WorkOrderServiceDeps {
  repos: WorkOrderRepos;
  logger: Logger;
  config?: Partial<WorkOrderConfig> | undefined;
  contracts?: ContractCoverage | undefined;
  /** Labour and travel cost rates from rate cards; absent or without a card: `config.rates`. */
  costRates?: CostRateSource | undefined;
  commands?: MaintenanceCommandSender | undefined;
  parts?: PartsReservations | undefined;
  clock?: (() => number) | undefined;
  /** Absent: no events. Present: workorder.created / updated / completed after each commit. */
  events?: EventSink | undefined;
}

export interface QueueItem extends QueueEntry<WorkOrder> {
  customerId: string;
}

export function createWorkOrderService(deps: WorkOrderServiceDeps) {
  const cfg: WorkOrderConfig = { ...DEFAULT_WORK_ORDER_CONFIG, ...deps.config };
  const repo = deps.repos.workOrders;
  const now = deps.clock ?? Date.now;
  const contracts = deps.contracts ?? NO_CONTRACT_COVERAGE;
  const listeners = new Set<CompletionListener>();
  const log = deps.logger.child({ svc: 'work-orders' });
  const reserves = createReserveWatch({ repo, logger: deps.logger, clock: now, events: deps.events });
  const sla = createSlaService({ repos: deps.repos, contracts, valueIndex: cfg.valueIndex, clock: now });
  const createOpts = (actor: string, at: number) => ({ actor, now: at, repeatWindowMs: cfg.repeatWindowDays * DAY_MS });
  /** Creation options with the SLA the order's contract or customer class promises (issue 18). */
  const createOptsWithSla = async (input: WorkOrderInput, actor: string, at: number) => ({ ...createOpts(actor, at), sla: await sla.forNewOrder(input, at) });
  const transitioned = (workOrder: WorkOrder, from: WorkOrder['state'], actor: string): WorkOrder => {
    deps.events?.emit('workorder.updated', { workOrder, change: 'transition', from, to: workOrder.state, actor });
    return workOrder;
  };

  async function reserveSuggested(workOrderId: string, partNumbers: readonly string[]) {
    if (!deps.parts) return;
    for (const partNumber of partNumbers) {
      try {
        await deps.parts.reserveForWorkOrder({ workOrderId, partNumber, quantity: 1 });
      } catch (err) {
        // A bad suggestion must not lose the order; the planner sees it in the log and the order.
        log.warn({ workOrderId, partNumber, err }, 'suggested part not reserved');
      }
    }
  }

  /** Parts an order holds at a location or on the way: settling the order gives back what it does not use. */
  async function heldParts(workOrderId: string): Promise<string[]> {
    if (!deps.parts?.stockArrived) return [];
    const requests = await deps.repos.spareParts.requests.forWorkOrder(workOrderId);
    return [...new Set(requests.filter((r) => r.state === 'reserved' || r.state === 'in_transfer').map((r) => r.partId))];
  }

  /** After the commit: released units serve waiting backorders (a failure there loses nothing; the next arrival retries). */
  async function released(workOrderId: string, partIds: readonly string[]) {
    for (const partId of partIds) {
      try {
        await deps.parts?.stockArrived?.(partId);
      } catch (err) {
        log.warn({ err, workOrderId, partId }, 'backorders not sourced again after a release');
      }
    }
  }

  async function meterHours(assetId: string): Promise<number> {
    return (await deps.repos.operatingHours.totalMs(assetId)) / HOUR_MS;
  }

  async function openPreventive(req: OpenPreventiveRequest, actor = 'prediction', source: WorkOrder['source'] = 'prediction', scheduleId?: string) {
    const at = now();
    const before = (await repo.list({ filters: { assetId: req.assetId, failureMode: req.failureMode, kind: 'preventive' }, limit: 500 })).items.find(
      (w) => w.state === 'open' || w.state === 'scheduled' || w.state === 'in_progress',
    );
    const input = {
      kind: 'preventive' as const,
      assetId: req.assetId,
      failureMode: req.failureMode,
      alertId: req.alertId,
      reason: req.reason,
      severity: req.severity,
      rulHours: req.rulHours,
      slaDueAt: req.slaDueAt,
    };
    const { workOrder, created } = await repo.openPreventive(input, { ...(await createOptsWithSla(input, actor, at)), source, scheduleId, suggestedPartNumbers: req.suggestedPartNumbers });
    const already = new Set(created ? [] : (before?.suggestedPartNumbers ?? []));
    await reserveSuggested(workOrder.id, (req.suggestedPartNumbers ?? []).filter((p) => !already.has(p)));
    if (created) deps.events?.emit('workorder.created', { workOrder });
    else deps.events?.emit('workorder.updated', { workOrder, change: 'refreshed', to: workOrder.state, actor });
    log.info({ workOrderId: workOrder.id, assetId: req.assetId, failureMode: req.failureMode, created }, created ? 'preventive order opened' : 'preventive order updated');
    return { workOrder, created };
  }

  /** Every stock location, nearest to the asset's site first: where unreserved parts are taken from. */
  async function locationsNearestTo(siteId: string): Promise<string[]> {
    const site = await deps.repos.sites.get(siteId);
    return nearestFirst(site.location, await deps.repos.spareParts.warehouses.all()).map((w) => w.id);
  }

  async function checkCatalogue(assetModelId: string, c: WorkOrderCompletionInput) {
    const codes = await repo.failureCodes.list(assetModelId);
    for (const [field, kind, code] of [
      ['symptomCode', 'symptom', c.symptomCode],
      ['causeCode', 'cause', c.causeCode],
      ['remedyCode', 'remedy', c.remedyCode],
    ] as const) {
      if (!codes.some((k) => k.kind === kind && k.code === code)) {
        const known = codes.filter((k) => k.kind === kind).map((k) => k.code);
        throw new AppError(
          'VALIDATION_FAILED',
          `${field}: ${code} is not a ${kind} code in the failure-code catalogue of asset model ${assetModelId} (known: ${known.length ? known.join(', ') : 'none, add them first'})`,
          { field, known },
        );
      }
    }
  }

  return {
    config: cfg,

    /** Quality reserves: thresholds signalled after each charge; `releaseEnded` pays out batches whose warranty is over. */
    reserves,

    /** SLA entitlements, holds and the SLA state of orders. */
    sla,

    /** Options a new order is created with (its SLA included): for orders created elsewhere, e.g. from a service request. */
    createOptionsFor: (input: WorkOrderInput, actor: string) => createOptsWithSla(input, actor, now()),

    /** After an order made elsewhere is committed: the same event as `create`. */
    announceCreated(workOrder: WorkOrder): void {
      deps.events?.emit('workorder.created', { workOrder });
    },

    async create(input: WorkOrderInput, actor: string): Promise<WorkOrder> {
      const at = now();
      const workOrder = await repo.create(input, await createOptsWithSla(input, actor, at));
      deps.events?.emit('workorder.created', { workOrder });
      return workOrder;
    },

    /** The port for the prediction service. */
    preventivePort: {
      openPreventive: async (req) => {
        const { workOrder, created } = await openPreventive(req);
        return { workOrderId: workOrder.id, created };
      },
    } satisfies PreventiveOrders,

    openPreventive,

    /**
     * Sets the technician and window (open/scheduled -> scheduled): free text
     * (the legacy schedule) or an assignment by technician id, which dispatch
     * checked before (skills, absences, calendar).
     */
    async schedule(id: string, s: WorkOrderScheduleInput | { technicianId: string; technicianName: string; windowFrom: number; windowTo: number }, actor: string): Promise<WorkOrder> {
      const wo = await repo.get(id);
      assertTransition(wo, 'scheduled');
      const who = 'technicianId' in s ? `${s.technicianName} [${s.technicianId}]` : s.technician;
      const schedule = 'technicianId' in s ? { technicianId: s.technicianId, windowFrom: s.windowFrom, windowTo: s.windowTo } : s;
      return transitioned(await repo.transition(id, { from: wo.state, to: 'scheduled', actor, at: now(), schedule, note: `${who} ${new Date(s.windowFrom).toISOString()}..${new Date(s.windowTo).toISOString()}` }), wo.state, actor);
    },

    async start(id: string, actor: string): Promise<WorkOrder> {
      const wo = await repo.get(id);
      assertTransition(wo, 'in_progress');
      return transitioned(await repo.transition(id, { from: wo.state, to: 'in_progress', actor, at: now() }), wo.state, actor);
    },

    async cancel(id: string, actor: string, reason?: string): Promise<WorkOrder> {
      const wo = await repo.get(id);
      assertTransition(wo, 'cancelled');
      const held = await heldParts(id);
      const cancelled = transitioned(await repo.transition(id, { from: wo.state, to: 'cancelled', actor, at: now(), note: reason }), wo.state, actor);
      await released(id, held);
      return cancelled;
    },

    /**
     * Completes an in-progress order: checks the failure codes against the
     * model's catalogue and the parts against the parts catalogue, allocates the
     * cost, then writes completion, stock issues and the audit entry in one
     * transaction. Listeners and the device command run after the commit.
     */
    async complete(id: string, input: WorkOrderCompletionInput, actor: string): Promise<{ workOrder: WorkOrder; completion: WorkOrderCompletion }> {
      const wo = await repo.get(id);
      assertTransition(wo, 'completed');
      const asset = await deps.repos.assets.get(wo.assetId);
      await checkCatalogue(asset.assetModelId, input);
      const parts = [];
      const consumed = new Map<string, number>();
      const sources = new Map<string, { candidates: string[]; named: boolean }>();
      const nearest = input.partsConsumed.some((c) => !c.warehouseId) ? await locationsNearestTo(asset.siteId) : [];
      for (const c of input.partsConsumed) {
        const part = await deps.repos.spareParts.parts.findByNumber(c.partNumber);
        if (!part) throw new AppError('REFERENCE_NOT_FOUND', `partsConsumed: part number ${c.partNumber} does not exist`, { field: 'partsConsumed' });
        if (!part.fitsAssetModelIds.includes(asset.assetModelId)) {
          throw new AppError('VALIDATION_FAILED', `partsConsumed: part ${c.partNumber} does not fit asset model ${asset.assetModelId}`, { field: 'partsConsumed' });
        }
        if (consumed.has(part.id)) throw new AppError('VALIDATION_FAILED', `partsConsumed: part ${c.partNumber} listed twice`, { field: 'partsConsumed' });
        consumed.set(part.id, c.quantity);
        if (c.warehouseId && !(await deps.repos.spareParts.warehouses.find(c.warehouseId))) {
          throw new AppError('REFERENCE_NOT_FOUND', `partsConsumed: warehouse ${c.warehouseId} (where ${c.partNumber} was taken from) does not exist`, { field: 'partsConsumed' });
        }
        sources.set(part.id, c.warehouseId ? { candidates: [c.warehouseId], named: true } : { candidates: nearest, named: false });
        parts.push({ partId: part.id, partNumber: part.partNumber, quantity: c.quantity, unitCost: part.unitCost });
      }
      const failureAt = input.failureAt ?? input.downtimeFrom;
      const contractId = await contracts.coveringContract(asset.id, failureAt);
      const allocation = allocateCost(
        {
          failureAt,
          warrantyEndsOn: asset.warrantyEndsOn,
          department: input.responsibleDepartment,
          parts,
          labourHours: input.labourHours,
          travelHours: input.travelHours,
          productionBatchId: asset.productionBatchId,
          coveringContractId: contractId,
        },
        (await deps.costRates?.costRates(asset.id, failureAt)) ?? cfg.rates,
      );
      const held = await heldParts(id);
      const at = now();
      const result = await repo.complete(
        id,
        {
          failureAt,
          symptomCode: input.symptomCode,
          causeCode: input.causeCode,
          remedyCode: input.remedyCode,
          responsibleDepartment: input.responsibleDepartment,
          partsConsumed: parts,
          labourHours: input.labourHours,
          travelHours: input.travelHours,
          downtimeFrom: input.downtimeFrom,
          downtimeTo: input.downtimeTo,
          fixedOnFirstVisit: input.fixedOnFirstVisit,
          ...allocation,
          consumedByPartId: consumed,
          sourcesByPartId: sources,
        },
        actor,
        at,
      );
      if (wo.failureMode) {
        try {
          await repo.schedules.markDone(wo.assetId, wo.failureMode, at, await meterHours(wo.assetId));
        } catch (err) {
          log.error({ err, workOrderId: id }, 'schedule not restarted');
        }
      }
      await released(id, held);
      deps.events?.emit('workorder.completed', { workOrder: result.workOrder, completion: result.completion });
      if (result.completion.chargedTo === 'quality_reserve' && result.completion.productionBatchId) {
        try {
          await reserves.watch(result.completion.productionBatchId);
        } catch (err) {
          log.error({ err, workOrderId: id }, 'quality reserve not checked');
        }
      }
      for (const l of listeners) {
        try {
          await l(result.workOrder, result.completion);
        } catch (err) {
          log.error({ err, workOrderId: id }, 'completion listener failed');
        }
      }
      if (deps.commands) {
        try {
          await deps.commands.maintenanceCompleted({ assetId: wo.assetId, workOrderId: id, failureMode: wo.failureMode, remedyCode: input.remedyCode, completedAt: at });
        } catch (err) {
          log.error({ err, workOrderId: id }, 'maintenance command not sent');
        }
      }
      return result;
    },

    /**
     * Records a returned unit's disposition and failure analysis (issue 18); a
     * confirmed manufacturing defect charges its batch's quality reserve in
     * the same transaction, then the reserve's thresholds are checked as after
     * any other charge.
     */
    async analyseReturn(returnId: string, input: ReturnAnalysisInput, actor: string): Promise<ReturnAnalysis> {
      const analysis = await deps.repos.fieldQuality.returns.analyse(returnId, input, actor, now());
      log.info({ returnId, workOrderId: analysis.workOrderId, failureAnalysis: analysis.failureAnalysis, charge: analysis.reserveCharge }, 'return analysed');
      if (analysis.reserveCharge) {
        try {
          await reserves.watch(analysis.reserveCharge.productionBatchId);
        } catch (err) {
          log.error({ err, returnId }, 'quality reserve not checked');
        }
      }
      return analysis;
    },

    /** Registers `onCompleted(workOrder, completion)`; returns the unsubscribe function. */
    onCompleted(listener: CompletionListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** Active orders ranked by urgency and customer value. */
    async queue(): Promise<QueueItem[]> {
      const at = now();
      const orders = await repo.active();
      const customerOf = new Map<string, string>();
      const valueOf = new Map<string, number>();
      for (const wo of orders) {
        if (customerOf.has(wo.assetId)) continue;
        const asset = await deps.repos.assets.get(wo.assetId);
        const site = await deps.repos.sites.get(asset.siteId);
        customerOf.set(wo.assetId, site.customerId);
        if (!valueOf.has(site.customerId)) {
          const customer = await deps.repos.customers.get(site.customerId);
          valueOf.set(site.customerId, customerValueIndex(customer.value, at, cfg.valueIndex));
        }
      }
      return rankQueue(orders, (wo) => valueOf.get(customerOf.get(wo.assetId)!) ?? 0, at, cfg.urgency).map((e) => ({
        ...e,
        customerId: customerOf.get(e.item.assetId)!,
      }));
    },

    async createSchedule(input: MaintenanceScheduleInput): Promise<MaintenanceSchedule> {
      const at = now();
      return repo.schedules.create(
        { ...input, lastDoneAt: input.lastDoneAt ?? at, lastDoneHours: input.lastDoneHours ?? (await meterHours(input.assetId)) },
        at,
      );
    },

    /** Opens (or refreshes) a preventive order for every schedule whose calendar or hour interval has elapsed. */
    async runSchedules(): Promise<{ scheduleId: string; workOrderId: string; created: boolean; by: string[] }[]> {
      const at = now();
      const out = [];
      for (const s of await repo.schedules.list({ active: true })) {
        const due = scheduleDue(s, at, await meterHours(s.assetId));
        if (!due.due) continue;
        const { workOrder, created } = await openPreventive(
          { assetId: s.assetId, failureMode: s.failureMode, reason: `maintenance schedule ${s.id} due by ${due.by.join(' and ')}${s.description ? `: ${s.description}` : ''}` },
          'scheduler',
          'schedule',
          s.id,
        );
        out.push({ scheduleId: s.id, workOrderId: workOrder.id, created, by: due.by });
      }
      return out;
    },
  };
}

export type WorkOrderService = ReturnType<typeof createWorkOrderService>;
