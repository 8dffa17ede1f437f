/**
 * Field-service KPIs by technician, region and asset model (issue 18 item 8),
 * over completed orders in a period. Pure: the report service loads the facts.
 */
import type { Period } from './reports.js';

const HOUR = 3_600_000;
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
const r2 = (x: number) => Math.round(x * 100) / 100;
const mean = (xs: readonly number[]) => (xs.length ? r2(xs.reduce((s, x) => s + x, 0) / xs.length) : null);

export interface FieldFact {
  workOrderId: string;
  kind: string;
  technicianId: string | undefined;
  technicianName: string | undefined;
  serviceRegion: string | undefined;
  assetModelId: string;
  assetModelName: string;
  createdAt: number;
  startedAt: number | undefined;
  completedAt: number;
  slaDueAt: number | undefined;
  firstTimeFix: boolean;
  downtimeHours: number;
  labourHours: number;
  travelHours: number;
  revenue: readonly { currency: string; amountMinor: number }[];
}

/** A KPI that cannot be computed yet: null, and why. */
export interface NotAvailable {
  value: null;
  reason: string;
}

export type KpiGrouping = 'technician' | 'region' | 'model';

/** A type alias (not an interface) so rows fit the reports' `Record<string, unknown>` rows. */
export type FieldKpiRow = {
  group: KpiGrouping;
  key: string;
  /** What a person reads: the technician's or model's name, the region. */
  name: string;
  orders: number;
  firstTimeFixRate: number | null;
  /** Mean hours from opening to the start of work. */
  meanResponseHours: number | null;
  /** Mean hours from opening to completion. */
  meanFixHours: number | null;
  /** Share of orders with an SLA due time completed by it. */
  fixWithinSlaRate: number | null;
  ordersWithSla: number;
  /** Mean time to repair: mean downtime hours of corrective orders. */
  mttrHours: number | null;
  /** Billed on issued invoices for these orders, per currency (minor units); per engineer for regions and models. */
  revenue: { currency: string; amountMinor: number }[];
  revenuePerEngineer: { currency: string; amountMinor: number }[];
  engineers: number;
  workedHours: number;
  /** Calendar hours of the technicians in the period, absences taken off; null for models (engineers are not per model). */
  calendarHours: number | null;
  labourUtilisation: number | null;
  /** Service requests of the group resolved remotely over all resolved; by region and model (a field technician does not resolve remotely). */
  remoteResolutionShare: { value: number | null; reason?: string };
};

/** Resolved and remotely resolved service requests per region or asset model id (see `resolutionCounts`). */
export type RemoteResolutions = ReadonlyMap<string, { resolved: number; resolvedRemotely: number }>;

const NOT_PER_TECHNICIAN: NotAvailable = {
  value: null,
  reason: 'remote resolutions are made by the service desk, not a field technician: see the region and model groupings',
};

function remoteShare(group: KpiGrouping, key: string, remote: RemoteResolutions): FieldKpiRow['remoteResolutionShare'] {
  if (group === 'technician') return NOT_PER_TECHNICIAN;
  const c = remote.get(key);
  return c && c.resolved > 0 ? { value: r4(c.resolvedRemotely / c.resolved) } : { value: null, reason: 'no service request was resolved in the period' };
}

/** The group of facts without a technician or region. */
export const UNASSIGNED = 'unassigned';

function keyOf(f: FieldFact, g: KpiGrouping): { key: string; name: string } {
  if (g === 'technician') return f.technicianId ? { key: f.technicianId, name: f.technicianName ?? f.technicianId } : { key: UNASSIGNED, name: 'Not assigned to a technician' };
  if (g === 'region') return f.serviceRegion ? { key: f.serviceRegion, name: f.serviceRegion } : { key: UNASSIGNED, name: 'No region' };
  return { key: f.assetModelId, name: f.assetModelName };
}

function sumByCurrency(list: readonly { currency: string; amountMinor: number }[]) {
  const m = new Map<string, number>();
  for (const r of list) m.set(r.currency, (m.get(r.currency) ?? 0) + r.amountMinor);
  return [...m].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amountMinor]) => ({ currency, amountMinor }));
}

/**
 * KPIs per group. `technicians` gives each technician's region and calendar
 * hours in the period (the denominator of utilisation: worked = labour +
 * travel hours recorded on completions). Revenue per engineer divides by the
 * engineers who completed orders in the group (rounded half away from zero, per currency).
 */
export function fieldServiceKpis(
  facts: readonly FieldFact[],
  group: KpiGrouping,
  technicians: readonly { id: string; name: string; serviceRegion: string; calendarHours: number }[],
  p: Period,
  remote: RemoteResolutions = new Map(),
): FieldKpiRow[] {
  const groups = new Map<string, { name: string; facts: FieldFact[] }>();
  for (const f of facts) {
    if (f.completedAt < p.from || f.completedAt >= p.to) continue;
    const { key, name } = keyOf(f, group);
    const g = groups.get(key) ?? { name, facts: [] };
    g.facts.push(f);
    groups.set(key, g);
  }
  // Technicians with calendar time but no completed order still count (utilisation 0).
  if (group !== 'model') {
    for (const t of technicians) {
      const key = group === 'technician' ? t.id : t.serviceRegion;
      if (!groups.has(key)) groups.set(key, { name: group === 'technician' ? t.name : t.serviceRegion, facts: [] });
    }
  }
  const rows: FieldKpiRow[] = [];
  for (const [key, g] of groups) {
    const fs = g.facts;
    const withSla = fs.filter((f) => f.slaDueAt !== undefined);
    const corrective = fs.filter((f) => f.kind === 'corrective');
    const engineers = new Set(fs.map((f) => f.technicianId).filter((x): x is string => x !== undefined));
    const revenue = sumByCurrency(fs.flatMap((f) => f.revenue));
    const workedHours = r2(fs.reduce((s, f) => s + f.labourHours + f.travelHours, 0));
    const staff = group === 'model' ? [] : technicians.filter((t) => (group === 'technician' ? t.id === key : t.serviceRegion === key));
    const calendarHours = group === 'model' || key === UNASSIGNED ? null : r2(staff.reduce((s, t) => s + t.calendarHours, 0));
    rows.push({
      group,
      key,
      name: g.name,
      orders: fs.length,
      firstTimeFixRate: fs.length ? r4(fs.filter((f) => f.firstTimeFix).length / fs.length) : null,
      meanResponseHours: mean(fs.filter((f) => f.startedAt !== undefined).map((f) => (f.startedAt! - f.createdAt) / HOUR)),
      meanFixHours: mean(fs.map((f) => (f.completedAt - f.createdAt) / HOUR)),
      fixWithinSlaRate: withSla.length ? r4(withSla.filter((f) => f.completedAt <= f.slaDueAt!).length / withSla.length) : null,
      ordersWithSla: withSla.length,
      mttrHours: mean(corrective.map((f) => f.downtimeHours)),
      revenue,
      revenuePerEngineer: engineers.size ? revenue.map((r) => ({ currency: r.currency, amountMinor: Math.round(r.amountMinor / engineers.size) })) : [],
      engineers: engineers.size,
      workedHours,
      calendarHours,
      labourUtilisation: calendarHours ? r4(workedHours / calendarHours) : null,
      remoteResolutionShare: remoteShare(group, key, remote),
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key));
}
