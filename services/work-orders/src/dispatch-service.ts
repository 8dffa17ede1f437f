import type { DispatchOrder, Repositories } from '@hourmeter/db';
import type { AssignmentInput, Technician, WorkOrder } from '@hourmeter/domain';
import { AppError, type Logger } from '@hourmeter/runtime';
import {
  availableHours,
  jobMinutes,
  planDay,
  rankCandidates,
  refusal,
  withTravel,
  type DispatchJob,
  type DispatchTechnician,
  type Interval,
  type PlannedJob,
} from './core/dispatch.js';
import type { WorkOrderService } from './service.js';

const DAY = 86_400_000;

export interface DispatchServiceDeps {
  repos: Pick<Repositories, 'technicians' | 'workOrders'>;
  workOrders: Pick<WorkOrderService, 'schedule'>;
  logger: Logger;
  clock?: (() => number) | undefined;
}

/** An order as the dispatch board shows it: names, not ids, beside the ids. */
export interface BoardOrder {
  workOrderId: string;
  kind: string;
  state: string;
  severity: string | undefined;
  serialNumber: string;
  assetModelId: string;
  assetModelName: string;
  customerName: string;
  siteName: string;
  serviceRegion: string | undefined;
  slaDueAt: number | undefined;
}

export interface PlanEntry extends BoardOrder {
  start: number;
  end: number;
  travelKm: number;
  travelMinutes: number;
  withinSla: boolean;
}

export interface TechnicianDay {
  technicianId: string;
  technicianName: string;
  serviceRegion: string;
  date: string;
  /** Working hours of the day by the calendar, absences taken off. */
  availableHours: number;
  absences: { from: number; to: number; reason: string }[];
  jobs: PlanEntry[];
  travelMinutes: number;
}

const dayStart = (date: string) => Date.parse(`${date}T00:00:00Z`);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const boardOrder = (o: DispatchOrder): BoardOrder => ({
  workOrderId: o.workOrderId,
  kind: o.kind,
  state: o.state,
  severity: o.severity,
  serialNumber: o.serialNumber,
  assetModelId: o.assetModelId,
  assetModelName: o.assetModelName,
  customerName: o.customerName,
  siteName: o.siteName,
  serviceRegion: o.serviceRegion,
  slaDueAt: o.slaDueAt,
});

const asJob = (o: DispatchOrder): DispatchJob => ({ workOrderId: o.workOrderId, kind: o.kind, assetModelId: o.assetModelId, site: o.site, slaDueAt: o.slaDueAt });

/**
 * Dispatch (issue 18 item 2): assignment with its refusals, suggestions, the
 * technician's day plan, the dispatch board and the automatic day plan. The
 * rules are in core/dispatch.ts; this reads the store and writes assignments
 * through the work-order service (audit trail, events).
 */
