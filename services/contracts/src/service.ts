import type { BillingRepository, ContractRepository, DraftContext, Repositories } from '@hourmeter/db';
import type {
  AmendmentInput,
  ContractInput,
  ContractWithHistory,
  CreditNoteInput,
  ExtraWorkRates,
  InvoiceView,
  PbhTermsInput,
} from '@hourmeter/domain';
import type { Logger } from '@hourmeter/runtime';
import { AppError } from '@hourmeter/runtime';
import { addDays, billingPeriodFor, dayMs, dayOf, maxDay, minDay, type Period } from './core/calendar.js';
import { computeInvoice, type BillableWork } from './core/invoice.js';
import { DAY_MS } from './core/money.js';
import { availability, isPbh, versionOn, type Availability } from './core/terms.js';
import { serviceReports } from './pnl.js';
import type { BillableWorkSource, CompletedWork, ContractCoverage, DowntimeSource, OperatingTimeSource, ServiceCostSource } from './ports.js';

export interface ContractsDeps {
  repos: Pick<Repositories, 'contracts' | 'billing' | 'assets' | 'sites'>;
  /** The hour meter's daily totals; default: read from the store (`repos.billing.meterDays`). */
  meter?: OperatingTimeSource | undefined;
  downtime: DowntimeSource;
  work: BillableWorkSource;
  costs: ServiceCostSource;
  logger: Logger;
  now?: (() => number) | undefined;
}

export interface RunOutcome {
  contractId: string;
  outcome: 'created' | 'refreshed' | 'already_issued' | 'skipped' | 'failed';
  invoiceId?: string | undefined;
  totalMinor?: number | undefined;
  reason?: string | undefined;
}

