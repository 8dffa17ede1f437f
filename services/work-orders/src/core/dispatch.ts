import { haversineKm, type Certification, type GeoPoint, type WeeklyCalendar } from '@hourmeter/domain';

/**
 * Dispatch rules (issue 18, docs/dispatch.md): who may take an order, when
 * they can be there, and a day plan that never double-books a technician.
 *
 * Travel is the great-circle (haversine) distance between home base or the
 * previous job's site and the next site, driven at an assumed average road
 * speed. Roads are longer than the great circle and speeds vary; one average
 * that includes detours keeps the ranking explainable. A site without
 * coordinates costs no travel (and the plan says so).
 */
export const ASSUMED_ROAD_SPEED_KMH = 50;
/** How long a job takes on site when the order does not say: by kind, in minutes. */
export const DEFAULT_JOB_MINUTES: Readonly<Record<string, number>> = { corrective: 180, preventive: 120, inspection: 60 };

const MINUTE = 60_000;
const DAY = 86_400_000;

export type Interval = readonly [from: number, to: number];

export interface DispatchTechnician {
  id: string;
  name: string;
  home: GeoPoint;
  calendar: WeeklyCalendar;
  certifications: readonly Certification[];
  active: boolean;
  /** Absences overlapping the planned period. */
  absences: readonly Interval[];
}

export interface DispatchJob {
  workOrderId: string;
  kind: string;
  assetModelId: string;
  site: GeoPoint | undefined;
  slaDueAt: number | undefined;
  /** Minutes on site (DEFAULT_JOB_MINUTES by kind when absent). */
  minutes?: number | undefined;
}

/** A job in a technician's day: where it sits and what getting there costs. */
export interface PlannedJob {
  workOrderId: string;
  technicianId: string;
  start: number;
  end: number;
  travelKm: number;
  travelMinutes: number;
  /** Due time of the SLA, when the order has one, and whether the job ends by it. */
  slaDueAt: number | undefined;
  withinSla: boolean;
  /** Fixed: already assigned before planning. */
  fixed: boolean;
  site: GeoPoint | undefined;
}

/** Why a technician cannot take an order: a stable code and words for people. */
export interface Refusal {
  code: 'TECHNICIAN_NOT_CERTIFIED' | 'TECHNICIAN_ABSENT' | 'TECHNICIAN_OFF_CALENDAR' | 'TECHNICIAN_UNAVAILABLE';
  message: string;
}

export const jobMinutes = (j: Pick<DispatchJob, 'kind' | 'minutes'>) => j.minutes ?? DEFAULT_JOB_MINUTES[j.kind] ?? 120;

