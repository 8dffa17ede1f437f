/**
 * The dispatch part of `npm run bench -- service` (issue 18): 50 technicians
 * in 5 regions (homes and sites within about 80 km of the region's centre),
 * certified for 6 of the 10 models, a Monday-Friday calendar and a day off
 * now and then (4 %); a month of orders arriving around the clock, each with
 * an SLA due time by kind. Every working day is
 * planned with `planDay` (what POST /dispatch/plan runs); what it cannot fit
 * carries over. Prints the share of orders done within SLA, travel hours per
 * order, and the time to plan one day of 50 technicians and 500 orders.
 */
import { performance } from 'node:perf_hooks';
import type { GeoPoint } from '@hourmeter/domain';
import { DEFAULT_CALENDAR } from '@hourmeter/domain';
import { planDay, type DispatchJob, type DispatchTechnician, type Interval } from '../core/dispatch.js';

const H = 3_600_000;
const DAY = 24 * H;
const KINDS = ['corrective', 'corrective', 'preventive', 'inspection'] as const;
/** SLA due after opening, by kind (hours): a typical response-and-fix promise. */
const SLA_HOURS: Record<string, number> = { corrective: 48, preventive: 120, inspection: 240 };

export interface DispatchBenchInput {
  rand: () => number;
  modelIds: readonly string[];
  technicians: number;
  ordersPerDay: number;
  monthStart: number;
}

export interface DispatchBenchResult {
  orders: number;
  done: number;
  withinSla: number;
  /** Orders whose SLA fell due in the month and were not done by then. */
  missed: number;
  pending: number;
  travelHoursPerOrder: number;
  planMs: number;
  planOrders: number;
  planTechnicians: number;
  planPlanned: number;
}

/** Five service regions across central Europe. */
const REGION_CENTRES: readonly GeoPoint[] = [
  { lat: 48.1, lon: 11.6 },
  { lat: 50.1, lon: 8.7 },
  { lat: 52.5, lon: 13.4 },
  { lat: 53.6, lon: 10.0 },
  { lat: 51.2, lon: 6.8 },
];

/** A point within about 80 km of a region's centre (0.7 degrees of latitude, 1.1 of longitude). */
const nearRegion = (rand: () => number, region: number): GeoPoint => ({
  lat: REGION_CENTRES[region]!.lat + (rand() - 0.5) * 1.4,
  lon: REGION_CENTRES[region]!.lon + (rand() - 0.5) * 2.2,
});

export function makeTechnicians(input: Pick<DispatchBenchInput, 'rand' | 'modelIds' | 'technicians'>): DispatchTechnician[] {
  const { rand, modelIds } = input;
  return Array.from({ length: input.technicians }, (_, i) => {
    const models = [...modelIds].sort(() => rand() - 0.5).slice(0, 6);
    return {
      id: `tec_${String(i).padStart(3, '0')}`,
      name: `Technician ${i}`,
      home: nearRegion(rand, i % REGION_CENTRES.length),
      calendar: DEFAULT_CALENDAR,
      certifications: models.map((assetModelId) => ({ assetModelId, certification: 'L2' })),
      active: true,
      absences: [],
    };
  });
}

export function runDispatchBench(input: DispatchBenchInput): DispatchBenchResult {
  const { rand, modelIds } = input;
  const technicians = makeTechnicians(input);
  const monthEnd = input.monthStart + 30 * DAY;
  const orders: (DispatchJob & { createdAt: number })[] = [];
  for (let d = 0; d < 30; d++) {
    for (let i = 0; i < input.ordersPerDay; i++) {
      const kind = KINDS[Math.floor(rand() * KINDS.length)]!;
      const createdAt = input.monthStart + d * DAY + Math.floor(rand() * DAY);
      orders.push({ workOrderId: `wo_${d}_${String(i).padStart(4, '0')}`, kind, assetModelId: modelIds[Math.floor(rand() * modelIds.length)]!, site: nearRegion(rand, Math.floor(rand() * REGION_CENTRES.length)), slaDueAt: createdAt + SLA_HOURS[kind]! * H, createdAt });
    }
  }
  const doneAt = new Map<string, { end: number; travelMinutes: number }>();
  let open: typeof orders = [];
  let next = 0;
  for (let day = input.monthStart; day < monthEnd; day += DAY) {
    // Orders opened before the working day starts are planned for it.
    const cutoff = day + 7 * H;
    while (next < orders.length && orders[next]!.createdAt < cutoff) open.push(orders[next++]!);
    const period: Interval = [day, day + DAY];
    const present = technicians.map((t) => ({ ...t, absences: rand() < 0.04 ? [period] : [] }));
    const { plans } = planDay(present, [], open, period);
    for (const jobs of plans.values()) for (const j of jobs) doneAt.set(j.workOrderId, { end: j.end, travelMinutes: j.travelMinutes });
    open = open.filter((o) => !doneAt.has(o.workOrderId));
  }
  let withinSla = 0;
  let missed = 0;
  let pending = 0;
  let travelMinutes = 0;
  for (const o of orders) {
    const d = doneAt.get(o.workOrderId);
    if (d) {
      travelMinutes += d.travelMinutes;
      if (d.end <= o.slaDueAt!) withinSla++;
      else missed++;
    } else if (o.slaDueAt! < monthEnd) missed++;
    else pending++;
  }

  // One backlog day: 500 open orders for 50 technicians, timed on its own.
  const planTechs = makeTechnicians({ ...input, technicians: 50 });
  const day = input.monthStart + 7 * DAY; // a working day after the month's first week
  const backlog = orders.slice(0, 500).map((o) => ({ ...o, slaDueAt: day + (o.slaDueAt! - o.createdAt) }));
  const t0 = performance.now();
  const plan = planDay(planTechs, [], backlog, [day, day + DAY]);
  const planMs = performance.now() - t0;
  return {
    orders: orders.length,
    done: doneAt.size,
    withinSla,
    missed,
    pending,
    travelHoursPerOrder: doneAt.size ? travelMinutes / 60 / doneAt.size : 0,
    planMs,
    planOrders: backlog.length,
    planTechnicians: planTechs.length,
    planPlanned: [...plan.plans.values()].reduce((s, j) => s + j.length, 0),
  };
}
