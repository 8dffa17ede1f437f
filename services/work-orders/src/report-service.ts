import type { Repositories } from '@hourmeter/db';
import type { Warehouse } from '@hourmeter/domain';
import {
  backlog,
  fillAndStockOut,
  firstTimeFixRate,
  hazardReport,
  inventoryTurnover,
  mtbfMttr,
  partsReconciliation,
  repeatFailureRate,
  topFailingParts,
  warrantyByBatch,
  type Period,
} from './core/reports.js';
import { fieldServiceKpis, UNASSIGNED, type KpiGrouping } from './core/field-kpis.js';
import { resolutionCounts, resolvedAtOf } from './core/request-kpis.js';
import { availableHours, type Interval } from './core/dispatch.js';
import { consumedVsReturned, installationHours, qualifiedHazards, topOpenHazards } from './core/field-quality-reports.js';

export const REPORT_NAMES = [
  'first-time-fix',
  'repeat-failures',
  'mtbf-mttr',
  'top-failing-parts',
  'hazard',
  'warranty-batches',
  'fill-rate',
  'inventory-turnover',
  'backlog',
  'parts-reconciliation',
  'kpis-by-technician',
  'kpis-by-region',
  'kpis-by-model',
  'returns-by-technician',
  'installation-hours',
  'qualified-hazards',
  'product-review',
] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

export interface ReportResult {
  report: ReportName;
  from: number;
  to: number;
  generatedAt: number;
  /** Flat rows: what the CSV form carries. */
  rows: Record<string, unknown>[];
  summary?: Record<string, unknown> | undefined;
}

type ReportRepos = Pick<Repositories, 'workOrders' | 'spareParts' | 'productionBatches' | 'technicians' | 'fieldQuality' | 'assetModels' | 'serviceRequests'>;
export interface ReportOptions {
  /** returns-by-technician: days after completion before a part not returned counts as a gap. */
  graceDays?: number | undefined;
}

/** Default of `graceDays` (HM_RETURN_GRACE_DAYS): two weeks for a replaced part to travel back. */
export const DEFAULT_RETURN_GRACE_DAYS = 14;

