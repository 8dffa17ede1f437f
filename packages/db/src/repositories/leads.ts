import { newId, type Lead, type LeadInput, type LeadState, type NpsInput, type NpsResponse } from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import type { Kysely, Selectable } from 'kysely';
import type { Database, LeadsTable } from '../schema.js';
import { promptnessOf } from './receivables.js';

/**
 * Sales leads recorded on work orders and NPS answers per work order (migration
 * 0028), plus the monthly facts the data-driven customer value index is scored
 * on. The rules (transitions, payout, the index) are services/work-orders core;
 * this only loads and stores, and refuses a decision on a lead that changed
 * meanwhile (the update is conditional on the state the decision was made on).
 */
export interface LeadFilters {
  state?: LeadState | undefined;
  technician?: string | undefined;
  region?: string | undefined;
  customerId?: string | undefined;
  workOrderId?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
}

export interface LeadDecisionPatch {
  state: LeadState;
  reason?: string | null;
  wonMinor?: number | null;
  payoutMinor?: number | null;
  decidedBy: string | null;
  closed: boolean;
}

/** One calendar month of the stored facts (availability and complaints come from elsewhere). */
export interface StoredMonthFacts {
  month: string;
  revenueMinor: number;
  costToServeMinor: number;
  workOrders: number;
  repeatFailures: number;
  promptness: number;
  nps: { promoters: number; passives: number; detractors: number };
}

const leadOf = (r: Selectable<LeadsTable>): Lead => ({
  id: r.id,
  workOrderId: r.work_order_id,
  customerId: r.customer_id,
  technician: r.technician,
  region: r.region,
  need: r.need,
  product: r.product,
  estimatedMinor: Number(r.estimated_minor),
  currency: r.currency,
  contact: { name: r.contact_name, email: r.contact_email, phone: r.contact_phone },
  state: r.state as LeadState,
  reason: r.reason,
  wonMinor: r.won_minor === null ? null : Number(r.won_minor),
  payoutMinor: r.payout_minor === null ? null : Number(r.payout_minor),
  recordedBy: r.recorded_by,
  decidedBy: r.decided_by,
  closedAt: r.closed_at === null ? null : Number(r.closed_at),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

/** `YYYY-MM` of an epoch ms (UTC). */
export const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);
const monthStart = (month: string) => Date.parse(`${month}-01T00:00:00Z`);
const nextMonth = (month: string) => {
  const d = new Date(monthStart(month));
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 7);
};