/** Driving time in minutes (rounded up) and distance between two points; none without coordinates. */
export function travel(from: GeoPoint | undefined, to: GeoPoint | undefined): { km: number; minutes: number } {
  if (!from || !to) return { km: 0, minutes: 0 };
  const km = haversineKm(from, to);
  return { km, minutes: Math.ceil((km / ASSUMED_ROAD_SPEED_KMH) * 60) };
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const minutesOf = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

/** The technician's working intervals in [from, to), merged where one ends as the next begins (a night shift over midnight). */
export function workingIntervals(calendar: WeeklyCalendar, from: number, to: number): Interval[] {
  const out: [number, number][] = [];
  for (let day = Math.floor(from / DAY) * DAY; day < to; day += DAY) {
    const weekday = ((new Date(day).getUTCDay() + 6) % 7) + 1;
    const spans = calendar.weekly
      .filter((h) => h.weekday === weekday)
      .map((h): [number, number] => [day + minutesOf(h.from) * MINUTE, day + minutesOf(h.to) * MINUTE])
      .sort((a, b) => a[0] - b[0]);
    for (const [s, e] of spans) {
      const lo = Math.max(s, from);
      const hi = Math.min(e, to);
      if (hi <= lo) continue;
      const last = out[out.length - 1];
      if (last && lo <= last[1]) last[1] = Math.max(last[1], hi);
      else out.push([lo, hi]);
    }
  }
  return out;
}

/** Hours the calendar holds in [from, to), absences taken off: the denominator of labour utilisation. */
export function availableHours(calendar: WeeklyCalendar, absences: readonly Interval[], from: number, to: number): number {
  let ms = 0;
  for (const [s, e] of workingIntervals(calendar, from, to)) {
    ms += e - s;
    for (const [as, ae] of absences) ms -= Math.max(0, Math.min(e, ae) - Math.max(s, as));
  }
  return ms / 3_600_000;
}

const overlaps = (a: Interval, b: Interval) => a[0] < b[1] && b[0] < a[1];

/** The certification that lets `tech` work on `assetModelId` through `at`'s UTC day, or the refusal. */
export function certificationFor(tech: Pick<DispatchTechnician, 'certifications'>, assetModelId: string, at: number): Refusal | undefined {
  const cert = tech.certifications.find((c) => c.assetModelId === assetModelId);
  if (!cert) return { code: 'TECHNICIAN_NOT_CERTIFIED', message: `no certification for asset model ${assetModelId}` };
  if (cert.validUntil !== undefined && cert.validUntil < isoDay(at)) {
    return { code: 'TECHNICIAN_NOT_CERTIFIED', message: `certification ${cert.certification} for asset model ${assetModelId} expired on ${cert.validUntil}` };
  }
  return undefined;
}

/**
 * Whether `tech` may take `job` in `window`: active, certified for the model
 * through the window, present, on calendar for the whole window, and free of
 * other jobs (`busy`: the technician's other assigned windows).
 */
export function refusal(tech: DispatchTechnician, job: Pick<DispatchJob, 'assetModelId'>, window: Interval, busy: readonly (Interval & { workOrderId?: string })[] = []): Refusal | undefined {
  if (!tech.active) return { code: 'TECHNICIAN_UNAVAILABLE', message: `technician ${tech.name} is inactive` };
  const cert = certificationFor(tech, job.assetModelId, window[1] - 1);
  if (cert) return { code: cert.code, message: `technician ${tech.name}: ${cert.message}` };
  const absent = tech.absences.find((a) => overlaps(a, window));
  if (absent) return { code: 'TECHNICIAN_ABSENT', message: `technician ${tech.name} is absent ${new Date(absent[0]).toISOString()}..${new Date(absent[1]).toISOString()}` };
  const onCalendar = workingIntervals(tech.calendar, window[0], window[1]).some(([s, e]) => s <= window[0] && e >= window[1]);
  if (!onCalendar) return { code: 'TECHNICIAN_OFF_CALENDAR', message: `technician ${tech.name} does not work ${new Date(window[0]).toISOString()}..${new Date(window[1]).toISOString()} (UTC calendar)` };
  const clash = busy.find((b) => overlaps(b, window));
  if (clash) return { code: 'TECHNICIAN_UNAVAILABLE', message: `technician ${tech.name} already has a job ${new Date(clash[0]).toISOString()}..${new Date(clash[1]).toISOString()}` };
  return undefined;
}

/** Where a job would go in a technician's timeline: the earliest gap it fits with travel on both sides. */
export interface Slot {
  start: number;
  end: number;
  travelKm: number;
  travelMinutes: number;
}

/**
 * The earliest slot not before `notBefore` in [from, to) where the job fits in
 * one working interval, clear of absences, with time to drive from the
 * previous job (or home) and on to the next fixed one.
 */
export function earliestSlot(tech: DispatchTechnician, jobs: readonly PlannedJob[], job: DispatchJob, from: number, to: number, notBefore: number): Slot | undefined {
  const minutes = jobMinutes(job);
  const sorted = [...jobs].sort((a, b) => a.start - b.start);
  for (const [ws, we] of workingIntervals(tech.calendar, from, to)) {
    // Gaps of this working interval between the jobs in it.
    let cursor = ws;
    let where: GeoPoint | undefined = tech.home;
    const inside = sorted.filter((j) => j.end > ws && j.start < we);
    const before = sorted.filter((j) => j.end <= ws);
    if (before.length) where = before[before.length - 1]!.site ?? where;
    for (let i = 0; i <= inside.length; i++) {
      const next = inside[i];
      const gapEnd = next ? next.start : we;
      const there = travel(where, job.site);
      let start = Math.max(cursor + there.minutes * MINUTE, notBefore);
      // Absences push the start past them.
      for (const [as, ae] of [...tech.absences].sort((a, b) => a[0] - b[0])) {
        if (overlaps([start, start + minutes * MINUTE], [as, ae])) start = Math.max(start, ae + there.minutes * MINUTE);
      }
      const end = start + minutes * MINUTE;
      // From a site without coordinates the drive on is counted from the last known place, as withTravel does.
      const onward = next ? travel(job.site ?? where, next.site).minutes * MINUTE : 0;
      if (end + onward <= gapEnd && end <= we) return { start, end, travelKm: there.km, travelMinutes: there.minutes };
      if (next) {
        cursor = Math.max(cursor, next.end);
        where = next.site ?? where;
      }
    }
  }
  return undefined;
}

/** One technician's offer for an order, or why not. */
export interface Candidate {
  technicianId: string;
  slot: Slot | undefined;
  withinSla: boolean;
  refusal: Refusal | undefined;
}

/**
 * Ranks technicians for a job: eligible ones with a slot first, then those
 * finishing within the SLA, then the shortest drive (among those who meet the
 * SLA, driving is the cost that buys nothing), then the earliest finish; ties
 * by id. Ineligible ones follow with their reason.
 */
export function rankCandidates(
  technicians: readonly DispatchTechnician[],
  jobsOf: (technicianId: string) => readonly PlannedJob[],
  job: DispatchJob,
  period: Interval,
  notBefore: number,
): Candidate[] {
  const out: Candidate[] = technicians.map((t) => {
    const gate = !t.active ? refusal(t, job, period) : certificationFor(t, job.assetModelId, period[0]);
    if (gate) return { technicianId: t.id, slot: undefined, withinSla: false, refusal: { code: gate.code, message: gate.message.startsWith('technician') ? gate.message : `technician ${t.name}: ${gate.message}` } };
    const slot = earliestSlot(t, jobsOf(t.id), job, period[0], period[1], notBefore);
    if (!slot) return { technicianId: t.id, slot, withinSla: false, refusal: { code: 'TECHNICIAN_UNAVAILABLE', message: `technician ${t.name} has no free time for ${jobMinutes(job)} min in the period` } };
    const cert = certificationFor(t, job.assetModelId, slot.end - 1);
    if (cert) return { technicianId: t.id, slot: undefined, withinSla: false, refusal: { code: cert.code, message: `technician ${t.name}: ${cert.message}` } };
    return { technicianId: t.id, slot, withinSla: job.slaDueAt === undefined || slot.end <= job.slaDueAt, refusal: undefined };
  });
  const key = (c: Candidate) => [c.slot ? 0 : 1, c.withinSla ? 0 : 1, c.slot?.travelMinutes ?? 0, c.slot?.end ?? 0];
  return out.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    return a.technicianId.localeCompare(b.technicianId);
  });
}