async function allPages<T>(page: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const p = await page(cursor);
    out.push(...p.items);
    cursor = p.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Loads what a report needs and runs its pure computation (core/reports.ts). */
export function createReportService(repos: ReportRepos, clock: () => number = Date.now, defaults: { returnGraceDays?: number | undefined } = {}) {
  const wo = repos.workOrders.reportData;
  const fq = repos.fieldQuality;
  return {
    async run(name: ReportName, p: Period, o: ReportOptions = {}): Promise<ReportResult> {
      const base = { report: name, from: p.from, to: p.to, generatedAt: clock() };
      switch (name) {
        case 'first-time-fix': {
          const s = firstTimeFixRate(await wo.completions(p.from, p.to), p);
          return { ...base, rows: [s], summary: s };
        }
        case 'repeat-failures': {
          const s = repeatFailureRate(await wo.workOrders(p.from, p.to), p);
          return { ...base, rows: [s], summary: s };
        }
        case 'mtbf-mttr': {
          // operating_hours_daily is per UTC day: days overlapping [from, to).
          const hours = await wo.operatingMsByModel(day(p.from), day(p.to - 1));
          return { ...base, rows: mtbfMttr(await wo.completions(p.from, p.to), hours, p) };
        }
        case 'top-failing-parts':
          return { ...base, rows: topFailingParts(await wo.partsConsumed(p.from, p.to), await wo.completions(p.from, p.to), p) };
        case 'hazard': {
          const h = hazardReport(await wo.completions(p.from, p.to), p);
          return { ...base, rows: h.rows, summary: { byDepartment: h.totals } };
        }
        case 'warranty-batches':
          return { ...base, rows: warrantyByBatch(await repos.workOrders.qualityReserves.all()) };
        case 'fill-rate': {
          const s = fillAndStockOut(await repos.spareParts.requests.inPeriod(p.from, p.to), p);
          return { ...base, rows: [s], summary: s };
        }
        case 'inventory-turnover': {
          const levels = await repos.spareParts.stock.levels();
          const movements = await repos.spareParts.stock.movements({ from: p.from });
          const parts = await allPages((cursor) => repos.spareParts.parts.list({ limit: 500, cursor }));
          const cost = new Map(parts.map((x) => [x.id, x.unitCost.amountMinor]));
          const warehouses: Warehouse[] = await repos.spareParts.warehouses.all();
          const codes = new Map(warehouses.map((w) => [w.id, w]));
          const rows = inventoryTurnover(levels, movements, cost, p).map((r) => ({ ...r, code: codes.get(r.warehouseId)?.code, level: codes.get(r.warehouseId)?.level }));
          return { ...base, rows };
        }
        case 'parts-reconciliation': {
          const rows = partsReconciliation(await repos.spareParts.reconciliationData(p.from, p.to));
          const summary = { rows: rows.length, ok: 0, stock_mismatch: 0, return_missing: 0 };
          for (const r of rows) summary[r.status]++;
          return { ...base, rows, summary };
        }
        case 'kpis-by-technician':
        case 'kpis-by-region':
        case 'kpis-by-model': {
          const group = name.slice('kpis-by-'.length) as KpiGrouping;
          const techs = await allPages((cursor) => repos.technicians.list({ limit: 1000, cursor }));
          const absences = await repos.technicians.absences.overlapping(undefined, p.from, p.to);
          const staff = techs.map((t) => ({
            id: t.id,
            name: t.name,
            serviceRegion: t.serviceRegion,
            calendarHours: availableHours(t.calendar, absences.filter((a) => a.technicianId === t.id).map((a): Interval => [a.from, a.to]), p.from, p.to),
          }));
          // Regions and models also get the share of their service requests resolved remotely.
          const requests = (await repos.serviceRequests.facts(p.to)).map((f) => ({ ...f, region: f.serviceRegion, resolvedAt: resolvedAtOf(f) }));
          const remote = resolutionCounts(requests, p.from, p.to, (f) => (group === 'model' ? f.assetModelId : (f.region ?? UNASSIGNED)));
          const rows = fieldServiceKpis(await repos.technicians.fieldServiceFacts(p.from, p.to), group, staff, p, remote);
          return { ...base, rows };
        }
        case 'returns-by-technician': {
          const graceDays = o.graceDays ?? defaults.returnGraceDays ?? DEFAULT_RETURN_GRACE_DAYS;
          const r = consumedVsReturned(await fq.returns.reconciliationByTechnician(p.from, p.to), base.generatedAt, graceDays);
          return { ...base, rows: r.rows, summary: { graceDays, gaps: r.gaps } };
        }
        case 'installation-hours':
          return { ...base, rows: installationHours(await fq.checklists.installationHours(p.from, p.to)) };
        case 'qualified-hazards': {
          const rows = qualifiedHazards(await fq.hazards.list());
          return { ...base, rows, summary: { hazards: rows.reduce((s, r) => s + r.hazards, 0), qualified: rows.reduce((s, r) => s + r.qualified, 0) } };
        }
        case 'product-review': {
          // Per product line: what failed and cost in the period, how long installations take, and its open hazards.
          const models = await allPages((cursor) => repos.assetModels.list({ limit: 500, cursor }));
          const completions = await wo.completions(p.from, p.to);
          const install = installationHours(await fq.checklists.installationHours(p.from, p.to));
          const hazards = topOpenHazards(await fq.hazards.list(), models, day(base.generatedAt));
          const rows = [...models]
            .sort((a, b) => a.name.localeCompare(b.name))
            .map((m) => {
              const mine = completions.filter((c) => c.assetModelId === m.id);
              const latest = install.filter((i) => i.assetModelId === m.id).at(-1);
              const top = hazards.filter((h) => h.assetModelId === m.id);
              return {
                assetModelId: m.id,
                model: m.name,
                completedOrders: mine.length,
                correctiveFailures: mine.filter((c) => c.kind === 'corrective').length,
                serviceCostMinor: mine.reduce((s, c) => s + c.totalCost.amountMinor, 0),
                currency: mine[0]?.totalCost.currency ?? null,
                hoursPerInstallation: latest?.hoursPerInstallation ?? null,
                openHazard1: top[0]?.title ?? null,
                openHazard2: top[1]?.title ?? null,
                openHazard3: top[2]?.title ?? null,
              };
            });
          return { ...base, rows, summary: { openHazards: hazards } };
        }
        case 'backlog': {
          const active = (await repos.workOrders.active()).map((w) => ({ ...w, assetModelId: '' }));
          const b = backlog(active, base.generatedAt);
          return { ...base, rows: b.rows, summary: b.summary };
        }
      }
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
