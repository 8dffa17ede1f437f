import { monthOf, type LeadFilters, type Repositories } from '@hourmeter/db';
import type { Lead, LeadDecision, LeadInput, NpsInput, NpsResponse } from '@hourmeter/domain';
import type { Logger } from '@hourmeter/runtime';
import { customerValue, DEFAULT_DATA_VALUE_INDEX, type Availability, type Complaints, type CustomerValue, type DataValueIndexConfig, type MonthFacts } from './core/customer-value.js';
import { leadPayoutMinor, nextLeadState } from './core/leads.js';

/** Where the facts the work-order tables do not hold come from (filled by the wiring). */
export interface CustomerValuePorts {
  /** The customer's PBH availability against the guarantee in a UTC month (mean over its contracts), null without one. */
  availability(customerId: string, month: string): Promise<Availability | null>;
}

export interface LeadServiceDeps {
  repos: Pick<Repositories, 'leads' | 'customers' | 'serviceRequests'>;
  logger: Logger;
  /** HM_LEAD_PAYOUT_PERCENT: share of a won lead's value credited to the technician. */
  payoutPercent: number;
  valueIndex?: DataValueIndexConfig | undefined;
  ports: CustomerValuePorts;
  clock?: (() => number) | undefined;
}

export interface LeadReportRow {
  technician: string;
  region: string | null;
  month: string;
  currency: string;
  leads: number;
  open: number;
  qualified: number;
  disqualified: number;
  won: number;
  lost: number;
  /** Won / leads recorded (0..1). */
  conversionRate: number;
  estimatedMinor: number;
  wonMinor: number;
  payoutMinor: number;
}

export interface RankedCustomer extends CustomerValue {
  customerId: string;
  customerName: string;
  currency: string;
  rank: number;
}

const MONTHS = 12;

function trailingMonths(now: number): string {
  const d = new Date(now);
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - (MONTHS - 1));
  return d.toISOString().slice(0, 7);
}

export function createLeadService(deps: LeadServiceDeps) {
  const repo = deps.repos.leads;
  const now = deps.clock ?? Date.now;
  const cfg = deps.valueIndex ?? DEFAULT_DATA_VALUE_INDEX;

  /** Complaints are service requests of type complaint, counted by the month they were received. */
  async function complaintsIn(customerId: string, month: string): Promise<Complaints> {
    const from = Date.parse(`${month}-01T00:00:00Z`);
    const d = new Date(from);
    const to = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    return { available: true, count: await deps.repos.serviceRequests.complaintCount(customerId, from, to) };
  }

  async function monthsOf(customerId: string, at: number): Promise<MonthFacts[]> {
    const stored = await repo.monthlyFacts(customerId, trailingMonths(at), MONTHS);
    return Promise.all(
      stored.map(async (m) => ({
        ...m,
        availability: await deps.ports.availability(customerId, m.month),
        complaints: await complaintsIn(customerId, m.month),
      })),
    );
  }

  return {
    record(workOrderId: string, input: LeadInput, actor: string | null): Promise<Lead> {
      return repo.create(workOrderId, input, actor, now());
    },

    get: (id: string) => repo.get(id),
    list: (filters: LeadFilters, limit?: number) => repo.list(filters, limit),

    /** Qualify, disqualify, win or lose; the payout is computed and frozen when won. */
    async decide(id: string, decision: LeadDecision, actor: string | null): Promise<Lead> {
      const lead = await repo.get(id);
      const to = nextLeadState(id, lead.state, decision.action);
      const wonMinor = decision.action === 'win' ? decision.wonMinor : null;
      const lead2 = await repo.decide(
        id,
        lead.state,
        {
          state: to,
          reason: decision.action === 'disqualify' || decision.action === 'lose' ? decision.reason : null,
          wonMinor,
          payoutMinor: to === 'won' ? leadPayoutMinor(to, wonMinor, deps.payoutPercent) : null,
          decidedBy: actor,
          closed: to !== 'qualified',
        },
        now(),
      );
      deps.logger.info({ leadId: id, from: lead.state, to, actor }, 'lead decided');
      return lead2;
    },

    /** Leads, conversion, won value and payout by technician, region, month (of recording) and currency. */
    async report(filters: Pick<LeadFilters, 'from' | 'to' | 'technician' | 'region'>): Promise<LeadReportRow[]> {
      const leads = await repo.list(filters, 100_000);
      const rows = new Map<string, LeadReportRow>();
      for (const l of leads) {
        const month = monthOf(l.createdAt);
        const key = JSON.stringify([l.technician, l.region, month, l.currency]);
        let row = rows.get(key);
        if (!row) {
          row = { technician: l.technician, region: l.region, month, currency: l.currency, leads: 0, open: 0, qualified: 0, disqualified: 0, won: 0, lost: 0, conversionRate: 0, estimatedMinor: 0, wonMinor: 0, payoutMinor: 0 };
          rows.set(key, row);
        }
        row.leads++;
        row[l.state]++;
        row.estimatedMinor += l.estimatedMinor;
        row.wonMinor += l.wonMinor ?? 0;
        row.payoutMinor += l.payoutMinor ?? 0;
      }
      for (const r of rows.values()) r.conversionRate = Math.round((r.won / r.leads) * 10_000) / 10_000;
      return [...rows.values()].sort((a, b) => a.technician.localeCompare(b.technician) || (a.region ?? '').localeCompare(b.region ?? '') || a.month.localeCompare(b.month) || a.currency.localeCompare(b.currency));
    },

    recordNps(workOrderId: string, input: NpsInput, actor: string | null): Promise<NpsResponse> {
      return repo.recordNps(workOrderId, input, actor, now());
    },
    npsOf: (workOrderId: string) => repo.npsOf(workOrderId),

    /** One customer's index over the trailing 12 months with its components, trend and churn reasons; 404 when unknown. */
    async customerValue(customerId: string): Promise<Omit<RankedCustomer, 'rank'>> {
      const customer = await deps.repos.customers.get(customerId);
      return { customerId, customerName: customer.name, currency: customer.currency, ...customerValue(await monthsOf(customerId, now()), cfg) };
    },

    /** Every customer, highest index first (ties by name). */
    async rankedCustomers(): Promise<RankedCustomer[]> {
      const at = now();
      const out: Omit<RankedCustomer, 'rank'>[] = [];
      let cursor: string | undefined;
      do {
        const page = await deps.repos.customers.list({ limit: 500, cursor });
        for (const c of page.items) out.push({ customerId: c.id, customerName: c.name, currency: c.currency, ...customerValue(await monthsOf(c.id, at), cfg) });
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return out.sort((a, b) => b.index - a.index || a.customerName.localeCompare(b.customerName)).map((c, i) => ({ ...c, rank: i + 1 }));
    },
  };
}

export type LeadService = ReturnType<typeof createLeadService>;