export interface DayPlanResult {
  plans: Map<string, PlannedJob[]>;
  unplanned: { workOrderId: string; reason: string }[];
}

/**
 * Plans a period (a day) for many technicians: the jobs already assigned stay
 * where they are; the others are taken most urgent SLA first and each goes to
 * the best-ranked technician's earliest slot. Greedy, O(orders x technicians x
 * jobs per technician), so a day of 500 orders for 50 technicians plans in well
 * under a second; it does not reorder fixed jobs.
 */
export function planDay(
  technicians: readonly DispatchTechnician[],
  fixed: readonly { technicianId: string; job: DispatchJob; start: number; end: number }[],
  open: readonly DispatchJob[],
  period: Interval,
): DayPlanResult {
  const plans = new Map<string, PlannedJob[]>(technicians.map((t) => [t.id, []]));
  for (const f of fixed) {
    plans.get(f.technicianId)?.push({
      workOrderId: f.job.workOrderId, technicianId: f.technicianId, start: f.start, end: f.end, travelKm: 0, travelMinutes: 0,
      slaDueAt: f.job.slaDueAt, withinSla: f.job.slaDueAt === undefined || f.end <= f.job.slaDueAt, fixed: true, site: f.job.site,
    });
  }
  const queue = [...open].sort((a, b) => (a.slaDueAt ?? Infinity) - (b.slaDueAt ?? Infinity) || a.workOrderId.localeCompare(b.workOrderId));
  const unplanned: DayPlanResult['unplanned'] = [];
  for (const job of queue) {
    const [best] = rankCandidates(technicians, (id) => plans.get(id)!, job, period, period[0]);
    if (!best?.slot) {
      unplanned.push({ workOrderId: job.workOrderId, reason: best?.refusal?.code === 'TECHNICIAN_NOT_CERTIFIED' ? 'no certified technician' : 'no certified technician has time in the period' });
      continue;
    }
    plans.get(best.technicianId)!.push({
      workOrderId: job.workOrderId, technicianId: best.technicianId, start: best.slot.start, end: best.slot.end, travelKm: best.slot.travelKm, travelMinutes: best.slot.travelMinutes,
      slaDueAt: job.slaDueAt, withinSla: best.withinSla, fixed: false, site: job.site,
    });
  }
  for (const [id, jobs] of plans) plans.set(id, withTravel(technicians.find((t) => t.id === id)!.home, jobs));
  return { plans, unplanned };
}

/** Jobs in start order with the drive from home or the previous site recomputed (what a day plan shows). */
export function withTravel(home: GeoPoint, jobs: readonly PlannedJob[]): PlannedJob[] {
  let where: GeoPoint | undefined = home;
  return [...jobs]
    .sort((a, b) => a.start - b.start)
    .map((j) => {
      const t = travel(where, j.site);
      where = j.site ?? where;
      return { ...j, travelKm: t.km, travelMinutes: t.minutes };
    });
}
