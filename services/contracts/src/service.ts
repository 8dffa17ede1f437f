import { ownerOn, type AssetFacts, type BillingRepository, type ContractRepository, type OwnerChange, type Repositories } from '@hourmeter/db';
import type {
  AmendmentInput,
  DraftContext,
  DraftItem,
  ContractInput,
  ContractWithHistory,
  CreditNoteInput,
  ExtraWorkRates,
  PaymentInput,
  RateCardInput,
  ExchangeRateInput,
  InvoiceView,
  PbhTermsInput,
} from '@hourmeter/domain';
import { contractName, taxRateBasisPoints } from '@hourmeter/domain';
import type { Logger } from '@hourmeter/runtime';
import { AppError } from '@hourmeter/runtime';
import { addDays, billingPeriodFor, dayMs, dayOf, maxDay, minDay, periodSpan, zonedDayStart, type Period } from './core/calendar.js';
import { computeInvoice, type BillableWork } from './core/invoice.js';
import { DAY_MS } from './core/money.js';
import { runningPeriod, slaRiskOf } from './core/sla-risk.js';
import { availability, isPbh, versionOn, type AssetLife } from './core/terms.js';
import { serviceReports } from './pnl.js';
import { creditNoteTax, issueTerms, withTax } from './tax.js';
import { ageReceivables } from './ageing.js';
import { currencyRates } from './rates.js';
import { creditInvoice, issueInvoice } from './core/issuing.js';
import { recordPayment as recordInvoicePayment } from './core/payments.js';
import type { BillableWorkSource, CompletedWork, ContractCoverage, DowntimeSource, ForcedIssue, InvoiceDocuments, OperatingTimeSource, ServiceCostSource } from './ports.js';

export interface ContractsDeps {
  repos: Pick<Repositories, 'contracts' | 'billing' | 'receivables' | 'rates' | 'customers' | 'assets' | 'sites' | 'slaRisk'>;
  /** The hour meter's daily totals; default: read from the store (`repos.billing.meterDays`). */
  meter?: OperatingTimeSource | undefined;
  downtime: DowntimeSource;
  work: BillableWorkSource;
  costs: ServiceCostSource;
  logger: Logger;
  now?: (() => number) | undefined;
  /** Grace for late data after a period ends before its invoice can be issued (HM_BILLING_GRACE_HOURS); default 72 h. */
  graceMs?: number | undefined;
  /** Share of the downtime a PBH guarantee allows from which the period is announced at risk (HM_SLA_AT_RISK_PERCENT); default 80. */
  slaRiskPercent?: number | undefined;
}