export function leadsRepository(db: Kysely<Database>) {
  /** The work order with its customer and the site's service region; 404 when unknown. */
  async function workOrderContext(workOrderId: string) {
    const row = await db
      .selectFrom('work_orders as w')
      .innerJoin('assets as a', 'a.id', 'w.asset_id')
      .innerJoin('sites as s', 's.id', 'a.site_id')
      .select(['w.id', 'w.technician', 's.customer_id', 's.service_region'])
      .where('w.id', '=', workOrderId)
      .executeTakeFirst();
    if (!row) throw notFound('work order', workOrderId);
    return row;
  }

  return {
    async create(workOrderId: string, input: LeadInput, recordedBy: string | null, now = Date.now()): Promise<Lead> {
      const wo = await workOrderContext(workOrderId);
      const row = {
        id: newId('lead', now),
        work_order_id: wo.id,
        customer_id: wo.customer_id,
        // The technician key is the work order's free text (technicians become records on the dispatch branch);
        // an order without one credits whoever recorded the lead.
        technician: wo.technician?.trim() || recordedBy || 'unassigned',
        region: wo.service_region,
        need: input.need,
        product: input.product,
        estimated_minor: input.estimated.amountMinor,
        currency: input.estimated.currency,
        contact_name: input.contact.name,
        contact_email: input.contact.email ?? null,
        contact_phone: input.contact.phone ?? null,
        state: 'open',
        reason: null,
        won_minor: null,
        payout_minor: null,
        recorded_by: recordedBy,
        decided_by: null,
        closed_at: null,
        created_at: now,
        updated_at: now,
      } satisfies Selectable<LeadsTable>;
      await db.insertInto('leads').values(row).execute();
      return leadOf(row);
    },

    async get(id: string): Promise<Lead> {
      const row = await db.selectFrom('leads').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound('lead', id);
      return leadOf(row);
    },

    /** Newest first, at most `limit`. */
    async list(f: LeadFilters = {}, limit = 500): Promise<Lead[]> {
      let q = db.selectFrom('leads').selectAll();
      if (f.state) q = q.where('state', '=', f.state);
      if (f.technician) q = q.where('technician', '=', f.technician);
      if (f.region) q = q.where('region', '=', f.region);
      if (f.customerId) q = q.where('customer_id', '=', f.customerId);
      if (f.workOrderId) q = q.where('work_order_id', '=', f.workOrderId);
      if (f.from !== undefined) q = q.where('created_at', '>=', f.from);
      if (f.to !== undefined) q = q.where('created_at', '<', f.to);
      const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(leadOf);
    },

    /** Applies a decision made on the lead in state `from`; CONFLICT when it has moved since. */
    async decide(id: string, from: LeadState, patch: LeadDecisionPatch, now = Date.now()): Promise<Lead> {
      const res = await db
        .updateTable('leads')
        .set({
          state: patch.state,
          reason: patch.reason ?? null,
          won_minor: patch.wonMinor ?? null,
          payout_minor: patch.payoutMinor ?? null,
          decided_by: patch.decidedBy,
          closed_at: patch.closed ? now : null,
          updated_at: now,
        })
        .where('id', '=', id)
        .where('state', '=', from)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) {
        const current = await this.get(id);
        throw new AppError('CONFLICT', `lead ${id} changed meanwhile: it is ${current.state} now`, { state: current.state });
      }
      return this.get(id);
    },

    async recordNps(workOrderId: string, input: NpsInput, recordedBy: string | null, now = Date.now()): Promise<NpsResponse> {
      const wo = await workOrderContext(workOrderId);
      return db.transaction().execute(async (tx) => {
        const existing = await tx.selectFrom('nps_responses').select('score').where('work_order_id', '=', workOrderId).executeTakeFirst();
        if (existing) throw new AppError('CONFLICT', `work order ${workOrderId} already has an NPS answer (${existing.score})`, { workOrderId });
        const row = {
          work_order_id: workOrderId,
          customer_id: wo.customer_id,
          score: input.score,
          comment: input.comment ?? null,
          recorded_by: recordedBy,
          responded_at: input.respondedAt ?? now,
        };
        await tx.insertInto('nps_responses').values(row).execute();
        return { workOrderId, customerId: row.customer_id, score: row.score, comment: row.comment, recordedBy, respondedAt: row.responded_at };
      });
    },

    /** The work order's NPS answer, or undefined (404 for an unknown work order). */
    async npsOf(workOrderId: string): Promise<NpsResponse | undefined> {
      await workOrderContext(workOrderId);
      const r = await db.selectFrom('nps_responses').selectAll().where('work_order_id', '=', workOrderId).executeTakeFirst();
      return r && { workOrderId: r.work_order_id, customerId: r.customer_id, score: Number(r.score), comment: r.comment, recordedBy: r.recorded_by, respondedAt: Number(r.responded_at) };
    },

    /**
     * The customer's facts per UTC month from `firstMonth` for `count` months:
     * revenue = issued invoices (net, before tax) less credit notes issued in the
     * month; cost to serve = completion costs of its work orders; repeat failures =
     * its orders opened in the month with `repeat_of_id`; promptness as of the
     * month's last day (receivables' computation); NPS answers by band.
     */
    async monthlyFacts(customerId: string, firstMonth: string, count: number): Promise<StoredMonthFacts[]> {
      const months: string[] = [];
      for (let m = firstMonth, i = 0; i < count; i++, m = nextMonth(m)) months.push(m);
      const from = monthStart(months[0]!);
      const to = monthStart(nextMonth(months.at(-1)!));
      const [invoices, credits, completions, repeats, answers] = await Promise.all([
        db.selectFrom('invoices').select(['issued_at', 'total_minor']).where('customer_id', '=', customerId).where('status', '=', 'issued').where('issued_at', '>=', from).where('issued_at', '<', to).execute(),
        db
          .selectFrom('credit_notes as n')
          .innerJoin('invoices as i', 'i.id', 'n.invoice_id')
          .select(['n.issued_at', 'n.amount_minor'])
          .where('i.customer_id', '=', customerId)
          .where('n.issued_at', '>=', from)
          .where('n.issued_at', '<', to)
          .execute(),
        db
          .selectFrom('work_order_completions as c')
          .innerJoin('work_orders as w', 'w.id', 'c.work_order_id')
          .innerJoin('assets as a', 'a.id', 'w.asset_id')
          .innerJoin('sites as s', 's.id', 'a.site_id')
          .select(['c.completed_at', 'c.total_cost_minor'])
          .where('s.customer_id', '=', customerId)
          .where('c.completed_at', '>=', from)
          .where('c.completed_at', '<', to)
          .execute(),
        db
          .selectFrom('work_orders as w')
          .innerJoin('assets as a', 'a.id', 'w.asset_id')
          .innerJoin('sites as s', 's.id', 'a.site_id')
          .select(['w.created_at'])
          .where('s.customer_id', '=', customerId)
          .where('w.repeat_of_id', 'is not', null)
          .where('w.created_at', '>=', from)
          .where('w.created_at', '<', to)
          .execute(),
        db.selectFrom('nps_responses').select(['responded_at', 'score']).where('customer_id', '=', customerId).where('responded_at', '>=', from).where('responded_at', '<', to).execute(),
      ]);
      const byMonth = new Map<string, StoredMonthFacts>(
        months.map((month) => [month, { month, revenueMinor: 0, costToServeMinor: 0, workOrders: 0, repeatFailures: 0, promptness: 1, nps: { promoters: 0, passives: 0, detractors: 0 } }]),
      );
      const at = (ms: number | string | null) => byMonth.get(monthOf(Number(ms)))!;
      for (const i of invoices) at(i.issued_at).revenueMinor += Number(i.total_minor);
      for (const n of credits) at(n.issued_at).revenueMinor -= Number(n.amount_minor);
      for (const c of completions) {
        const m = at(c.completed_at);
        m.costToServeMinor += Number(c.total_cost_minor);
        m.workOrders += 1;
      }
      for (const r of repeats) at(r.created_at).repeatFailures += 1;
      for (const a of answers) {
        const s = Number(a.score);
        const nps = at(a.responded_at).nps;
        if (s >= 9) nps.promoters++;
        else if (s >= 7) nps.passives++;
        else nps.detractors++;
      }
      for (const m of byMonth.values()) {
        const lastDay = new Date(monthStart(nextMonth(m.month)) - 86_400_000).toISOString().slice(0, 10);
        m.promptness = await promptnessOf(db, customerId, lastDay);
      }
      return [...byMonth.values()];
    },
  };
}

export type LeadsRepository = ReturnType<typeof leadsRepository>;
