import {
  newId,
  type ComplaintCause,
  type RequestChannel,
  type RequestState,
  type RequestType,
  type ServiceRequest,
  type WorkOrder,
  type WorkOrderInput,
} from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database, ServiceRequestsTable } from '../schema.js';
import { DEFAULT_PAGE, MAX_PAGE, type Page } from './crud.js';
import { workOrderRepository, type CreateOptions } from './work-orders.js';

export interface ServiceRequestFilters {
  customerId?: string | undefined;
  assetId?: string | undefined;
  state?: RequestState | undefined;
  type?: RequestType | undefined;
  channel?: RequestChannel | undefined;
}

/** A request as the service has validated it (customer derived from the asset, cause checked). */
export interface NewServiceRequest {
  type: RequestType;
  assetId: string;
  customerId: string;
  symptom: string;
  contact: string;
  channel: RequestChannel;
  cause?: ComplaintCause | undefined;
  receivedAt: number;
  createdBy: string;
}

/** What the request reports read: one row per request, with the asset's site region. */
export interface RequestFact {
  id: string;
  type: RequestType;
  state: RequestState;
  customerId: string;
  serviceRegion: string | undefined;
  assetModelId: string;
  receivedAt: number;
  triagedAt: number | undefined;
  workOrderCompletedAt: number | undefined;
}

/** An asset with what decides whether it is under service (warranty here; contracts through their port). */
export interface ServicedAssetFact {
  assetId: string;
  customerId: string;
  commissionedOn: string;
  warrantyEndsOn: string;
}

function causeOf(r: Selectable<ServiceRequestsTable>): ComplaintCause | undefined {
  if (r.cause_kind === 'work_order') return { kind: 'work_order', workOrderId: r.cause_work_order_id! };
  if (r.cause_kind === 'invoice') return { kind: 'invoice', invoiceId: r.cause_invoice_id! };
  if (r.cause_kind === 'other') return { kind: 'other', note: r.cause_note ?? '' };
  return undefined;
}