export const DEFAULT_GRACE_MS = 72 * 3_600_000;

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
  const documents: InvoiceDocuments = billing;
  const receivables = deps.repos.receivables;
  const money = currencyRates(deps.repos);
  const meter: OperatingTimeSource = deps.meter ?? billing;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ svc: 'contracts' });
  const runs = new Map<string, Promise<RunResult>>();
  const graceMs = deps.graceMs ?? DEFAULT_GRACE_MS;

  /** A period closes for late data `graceMs` after its last day ends on the contract's clock. */
  const closesAt = (zone: string) => (periodEnd: string) => zonedDayStart(addDays(periodEnd, 1), zone) + graceMs;

  /** The contract's clock: its (first) asset's site's zone, else its customer's; UTC when unknown. */
  const zoneOf = (c: ContractWithHistory, facts: Map<string, AssetFacts>) => facts.get(c.versions.at(-1)!.assetIds[0]!)?.timeZone ?? 'UTC';
  async function zoneOfContract(contractId: string): Promise<string> {
    const c = await contracts.get(contractId);
    return zoneOf(c, await contracts.assetFacts(c.versions.at(-1)!.assetIds.slice(0, 1)));
  }

  /** A draft of a period that has not closed is provisional; it says when it can be issued. */
  async function present(inv: InvoiceView, zones = new Map<string, Promise<string>>()): Promise<InvoiceView> {
    if (inv.status !== 'draft') return { ...inv, provisional: false, issuableAt: null };
    let zone = zones.get(inv.contractId);
    if (!zone) zones.set(inv.contractId, (zone = zoneOfContract(inv.contractId)));
    const at = closesAt(await zone)(inv.periodEnd);
    return { ...inv, provisional: now() < at, issuableAt: at };
  }

  function clip(fp: Period, c: ContractWithHistory): Period | undefined {
    const p = { start: maxDay(fp.start, c.startsOn), end: minDay(fp.end, c.endsOn) };
    return p.start <= p.end ? p : undefined;
  }

  const allAssets = (c: ContractWithHistory) => [...new Set(c.versions.flatMap((v) => v.assetIds))];

  /** Brings usage records up to date with the hour meter for the assets and days of `zone`'s clock. */
  async function meterUsage(assetIds: string[], from: string, to: string, zone: string) {
    // The platform's own hour meter is a table beside the usage records: compare them in the database.
    if (!deps.meter) return billing.syncUsageFromMeter(assetIds, from, to, now(), zone);
    // Another metering source delivers its days on the contract's clock already.
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

  /** Where each asset's downtime can lie: from its commissioning to now. */
  function lifeOf(facts: Map<string, AssetFacts>): AssetLife {
    const at = now();
    return new Map([...facts].map(([id, f]) => [id, { from: dayMs(f.commissionedOn), to: at }]));
  }

  /**
   * Whether the contract's customer owned the asset on the day. Usage is
   * filtered only for assets with a recorded owner change (an undated site
   * move gives no day to cut at); billed work always checks the owner then.
   */
  const ownedBy = (c: ContractWithHistory, facts: Map<string, AssetFacts>, recordedOnly: boolean) => (assetId: string, day: string) => {
    const f = facts.get(assetId);
    if (!f || (recordedOnly && f.owners.length === 0)) return true;
    return ownerOn(f, day) === c.customerId;
  };

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
      return { work: await money.partsIn(w, c.currency, day), rates: v.terms.extraWorkRates, billLabour: true, billParts: true, because: `excluded cause ${w.cause}` };
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
    const rates: ExtraWorkRates = { ...(await money.labourAndTravel(w.assetId, day, c.currency, tm)), partsMarkupPercent: tm.partsMarkupPercent };
    return { work: await money.partsIn(w, c.currency, day), rates, billLabour: !labourCovered, billParts: !partsCovered, because: labourCovered ? 'parts not covered by warranty' : partsCovered ? 'labour not covered by warranty' : 'not covered by a contract or warranty' };
  }

  /** The tax rate of a customer's invoices (looked up once per run per customer). */
  async function taxRateOf(customerId: string, cache?: Map<string, number>): Promise<number> {
    const known = cache?.get(customerId);
    if (known !== undefined) return known;
    const rate = taxRateBasisPoints((await deps.repos.customers.get(customerId)).billing);
    cache?.set(customerId, rate);
    return rate;
  }

  const groupBy = <T,>(list: readonly T[], keyOf: (t: T) => string) => {
    const m = new Map<string, T[]>();
    for (const t of list) {
      const l = m.get(keyOf(t));
      if (l) l.push(t);
      else m.set(keyOf(t), [t]);
    }
    return m;
  };

  /**
   * Invoices many contracts for `month` with batched I/O: one metering sync
   * per distinct usage window, one downtime, work and asset look-up for all
   * their assets, and one transaction writing every draft. An outcome per
   * contract, in order; a contract whose computation fails is `failed`
   * without stopping the others.
   */
  async function invoiceContracts(cs: readonly ContractWithHistory[], month: string, runId: string | null, warnings: string[], taxRates = new Map<string, number>()): Promise<RunOutcome[]> {
    const outcomes: RunOutcome[] = [];
    const todo: { idx: number; c: ContractWithHistory; full: Period; period: Period; assets: string[]; usageFrom: string }[] = [];
    cs.forEach((c, idx) => {
      const full = billingPeriodFor(month, c.billingPeriod);
      const period = full && clip(full, c);
      if (!full) outcomes[idx] = { contractId: c.id, outcome: 'skipped', reason: 'not due (quarterly)' };
      else if (!period) outcomes[idx] = { contractId: c.id, outcome: 'skipped', reason: 'not active in the period' };
      else if (c.kind === 'warranty') outcomes[idx] = { contractId: c.id, outcome: 'skipped', reason: 'warranty contracts are not invoiced' };
      else todo.push({ idx, c, full, period, assets: allAssets(c), usageFrom: period.start });
    });
    if (todo.length === 0) return outcomes;
    // Usage from the oldest issued period on: late usage there becomes an adjustment.
    const issued = await billing.oldestIssuedPeriods(todo.map((t) => t.c.id));
    for (const t of todo) {
      const oldest = issued.get(t.c.id);
      if (oldest && oldest < t.period.start) t.usageFrom = oldest;
    }
    const assets = [...new Set(todo.flatMap((t) => t.assets))];
    const facts = await contracts.assetFacts(assets);
    for (const [, group] of groupBy(todo, (t) => `${t.usageFrom}|${t.period.end}|${zoneOf(t.c, facts)}`)) {
      await meterUsage([...new Set(group.flatMap((t) => t.assets))], group[0]!.usageFrom, group[0]!.period.end, zoneOf(group[0]!.c, facts));
    }
    const minFrom = todo.reduce((m, t) => (t.usageFrom < m ? t.usageFrom : m), todo[0]!.usageFrom);
    const periodFrom = todo.reduce((m, t) => (t.period.start < m ? t.period.start : m), todo[0]!.period.start);
    const maxTo = dayMs(todo.reduce((m, t) => (t.period.end > m ? t.period.end : m), todo[0]!.period.end)) + DAY_MS;
    const pbhAssets = [...new Set(todo.filter((t) => t.c.kind === 'pbh').flatMap((t) => t.assets))];
    // Downtime from the oldest issued period on: a corrected window there becomes an adjustment.
    // A day longer each side: periods follow each contract's clock (UTC-12..UTC+14); availability clips exactly.
    const downtimeOf = groupBy(pbhAssets.length ? await deps.downtime.unplannedDowntime(pbhAssets, dayMs(minFrom) - DAY_MS, maxTo + DAY_MS) : [], (e) => e.assetId);
    const workOf = groupBy(await deps.work.completedWork(assets, dayMs(periodFrom) - DAY_MS, maxTo + DAY_MS), (w) => w.assetId);

    const items: DraftItem[] = [];
    const life = lifeOf(facts);
    for (const { c, full, period, assets: mine, usageFrom } of todo) {
      const zone = zoneOf(c, facts);
      const { from, to } = periodSpan(period, zone);
      const usageStart = zonedDayStart(usageFrom, zone);
      const downtime = c.kind === 'pbh' ? mine.flatMap((a) => downtimeOf.get(a) ?? []).filter((e) => e.to > usageStart && e.from < to) : [];
      const work: BillableWork[] = [];
      const ownerThen = ownedBy(c, facts, false);
      for (const w of mine.flatMap((a) => workOf.get(a) ?? [])) {
        if (w.completedAt < from || w.completedAt >= to) continue;
        // Work is billed to whoever owned the asset when it was done.
        if (!ownerThen(w.assetId, dayOf(w.completedAt))) continue;
        const b = await billable(c, w, warnings);
        if (b) work.push(b);
      }
      const taxRate = await taxRateOf(c.customerId, taxRates);
      items.push({
        header: { contractId: c.id, customerId: c.customerId, periodStart: period.start, periodEnd: period.end, currency: c.currency, runId, assetIds: mine, usageFrom },
        compute: (ctx: DraftContext) => {
          const computed = computeInvoice({ contract: c, period, fullPeriod: full, downtime, work, assetLife: life, owned: ownedBy(c, facts, true), timeZone: zone }, ctx);
          return { ...computed, lines: withTax(computed.lines, taxRate) };
        },
      });
    }
    const written = await billing.upsertDrafts(items, now());
    written.forEach((res, i) => {
      const { idx, c } = todo[i]!;
      if ('error' in res) {
        log.error({ err: res.error, contractId: c.id, period: month }, 'invoicing a contract failed');
        outcomes[idx] = { contractId: c.id, outcome: 'failed', reason: res.error instanceof Error ? res.error.message : String(res.error) };
      } else outcomes[idx] = { contractId: c.id, outcome: res.outcome, invoiceId: res.invoiceId, totalMinor: res.totalMinor };
    });
    return outcomes;
  }

  async function invoiceContract(c: ContractWithHistory, month: string, runId: string | null, warnings: string[]): Promise<RunOutcome> {
    const [o] = await invoiceContracts([c], month, runId, warnings);
    if (o!.outcome === 'failed') throw new AppError('INTERNAL', `invoicing contract ${c.id} for ${month} failed: ${o!.reason}`);
    return o!;
  }

  /** Invoices every active contract due in `month` (YYYY-MM); idempotent per contract and period. */
  async function runPeriod(month: string, runId: string | null = null): Promise<RunResult> {
    if (!MONTH.test(month)) throw new AppError('VALIDATION_FAILED', 'period must be YYYY-MM');
    const [y, m] = month.split('-').map(Number) as [number, number];
    const monthStart = `${month}-01`;
    const monthEnd = dayOf(Date.UTC(y, m, 1) - DAY_MS);
    const quarterStart = dayOf(Date.UTC(y, m - 3, 1));
    const result: RunResult = { period: month, contracts: 0, invoices: 0, outcomes: [], warnings: [] };
    const taxRates = new Map<string, number>();
    let cursor: string | undefined;
    do {
      const page = await contracts.list({ activeFrom: quarterStart < monthStart ? quarterStart : monthStart, activeTo: monthEnd }, 500, cursor);
      result.contracts += page.items.length;
      let outcomes: RunOutcome[];
      try {
        outcomes = await invoiceContracts(page.items, month, runId, result.warnings, taxRates);
      } catch (err) {
        // The page's transaction failed (a lock conflict with a concurrent run, a bad row): one contract at a time.
        log.warn({ err, period: month, contracts: page.items.length }, 'batched invoicing failed; invoicing the page one contract at a time');
        outcomes = [];
        for (const c of page.items) {
          try {
            outcomes.push(...(await invoiceContracts([c], month, runId, result.warnings, taxRates)));
          } catch (e) {
            log.error({ err: e, contractId: c.id, period: month }, 'invoicing a contract failed');
            outcomes.push({ contractId: c.id, outcome: 'failed', reason: e instanceof Error ? e.message : String(e) });
          }
        }
      }
      for (const o of outcomes) {
        if (o.outcome === 'created' || o.outcome === 'refreshed' || o.outcome === 'already_issued') result.invoices++;
        result.outcomes.push(o);
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

  /** Offered to the work-order service: internal labour and travel cost rates from the rate cards. */
  const costRates = {
    async costRates(assetId: string, at: number) {
      const { card } = await money.cardOf(assetId, dayOf(at));
      return card && { labourRatePerHourMinor: card.labourRatePerHourMinor, travelRatePerHourMinor: card.travelRatePerHourMinor, currency: card.currency };
    },
  };

  return {
    coverage,
    costRates,
    reports,
    createContract: (input: ContractInput) => contracts.create(input, now()),
    getContract: (id: string) => contracts.get(id),
    listContracts: contracts.list,
    amend: (id: string, a: AmendmentInput) => contracts.amend(id, a, now()),
    /** An asset changes owner from a day: the old owner's contracts stop covering it then. */
    changeOwner: async (assetId: string, change: OwnerChange) => {
      const res = await contracts.changeOwner(assetId, change, now());
      log.info({ assetId, customerId: res.customerId, effectiveOn: res.effectiveOn, ended: res.endedCoverage.length }, 'asset changed owner');
      return res;
    },

    /**
     * Metered usage per asset and day for a contract and period (refreshed
     * from the hour meter first), on the contract's clock; `viewZone` shows
     * the same meter readings cut at another zone's midnights instead.
     */
    async usage(contractId: string, month: string, viewZone?: string) {
      const c = await contracts.get(contractId);
      const { period } = periodOf(c, month);
      const assets = allAssets(c);
      const zone = zoneOf(c, await contracts.assetFacts(assets));
      await meterUsage(assets, period.start, period.end, zone);
      const view = viewZone ?? zone;
      const days = view === zone ? await billing.usage(assets, period.start, period.end) : await billing.meterLocalDays(assets, period.start, period.end, view);
      const covered = days.filter((d) => versionOn(c, d.day).assetIds.includes(d.assetId));
      const perAsset = new Map<string, number>();
      for (const d of covered) perAsset.set(d.assetId, (perAsset.get(d.assetId) ?? 0) + d.operatingMs);
      return {
        contractId,
        timeZone: view,
        contractTimeZone: zone,
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
      const v = versionOn(c, period.end);
      if (!isPbh(v.terms)) throw new AppError('VALIDATION_FAILED', `contract ${c.id} is ${c.kind}: availability applies to PBH contracts`);
      const facts = await contracts.assetFacts(allAssets(c));
      const zone = zoneOf(c, facts);
      const span = periodSpan(period, zone);
      const events = await deps.downtime.unplannedDowntime(v.assetIds, span.from, span.to);
      return { contractId, timeZone: zone, ...availability(v.terms, v.assetIds, period, full, events, lifeOf(facts), zone) };
    },

    /**
     * Announces every PBH contract whose availability guarantee is at risk in
     * its running billing period (`contract.sla_at_risk` in the integration
     * outbox, once per contract and period; the rule is in core/sla-risk.ts).
     * Run with the maintenance schedules; a contract that fails is logged and skipped.
     */
    async checkSlaRisk(): Promise<{ contractId: string; periodStart: string; eventId: string }[]> {
      const at = now();
      const today = dayOf(at);
      const threshold = deps.slaRiskPercent ?? 80;
      const announced: { contractId: string; periodStart: string; eventId: string }[] = [];
      let cursor: string | undefined;
      do {
        const page = await contracts.list({ activeFrom: today, activeTo: today }, 500, cursor);
        for (const c of page.items) {
          if (c.kind !== 'pbh') continue;
          try {
            const full = runningPeriod(today, c.billingPeriod);
            const period = clip(full, c);
            const v = versionOn(c, today);
            if (!period || !isPbh(v.terms)) continue;
            const facts = await contracts.assetFacts(allAssets(c));
            const zone = zoneOf(c, facts);
            const span = periodSpan(period, zone);
            const a = availability(v.terms, v.assetIds, period, full, await deps.downtime.unplannedDowntime(v.assetIds, span.from, span.to), lifeOf(facts), zone);
            const risk = slaRiskOf(a, threshold);
            if (!risk.atRisk) continue;
            const data = {
              contract: { id: c.id, name: contractName(c), customerId: c.customerId, assetIds: v.assetIds },
              periodStart: period.start,
              periodEnd: period.end,
              timeZone: zone,
              guaranteePercent: a.guaranteePercent,
              availabilityPercent: a.availabilityPercent,
              scheduledMs: a.scheduledMs,
              downtimeMs: a.downtimeMs,
              allowedDowntimeMs: risk.allowedDowntimeMs,
              budgetUsedPercent: risk.budgetUsedPercent,
              thresholdPercent: threshold,
              missed: risk.missed,
            };
            const event = await deps.repos.slaRisk.announce(c.id, period, data, at);
            if (!event) continue;
            log.warn({ contractId: c.id, period: period.start, availabilityPercent: a.availabilityPercent, guaranteePercent: a.guaranteePercent, budgetUsedPercent: risk.budgetUsedPercent }, 'availability guarantee at risk');
            announced.push({ contractId: c.id, periodStart: period.start, eventId: event.id });
          } catch (err) {
            log.error({ err, contractId: c.id }, 'SLA risk check of a contract failed');
          }
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return announced;
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

    getInvoice: async (id: string) => present(await billing.getInvoice(id, undefined, dayOf(now()))),
    async listInvoices(filters: Parameters<BillingRepository['listInvoices']>[0], limit?: number, cursor?: string) {
      const page = await billing.listInvoices(filters, limit, cursor, dayOf(now()));
      const zones = new Map<string, Promise<string>>();
      return { ...page, items: await Promise.all(page.items.map((i) => present(i, zones))) };
    },
    /**
     * Issues a draft once its period has closed (end + grace), with its tax at
     * the customer's treatment, its due date from the payment terms and the
     * addressee frozen. Earlier only with `forced` (the API lets admins only),
     * whose reason stays on the invoice.
     */
    async issue(id: string, forced?: ForcedIssue) {
      const at = now();
      const zone = await zoneOfContract((await billing.getInvoice(id)).contractId);
      const inv = await issueInvoice(documents, id, at, { closesAt: closesAt(zone), forced, terms: (lines, customer) => issueTerms(lines, customer, dayOf(at)), asOfDay: dayOf(at) });
      await receivables.refreshPromptness(inv.customerId, dayOf(at));
      return present(inv);
    },
    async creditNote(invoiceId: string, input: CreditNoteInput) {
      const note = await creditInvoice(documents, invoiceId, input, now(), creditNoteTax);
      const inv = await billing.getInvoice(invoiceId);
      await receivables.refreshPromptness(inv.customerId, dayOf(now()));
      return note;
    },

    /**
     * Records a payment against an issued invoice (in full or in part; an
     * overpayment only with `excessAsCredit`), then recomputes the customer's
     * on-time payment rate from its payments.
     */
    async recordPayment(invoiceId: string, input: PaymentInput) {
      const payment = await recordInvoicePayment(documents, invoiceId, input, now());
      await receivables.refreshPromptness(payment.customerId, dayOf(now()));
      log.info({ invoiceId, paymentId: payment.id, amountMinor: payment.amountMinor, currency: payment.currency }, 'payment recorded');
      return payment;
    },
    payments: (invoiceId: string) => receivables.payments(invoiceId),

    /** Labour and travel rate cards per organisation or service region, each in its currency. */
    createRateCard: (input: RateCardInput) => deps.repos.rates.createCard(input, now()),
    rateCards: () => deps.repos.rates.cards(),
    /** Dated exchange rates: the only way money of one currency reaches an invoice in another. */
    createExchangeRate: (input: ExchangeRateInput) => deps.repos.rates.createExchangeRate(input, now()),
    exchangeRates: () => deps.repos.rates.exchangeRates(),

    /** Receivables ageing on `asOf` (default today); refreshes the on-time payment rate of the customers it lists. */
    async ageing(asOf?: string) {
      const day = asOf ?? dayOf(now());
      const report = ageReceivables(await receivables.openReceivables(day), day);
      for (const customerId of new Set(report.rows.map((r) => r.customerId))) await receivables.refreshPromptness(customerId, dayOf(now()));
      return report;
    },
    creditNotes: (invoiceId: string) => billing.creditNotes(invoiceId),
  };
}

export type ContractsService = ReturnType<typeof createContractsService>;

export type { InvoiceView };
export { addDays };