export function createDispatchService(deps: DispatchServiceDeps) {
  const techs = deps.repos.technicians;
  const now = deps.clock ?? Date.now;
  const log = deps.logger.child({ svc: 'dispatch' });

  async function withAbsences(list: readonly Technician[], period: Interval): Promise<DispatchTechnician[]> {
    const absences = await techs.absences.overlapping(list.map((t) => t.id), period[0], period[1]);
    return list.map((t) => ({
      id: t.id,
      name: t.name,
      home: t.home,
      calendar: t.calendar,
      certifications: t.certifications,
      active: t.active,
      absences: absences.filter((a) => a.technicianId === t.id).map((a): Interval => [a.from, a.to]),
    }));
  }

  async function activeTechnicians(serviceRegion?: string): Promise<Technician[]> {
    const out: Technician[] = [];
    let cursor: string | undefined;
    do {
      const page = await techs.list({ limit: 1000, cursor, filters: { active: true, serviceRegion } });
      out.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  /** Assigned jobs of the technicians overlapping the period, as fixed plan entries. */
  async function assignedJobs(technicianIds: readonly string[], period: Interval): Promise<{ orders: DispatchOrder[]; byTech: Map<string, PlannedJob[]> }> {
    const orders = await techs.dispatchOrders({ from: period[0], to: period[1], technicianIds });
    const byTech = new Map<string, PlannedJob[]>(technicianIds.map((id) => [id, []]));
    for (const o of orders) {
      byTech.get(o.technicianId!)?.push({
        workOrderId: o.workOrderId, technicianId: o.technicianId!, start: o.windowFrom!, end: o.windowTo!, travelKm: 0, travelMinutes: 0,
        slaDueAt: o.slaDueAt, withinSla: o.slaDueAt === undefined || o.windowTo! <= o.slaDueAt, fixed: true, site: o.site,
      });
    }
    return { orders, byTech };
  }

  async function orderFacts(workOrderId: string): Promise<DispatchOrder> {
    const [order] = await techs.dispatchOrders({ from: 0, to: 0, workOrderIds: [workOrderId] });
    if (!order) {
      const wo = await deps.repos.workOrders.get(workOrderId); // 404 when it does not exist
      throw new AppError('ILLEGAL_TRANSITION', `work order ${workOrderId} is ${wo.state}; only an active order can be dispatched`);
    }
    return order;
  }

  async function technicianDay(t: Technician, date: string): Promise<TechnicianDay> {
    const period: Interval = [dayStart(date), dayStart(date) + DAY];
    const [dt] = await withAbsences([t], period);
    const { orders, byTech } = await assignedJobs([t.id], period);
    const info = new Map(orders.map((o) => [o.workOrderId, o]));
    const jobs = withTravel(t.home, byTech.get(t.id) ?? []).map((j) => ({
      ...boardOrder(info.get(j.workOrderId)!),
      start: j.start, end: j.end, travelKm: Math.round(j.travelKm * 10) / 10, travelMinutes: j.travelMinutes, withinSla: j.withinSla,
    }));
    const absences = await techs.absences.overlapping([t.id], period[0], period[1]);
    return {
      technicianId: t.id,
      technicianName: t.name,
      serviceRegion: t.serviceRegion,
      date,
      availableHours: availableHours(t.calendar, dt!.absences, period[0], period[1]),
      absences: absences.map((a) => ({ from: a.from, to: a.to, reason: a.reason })),
      jobs,
      travelMinutes: jobs.reduce((s, j) => s + j.travelMinutes, 0),
    };
  }

  return {
    /** Assigns an order to a technician for a window, or refuses with the reason's code. */
    async assign(workOrderId: string, a: AssignmentInput, actor: string): Promise<WorkOrder> {
      const order = await orderFacts(workOrderId);
      const t = await techs.get(a.technicianId);
      const window: Interval = [a.windowFrom, a.windowTo];
      const [dt] = await withAbsences([t], window);
      const { byTech } = await assignedJobs([t.id], window);
      const busy = (byTech.get(t.id) ?? []).filter((j) => j.workOrderId !== workOrderId).map((j): Interval => [j.start, j.end]);
      const no = refusal(dt!, order, window, busy);
      if (no) {
        log.info({ workOrderId, technicianId: t.id, code: no.code }, 'assignment refused');
        throw new AppError(no.code, no.message, { technicianId: t.id, workOrderId });
      }
      return deps.workOrders.schedule(workOrderId, { technicianId: t.id, technicianName: t.name, windowFrom: a.windowFrom, windowTo: a.windowTo }, actor);
    },

    /**
     * Technicians ranked for an order over `days` days from `date` (default:
     * from now): within SLA first, then shortest drive, then earliest finish.
     */
    async suggest(workOrderId: string, q: { date?: string | undefined; days?: number | undefined } = {}) {
      const order = await orderFacts(workOrderId);
      const from = q.date ? Math.max(dayStart(q.date), now()) : now();
      const period: Interval = [from, (q.date ? dayStart(q.date) : Math.floor(from / DAY) * DAY) + (q.days ?? 3) * DAY];
      const list = await activeTechnicians();
      const dts = await withAbsences(list, period);
      const { byTech } = await assignedJobs(list.map((t) => t.id), period);
      const job = asJob(order);
      const names = new Map(list.map((t) => [t.id, t]));
      return {
        workOrderId,
        jobMinutes: jobMinutes(job),
        slaDueAt: order.slaDueAt,
        items: rankCandidates(dts, (id) => (byTech.get(id) ?? []).filter((j) => j.workOrderId !== workOrderId), job, period, from).map((c) => ({
          technicianId: c.technicianId,
          technicianName: names.get(c.technicianId)!.name,
          serviceRegion: names.get(c.technicianId)!.serviceRegion,
          eligible: c.slot !== undefined,
          start: c.slot?.start,
          end: c.slot?.end,
          travelKm: c.slot ? Math.round(c.slot.travelKm * 10) / 10 : undefined,
          travelMinutes: c.slot?.travelMinutes,
          withinSla: c.withinSla,
          refusal: c.refusal,
        })),
      };
    },

    async dayPlan(technicianId: string, date: string): Promise<TechnicianDay> {
      return technicianDay(await techs.get(technicianId), date);
    },

    /** Technicians x days with their jobs, and the active orders nobody has yet (most urgent SLA first). */
    async board(q: { date: string; days: number; serviceRegion?: string | undefined }) {
      const list = await activeTechnicians(q.serviceRegion);
      const dates = Array.from({ length: q.days }, (_, i) => isoDay(dayStart(q.date) + i * DAY));
      const rows = [];
      for (const t of list) rows.push({ technicianId: t.id, technicianName: t.name, serviceRegion: t.serviceRegion, days: await Promise.all(dates.map((d) => technicianDay(t, d))) });
      const unassigned = (await techs.dispatchOrders({ from: 0, to: 0, unassigned: true }))
        .filter((o) => q.serviceRegion === undefined || o.serviceRegion === q.serviceRegion)
        .sort((a, b) => (a.slaDueAt ?? Infinity) - (b.slaDueAt ?? Infinity) || a.workOrderId.localeCompare(b.workOrderId))
        .map(boardOrder);
      return { dates, technicians: rows, unassigned };
    },

    /**
     * Plans a day for every active technician (assigned jobs stay); with
     * `commit`, assigns the planned orders (each through the same checks).
     */
    async planDay(q: { date: string; commit: boolean; serviceRegion?: string | undefined }, actor: string) {
      const period: Interval = [dayStart(q.date), dayStart(q.date) + DAY];
      const list = await activeTechnicians(q.serviceRegion);
      const dts = await withAbsences(list, period);
      const { orders: assigned } = await assignedJobs(list.map((t) => t.id), period);
      const open = (await techs.dispatchOrders({ from: 0, to: 0, unassigned: true })).filter((o) => q.serviceRegion === undefined || o.serviceRegion === q.serviceRegion);
      const result = planDay(
        dts,
        assigned.map((o) => ({ technicianId: o.technicianId!, job: asJob(o), start: o.windowFrom!, end: o.windowTo! })),
        open.map(asJob),
        period,
      );
      const planned = [...result.plans.values()].flat().filter((j) => !j.fixed);
      if (q.commit) {
        for (const j of planned) await this.assign(j.workOrderId, { technicianId: j.technicianId, windowFrom: j.start, windowTo: j.end }, actor);
      }
      return {
        date: q.date,
        committed: q.commit,
        planned: planned.map((j) => ({ workOrderId: j.workOrderId, technicianId: j.technicianId, start: j.start, end: j.end, travelMinutes: j.travelMinutes, withinSla: j.withinSla })),
        unplanned: result.unplanned,
      };
    },
  };
}

export type DispatchService = ReturnType<typeof createDispatchService>;
