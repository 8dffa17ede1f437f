import type { Kysely, Selectable } from 'kysely';
import type { Database, ServiceProductsTable, ServiceQuotesTable } from '../schema.js';
import { appendToOutbox, type OutboxEnvelope } from './outbox.js';
import { serviceId } from './service-ids.js';

export type ServiceProductKind = 'extended_warranty' | 'inspection_plan' | 'remote_monitoring' | 'training';
export type ServiceQuoteStatus = 'quoted' | 'accepted' | 'declined' | 'expired' | 'renewed';

export interface ServiceProductRecord {
  id: string;
  assetModelId: string;
  kind: ServiceProductKind;
  name: string;
  currency: string;
  termMonths: number;
  priceMinor: number;
  marginPercent: number;
  defaultFailureCostMinor: number;
  eligibility: Record<string, unknown>;
  reminderDays: number;
  active: boolean;
  createdAt: number;
  updatedAt: number;
}

export type ServiceProductFields = Omit<ServiceProductRecord, 'id' | 'createdAt' | 'updatedAt'>;

export interface ServiceQuoteRecord {
  id: string;
  productId: string;
  customerId: string;
  assetIds: string[];
  status: ServiceQuoteStatus;
  startsOn: string;
  endsOn: string;
  currency: string;
  totalMinor: number;
  working: unknown;
  validUntil: number;
  renewalOfId: string | null;
  contractId: string | null;
  decidedAt: number | null;
  decidedBy: string | null;
  remindedAt: number | null;
  createdAt: number;
}

export type NewServiceQuote = Pick<ServiceQuoteRecord, 'productId' | 'customerId' | 'assetIds' | 'startsOn' | 'endsOn' | 'currency' | 'totalMinor' | 'working' | 'validUntil' | 'renewalOfId'>;