export interface RunResult {
  period: string;
  contracts: number;
  invoices: number;
  outcomes: RunOutcome[];
  warnings: string[];
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The contracts service: terms, metering, availability, invoice runs, issue, credit notes, P&L. */
export function createContractsService(deps: ContractsDeps) {
  const contracts: ContractRepository = deps.repos.contracts;
  const billing: BillingRepository = deps.repos.billing;
  const meter: OperatingTimeSource = deps.meter ?? billing;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ svc: 'contracts' });
  const runs = new Map<string, Promise<RunResult>>();

  function clip(fp: Period, c: ContractWithHistory): Period | undefined {
    const p = { start: maxDay(fp.start, c.startsOn), end: minDay(fp.end, c.endsOn) };
    return p.start <= p.end ? p : undefined;
  }

  const allAssets = (c: ContractWithHistory) => [...new Set(c.versions.flatMap((v) => v.assetIds))];

  /** Brings usage records up to date with the hour meter for the assets and days. */
  async function meterUsage(assetIds: string[], from: string, to: string) {
    const days = await meter.meterDays(assetIds, from, to);
    return billing.syncUsage(days, now());
  }

  function periodOf(c: ContractWithHistory, month: string): { full: Period; period: Period } {
    if (!MONTH.test(month)) throw new AppError('VALIDATION_FAILED', 'period must be YYYY-MM');
    const full = billingPeriodFor(month, c.billingPeriod);
    if (!full) throw new AppError('VALIDATION_FAILED', `contract ${c.id} is billed quarterly: name a quarter's last month (03, 06, 09, 12)`);
    const period = clip(full, c);
    if (!period) throw new AppError('VALIDATION_FAILED', `contract ${c.id} is not active in ${month} (${c.startsOn}..${c.endsOn})`);
    return { full, period };
  }

  async function pbhTermsForAvailability(c: ContractWithHistory, period: Period): Promise<Availability> {
    const v = versionOn(c, period.end);
    if (!isPbh(v.terms)) throw new AppError('VALIDATION_FAILED', `contract ${c.id} is ${c.kind}: availability applies to PBH contracts`);
    const events = await deps.downtime.unplannedDowntime(v.assetIds, dayMs(period.start), dayMs(period.end) + DAY_MS);
    return availability(v.terms, v.assetIds, period, period, events);
  }

  /** Which parts of a work order the customer pays on this contract's invoice, if any. */
  async function billable(c: ContractWithHistory, w: CompletedWork, warnings: string[]): Promise<BillableWork | undefined> {
    const day = dayOf(w.completedAt);
    if (day < c.startsOn || day > c.endsOn) return undefined;
    const v = versionOn(c, day);
    if (!v.assetIds.includes(w.assetId)) return undefined;
    const covering = await contracts.covering(w.assetId, day);
    if (isPbh(v.terms)) {
      if (!(v.terms.excludedCauses ?? []).includes(w.cause as 'customer_use')) return undefined; // borne by the manufacturer
      if (!v.terms.extraWorkRates) {
        const tm = covering.find((k) => k.kind === 'time_and_materials');
        if (!tm) warnings.push(`work order ${w.workOrderId}: excluded cause ${w.cause} but contract ${c.id} has no extraWorkRates and no T&M contract covers ${w.assetId}`);
        return undefined; // the T&M contract, if any, bills it
      }
      return { work: w, rates: v.terms.extraWorkRates, billLabour: true, billParts: true, because: `excluded cause ${w.cause}` };
    }
    if (v.terms.kind !== 'time_and_materials') return undefined;
    for (const k of covering.filter((k) => k.kind === 'pbh')) {
      const pbh = await contracts.get(k.contractId);
      const terms = versionOn(pbh, day).terms as PbhTermsInput;
      if (!(terms.excludedCauses ?? []).includes(w.cause as 'customer_use') || terms.extraWorkRates) return undefined;
    }
    let labourCovered = w.inWarranty;
    let partsCovered = w.inWarranty;
    for (const k of covering.filter((k) => k.kind === 'warranty')) {
      const wt = versionOn(await contracts.get(k.contractId), day).terms;
      if (wt.kind === 'warranty') {
        labourCovered ||= wt.coversLabour;
        partsCovered ||= wt.coversParts;
      }
    }
    if (labourCovered && partsCovered) return undefined;
    const tm = v.terms;
    const rates: ExtraWorkRates = { labourRatePerHourMinor: tm.labourRatePerHourMinor, travelRatePerHourMinor: tm.travelRatePerHourMinor, partsMarkupPercent: tm.partsMarkupPercent };
    return { work: w, rates, billLabour: !labourCovered, billParts: !partsCovered, because: labourCovered ? 'parts not covered by warranty' : partsCovered ? 'labour not covered by warranty' : 'not covered by a contract or warranty' };
  }

  async function invoiceContract(c: ContractWithHistory, month: string, runId: string | null, warnings: string[]): Promise<RunOutcome> {
    const full = billingPeriodFor(month, c.billingPeriod);
    if (!full) return { contractId: c.id, outcome: 'skipped', reason: 'not due (quarterly)' };
    const period = clip(full, c);
    if (!period) return { contractId: c.id, outcome: 'skipped', reason: 'not active in the period' };
    if (c.kind === 'warranty') return { contractId: c.id, outcome: 'skipped', reason: 'warranty contracts are not invoiced' };
    const assets = allAssets(c);
    const issued = await billing.issuedPeriods(c.id);
    const usageFrom = issued[0] && issued[0].start < period.start ? issued[0].start : period.start;
    await meterUsage(assets, usageFrom, period.end);
    const from = dayMs(period.start);
    const to = dayMs(period.end) + DAY_MS;
    const downtime = c.kind === 'pbh' ? await deps.downtime.unplannedDowntime(assets, from, to) : [];
    const work: BillableWork[] = [];
    for (const w of await deps.work.completedWork(assets, from, to)) {
      const b = await billable(c, w, warnings);
      if (b) work.push(b);
    }
    const res = await billing.upsertDraft(
      { contractId: c.id, customerId: c.customerId, periodStart: period.start, periodEnd: period.end, currency: c.currency, runId, assetIds: assets, usageFrom },
      (ctx: DraftContext) => computeInvoice({ contract: c, period, fullPeriod: full, downtime, work }, ctx),
      now(),
    );
    return { contractId: c.id, outcome: res.outcome, invoiceId: res.invoiceId, totalMinor: res.totalMinor };
  }

  /** Invoices every active contract due in `month` (YYYY-MM); idempotent per contract and period. */
  async function runPeriod(month: string, runId: string | null = null): Promise<RunResult> {
    if (!MONTH.test(month)) throw new AppError('VALIDATION_FAILED', 'period must be YYYY-MM');
    const [y, m] = month.split('-').map(Number) as [number, number];
    const monthStart = `${month}-01`;
    const monthEnd = dayOf(Date.UTC(y, m, 1) - DAY_MS);
    const quarterStart = dayOf(Date.UTC(y, m - 3, 1));
    const result: RunResult = { period: month, contracts: 0, invoices: 0, outcomes: [], warnings: [] };
    let cursor: string | undefined;
    do {
      const page = await contracts.list({ activeFrom: quarterStart < monthStart ? quarterStart : monthStart, activeTo: monthEnd }, 500, cursor);
      for (const c of page.items) {
        result.contracts++;
        try {
          const o = await invoiceContract(c, month, runId, result.warnings);
          if (o.outcome === 'created' || o.outcome === 'refreshed' || o.outcome === 'already_issued') result.invoices++;
          result.outcomes.push(o);
        } catch (err) {
          log.error({ err, contractId: c.id, period: month }, 'invoicing a contract failed');
          result.outcomes.push({ contractId: c.id, outcome: 'failed', reason: err instanceof Error ? err.message : String(err) });
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    log.info({ period: month, contracts: result.contracts, invoices: result.invoices }, 'invoice run finished');
    return result;
  }

  const coverage: ContractCoverage = {
    async coverage(assetId, at) {
      const rows = await contracts.covering(assetId, dayOf(at));
      return rows.map((r) => ({ contractId: r.contractId, kind: r.kind as 'pbh' | 'warranty' | 'time_and_materials' }));
    },
    async coveringContract(assetId, at) {
      const rows = await coverage.coverage(assetId, at);
      const rank = { pbh: 0, warranty: 1, time_and_materials: 2 } as const;
      return rows.sort((a, b) => rank[a.kind] - rank[b.kind])[0]?.contractId;
    },
  };

  const reports = serviceReports({ repos: deps.repos, contracts, billing, costs: deps.costs });

  return {
    coverage,
    reports,
    createContract: (input: ContractInput) => contracts.create(input, now()),
    getContract: (id: string) => contracts.get(id),
    listContracts: contracts.list,
    amend: (id: string, a: AmendmentInput) => contracts.amend(id, a, now()),

    /** Metered usage per asset and day for a contract and period (refreshed from the hour meter first). */
    async usage(contractId: string, month: string) {
      const c = await contracts.get(contractId);
      const { period } = periodOf(c, month);
      const assets = allAssets(c);
      await meterUsage(assets, period.start, period.end);
      const days = await billing.usage(assets, period.start, period.end);
      const covered = days.filter((d) => versionOn(c, d.day).assetIds.includes(d.assetId));
      const perAsset = new Map<string, number>();
      for (const d of covered) perAsset.set(d.assetId, (perAsset.get(d.assetId) ?? 0) + d.operatingMs);
      return {
        contractId,
        periodStart: period.start,
        periodEnd: period.end,
        totalMs: covered.reduce((s, d) => s + d.operatingMs, 0),
        assets: [...perAsset].map(([assetId, ms]) => ({ assetId, operatingMs: ms })),
        days: covered,
      };
    },

    async availability(contractId: string, month: string) {
      const c = await contracts.get(contractId);
      const { period, full } = periodOf(c, month);
      const a = await pbhTermsForAvailability(c, period);
      // Recompute with the full period for prorated numeric schedules.
      const v = versionOn(c, period.end);
      const events = a.events.map(({ counted: _c, reason: _r, countedMs: _m, ...e }) => e);
      return { contractId, ...availability(v.terms as PbhTermsInput, v.assetIds, period, full, events) };
    },

    runPeriod,
    invoiceContract: async (contractId: string, month: string) => {
      const warnings: string[] = [];
      const c = await contracts.get(contractId);
      return { ...(await invoiceContract(c, month, null, warnings)), warnings };
    },

    /** Starts a run in the background; poll `getRun`. */
    async startRun(month: string): Promise<string> {
      if (!MONTH.test(month)) throw new AppError('VALIDATION_FAILED', 'period must be YYYY-MM');
      const id = await billing.createRun(month, now());
      const p = runPeriod(month, id).then(
        async (r) => (await billing.finishRun(id, r.outcomes.some((o) => o.outcome === 'failed') ? 'failed' : 'succeeded', r, now()), r),
        async (err: unknown) => {
          log.error({ err, runId: id }, 'invoice run failed');
          await billing.finishRun(id, 'failed', { error: err instanceof Error ? err.message : String(err) }, now());
          throw err;
        },
      );
      p.catch(() => {});
      runs.set(id, p);
      void p.finally(() => runs.delete(id)).catch(() => {});
      return id;
    },
    getRun: (id: string) => billing.getRun(id),
    /** Resolves when a run started here finishes (tests, shutdown). */
    settle: async (id: string) => {
      await runs.get(id)?.catch(() => {});
    },

    getInvoice: (id: string) => billing.getInvoice(id),
    listInvoices: billing.listInvoices,
    issue: (id: string) => billing.issue(id, now()),
    creditNote: (invoiceId: string, input: CreditNoteInput) => billing.creditNote(invoiceId, input, now()),
    creditNotes: (invoiceId: string) => billing.creditNotes(invoiceId),
  };
}

export type ContractsService = ReturnType<typeof createContractsService>;

export type { InvoiceView };
export { addDays };