export function serviceRequestFromRow(r: Selectable<ServiceRequestsTable>): ServiceRequest {
  const cause = causeOf(r);
  return {
    id: r.id,
    type: r.type as RequestType,
    state: r.state as RequestState,
    assetId: r.asset_id,
    customerId: r.customer_id,
    symptom: r.symptom,
    contact: r.contact,
    channel: r.channel as RequestChannel,
    ...(cause ? { cause } : {}),
    receivedAt: Number(r.received_at),
    createdBy: r.created_by,
    ...(r.work_order_id ? { workOrderId: r.work_order_id } : {}),
    ...(r.outcome ? { outcome: r.outcome } : {}),
    ...(r.triaged_by ? { triagedBy: r.triaged_by } : {}),
    ...(r.triaged_at !== null ? { triagedAt: Number(r.triaged_at) } : {}),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/**
 * Service requests and complaints with their triage. A request is triaged
 * once: the state moves from `new` only if it is still `new` (two planners
 * triaging the same request: the second gets ILLEGAL_TRANSITION).
 */
export function serviceRequestRepository(db: Kysely<Database>) {
  const orders = workOrderRepository(db);

  async function write<R>(fn: (tx: Transaction<Database>) => Promise<R>): Promise<R> {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      throw translateDbError(err, 'service request');
    }
  }

  async function get(id: string, ex: Kysely<Database> | Transaction<Database> = db): Promise<ServiceRequest> {
    const r = await ex.selectFrom('service_requests').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('service request', id);
    return serviceRequestFromRow(r);
  }

  async function claim(tx: Transaction<Database>, id: string, to: RequestState, set: { work_order_id?: string; outcome?: string }, actor: string, at: number) {
    const res = await tx
      .updateTable('service_requests')
      .set({ state: to, ...set, triaged_by: actor, triaged_at: at, updated_at: at })
      .where('id', '=', id)
      .where('state', '=', 'new')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      const now = await get(id, tx);
      throw new AppError('ILLEGAL_TRANSITION', `service request ${id} is already triaged (${now.state})`);
    }
  }

  return {
    get,

    async create(r: NewServiceRequest, at: number): Promise<ServiceRequest> {
      return write(async (tx) => {
        const id = newId('serviceRequest', at);
        await tx
          .insertInto('service_requests')
          .values({
            id,
            type: r.type,
            state: 'new',
            asset_id: r.assetId,
            customer_id: r.customerId,
            symptom: r.symptom,
            contact: r.contact,
            channel: r.channel,
            cause_kind: r.cause?.kind ?? null,
            cause_work_order_id: r.cause?.kind === 'work_order' ? r.cause.workOrderId : null,
            cause_invoice_id: r.cause?.kind === 'invoice' ? r.cause.invoiceId : null,
            cause_note: r.cause?.kind === 'other' ? r.cause.note : null,
            received_at: r.receivedAt,
            created_by: r.createdBy,
            work_order_id: null,
            outcome: null,
            triaged_by: null,
            triaged_at: null,
            created_at: at,
            updated_at: at,
          })
          .execute();
        return get(id, tx);
      });
    },

    /** Newest first. */
    async list(opts: { limit?: number | undefined; cursor?: string | undefined; filters?: ServiceRequestFilters | undefined } = {}): Promise<Page<ServiceRequest>> {
      const limit = Math.min(Math.max(opts.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
      let q = db.selectFrom('service_requests').selectAll().orderBy('id', 'desc').limit(limit + 1);
      if (opts.cursor) q = q.where('id', '<', opts.cursor);
      const f = opts.filters ?? {};
      if (f.customerId) q = q.where('customer_id', '=', f.customerId);
      if (f.assetId) q = q.where('asset_id', '=', f.assetId);
      if (f.state) q = q.where('state', '=', f.state);
      if (f.type) q = q.where('type', '=', f.type);
      if (f.channel) q = q.where('channel', '=', f.channel);
      const rows = await q.execute();
      return { items: rows.slice(0, limit).map(serviceRequestFromRow), nextCursor: rows.length > limit ? rows[limit - 1]!.id : null };
    },

    /** Triage into a new work order: the order and the request's state in one transaction. */
    toWorkOrder(id: string, input: WorkOrderInput, o: CreateOptions): Promise<{ request: ServiceRequest; workOrder: WorkOrder }> {
      return write(async (tx) => {
        const before = await get(id, tx);
        if (before.state !== 'new') throw new AppError('ILLEGAL_TRANSITION', `service request ${id} is already triaged (${before.state})`);
        const workOrder = await orders.insertWithin(tx, input, o);
        await claim(tx, id, 'work_order', { work_order_id: workOrder.id }, o.actor, o.now);
        return { request: await get(id, tx), workOrder };
      });
    },

    resolveRemotely(id: string, outcome: string, actor: string, at: number): Promise<ServiceRequest> {
      return write(async (tx) => (await claim(tx, id, 'resolved_remotely', { outcome }, actor, at), get(id, tx)));
    },

    reject(id: string, reason: string, actor: string, at: number): Promise<ServiceRequest> {
      return write(async (tx) => (await claim(tx, id, 'rejected', { outcome: reason }, actor, at), get(id, tx)));
    },

    /** Requests received before `to`, with the asset's site region and, for those turned into an order, the order's completion. */
    /** Complaints a customer raised in [from, to) (received time): the value index's complaints component. */
    async complaintCount(customerId: string, from: number, to: number): Promise<number> {
      const row = await db
        .selectFrom('service_requests')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('customer_id', '=', customerId)
        .where('type', '=', 'complaint')
        .where('received_at', '>=', from)
        .where('received_at', '<', to)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async facts(to: number): Promise<RequestFact[]> {
      const rows = await db
        .selectFrom('service_requests')
        .innerJoin('assets', 'assets.id', 'service_requests.asset_id')
        .innerJoin('sites', 'sites.id', 'assets.site_id')
        .leftJoin('work_orders', 'work_orders.id', 'service_requests.work_order_id')
        .select([
          'service_requests.id',
          'service_requests.type',
          'service_requests.state',
          'service_requests.customer_id',
          'sites.service_region',
          'assets.asset_model_id',
          'service_requests.received_at',
          'service_requests.triaged_at',
          'work_orders.completed_at',
        ])
        .where('service_requests.received_at', '<', to)
        .orderBy('service_requests.id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        type: r.type as RequestType,
        state: r.state as RequestState,
        customerId: r.customer_id,
        serviceRegion: r.service_region ?? undefined,
        assetModelId: r.asset_model_id,
        receivedAt: Number(r.received_at),
        triagedAt: r.triaged_at === null ? undefined : Number(r.triaged_at),
        workOrderCompletedAt: r.completed_at === null ? undefined : Number(r.completed_at),
      }));
    },

    /** Every asset with its current owner and warranty end (the complaint rate's denominator is drawn from these). */
    async servicedAssetFacts(): Promise<ServicedAssetFact[]> {
      const rows = await db
        .selectFrom('assets')
        .innerJoin('sites', 'sites.id', 'assets.site_id')
        .select(['assets.id', 'sites.customer_id', 'assets.commissioned_on', 'assets.warranty_ends_on'])
        .where('assets.status', '=', 'active')
        .orderBy('assets.id')
        .execute();
      return rows.map((r) => ({ assetId: r.id, customerId: r.customer_id, commissionedOn: r.commissioned_on, warrantyEndsOn: r.warranty_ends_on }));
    },
  };
}

export type ServiceRequestRepository = ReturnType<typeof serviceRequestRepository>;