const product = (r: Selectable<ServiceProductsTable>): ServiceProductRecord => ({
  id: r.id,
  assetModelId: r.asset_model_id,
  kind: r.kind as ServiceProductKind,
  name: r.name,
  currency: r.currency,
  termMonths: Number(r.term_months),
  priceMinor: Number(r.price_minor),
  marginPercent: Number(r.margin_percent),
  defaultFailureCostMinor: Number(r.default_failure_cost_minor),
  eligibility: JSON.parse(r.eligibility) as Record<string, unknown>,
  reminderDays: Number(r.reminder_days),
  active: Number(r.active) === 1,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const quote = (r: Selectable<ServiceQuotesTable>): ServiceQuoteRecord => ({
  id: r.id,
  productId: r.product_id,
  customerId: r.customer_id,
  assetIds: JSON.parse(r.asset_ids) as string[],
  status: r.status as ServiceQuoteStatus,
  startsOn: r.starts_on,
  endsOn: r.ends_on,
  currency: r.currency,
  totalMinor: Number(r.total_minor),
  working: JSON.parse(r.working) as unknown,
  validUntil: Number(r.valid_until),
  renewalOfId: r.renewal_of_id,
  contractId: r.contract_id,
  decidedAt: r.decided_at === null ? null : Number(r.decided_at),
  decidedBy: r.decided_by,
  remindedAt: r.reminded_at === null ? null : Number(r.reminded_at),
  createdAt: Number(r.created_at),
});

const productRow = (f: ServiceProductFields) => ({
  asset_model_id: f.assetModelId,
  kind: f.kind,
  name: f.name,
  currency: f.currency,
  term_months: f.termMonths,
  price_minor: f.priceMinor,
  margin_percent: f.marginPercent,
  default_failure_cost_minor: f.defaultFailureCostMinor,
  eligibility: JSON.stringify(f.eligibility),
  reminder_days: f.reminderDays,
  active: f.active ? 1 : 0,
});

/**
 * Service products and their quotes (migration 0029). Stores rows; the
 * contracts service's products module decides (eligibility, price, which
 * transition is legal). A decision is a compare-and-set on the status, so two
 * people accepting the same quote at once cannot both win.
 */
export function serviceProductRepository(db: Kysely<Database>) {
  return {
    async createProduct(f: ServiceProductFields, now: number): Promise<ServiceProductRecord> {
      const id = serviceId('svp', now);
      await db.insertInto('service_products').values({ id, ...productRow(f), created_at: now, updated_at: now }).execute();
      return (await this.product(id))!;
    },

    async updateProduct(id: string, f: ServiceProductFields, now: number): Promise<ServiceProductRecord | undefined> {
      await db.updateTable('service_products').set({ ...productRow(f), updated_at: now }).where('id', '=', id).execute();
      return this.product(id);
    },

    async product(id: string): Promise<ServiceProductRecord | undefined> {
      const r = await db.selectFrom('service_products').selectAll().where('id', '=', id).executeTakeFirst();
      return r && product(r);
    },

    async products(assetModelId?: string): Promise<ServiceProductRecord[]> {
      let q = db.selectFrom('service_products').selectAll().orderBy('name').orderBy('id');
      if (assetModelId) q = q.where('asset_model_id', '=', assetModelId);
      return (await q.execute()).map(product);
    },

    async createQuote(q: NewServiceQuote, now: number): Promise<ServiceQuoteRecord> {
      const id = serviceId('svq', now);
      await db
        .insertInto('service_quotes')
        .values({
          id,
          product_id: q.productId,
          customer_id: q.customerId,
          asset_ids: JSON.stringify(q.assetIds),
          status: 'quoted',
          starts_on: q.startsOn,
          ends_on: q.endsOn,
          currency: q.currency,
          total_minor: q.totalMinor,
          working: JSON.stringify(q.working),
          valid_until: q.validUntil,
          renewal_of_id: q.renewalOfId,
          contract_id: null,
          decided_at: null,
          decided_by: null,
          reminded_at: null,
          created_at: now,
        })
        .execute();
      return (await this.quote(id))!;
    },

    async quote(id: string): Promise<ServiceQuoteRecord | undefined> {
      const r = await db.selectFrom('service_quotes').selectAll().where('id', '=', id).executeTakeFirst();
      return r && quote(r);
    },

    async quotes(filter: { customerId?: string | undefined; status?: ServiceQuoteStatus | undefined } = {}): Promise<ServiceQuoteRecord[]> {
      let q = db.selectFrom('service_quotes').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
      if (filter.customerId) q = q.where('customer_id', '=', filter.customerId);
      if (filter.status) q = q.where('status', '=', filter.status);
      return (await q.execute()).map(quote);
    },

    /**
     * Moves a quote from `from` to `to`; false when it was no longer in `from`
     * (someone decided first). `contractId` and `renewed` (the agreement a
     * renewal replaces, moved to `renewed`) are written in the same transaction.
     */
    async decide(id: string, from: ServiceQuoteStatus, to: ServiceQuoteStatus, by: string, at: number, extra: { contractId?: string | undefined; renewed?: string | undefined } = {}): Promise<boolean> {
      return db.transaction().execute(async (tx) => {
        const res = await tx
          .updateTable('service_quotes')
          .set({ status: to, decided_at: at, decided_by: by, ...(extra.contractId ? { contract_id: extra.contractId } : {}) })
          .where('id', '=', id)
          .where('status', '=', from)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return false;
        if (extra.renewed) await tx.updateTable('service_quotes').set({ status: 'renewed' }).where('id', '=', extra.renewed).where('status', '=', 'accepted').execute();
        return true;
      });
    },

    /** Accepted agreements ending on or before `endsBy` (ISO day), not yet renewed. */
    async endingBy(endsBy: string): Promise<ServiceQuoteRecord[]> {
      const rows = await db.selectFrom('service_quotes').selectAll().where('status', '=', 'accepted').where('ends_on', '<=', endsBy).orderBy('ends_on').orderBy('id').execute();
      return rows.map(quote);
    },

    /**
     * What one failure of each mode has cost on this asset model: the mean of
     * parts + labour + travel over the completed corrective work orders of the
     * mode, in `currency` (orders costed in another currency are left out).
     */
    async failureModeCosts(assetModelId: string, currency: string): Promise<{ failureMode: string; orders: number; averageCostMinor: number }[]> {
      const rows = await db
        .selectFrom('work_order_completions as c')
        .innerJoin('work_orders as w', 'w.id', 'c.work_order_id')
        .innerJoin('assets as a', 'a.id', 'w.asset_id')
        .select(['w.failure_mode', 'c.parts_cost_minor', 'c.labour_cost_minor', 'c.travel_cost_minor'])
        .where('a.asset_model_id', '=', assetModelId)
        .where('w.state', '=', 'completed')
        .where('w.kind', '=', 'corrective')
        .where('w.failure_mode', 'is not', null)
        .where('c.currency', '=', currency)
        .execute();
      const byMode = new Map<string, { orders: number; sum: number }>();
      for (const r of rows) {
        const m = byMode.get(r.failure_mode!) ?? { orders: 0, sum: 0 };
        m.orders += 1;
        m.sum += Number(r.parts_cost_minor) + Number(r.labour_cost_minor) + Number(r.travel_cost_minor);
        byMode.set(r.failure_mode!, m);
      }
      return [...byMode].map(([failureMode, m]) => ({ failureMode, orders: m.orders, averageCostMinor: Math.round(m.sum / m.orders) }));
    },

    /** Marks the renewal announced with its outbox event, once; undefined when it already was. */
    async remind(id: string, data: unknown, at: number): Promise<OutboxEnvelope | undefined> {
      return db.transaction().execute(async (tx) => {
        const res = await tx.updateTable('service_quotes').set({ reminded_at: at }).where('id', '=', id).where('reminded_at', 'is', null).executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return undefined;
        return appendToOutbox(tx, 'service-product.renewal_due', data, at);
      });
    },
  };
}

export type ServiceProductRepository = ReturnType<typeof serviceProductRepository>;
