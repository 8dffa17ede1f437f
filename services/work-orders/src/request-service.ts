import type { Repositories, ServiceRequestFilters } from '@hourmeter/db';
import type { CustomerClass, PortalServiceRequestInput, ServiceRequest, ServiceRequestInput, TriageInput, WorkOrder } from '@hourmeter/domain';
import { AppError, notFound, type Logger } from '@hourmeter/runtime';
import { complaintRate, monthsBetween, remoteResolutionShare, resolvedAtOf } from './core/request-kpis.js';
import { monthOf } from './core/reports.js';
import { customerClassOf } from './core/sla-clock.js';
import { customerValueIndex } from './core/value-index.js';
import { NO_CONTRACT_COVERAGE, type ContractCoverage, type InvoiceOwners } from './ports.js';
import type { WorkOrderService } from './service.js';

export type RequestRepos = Pick<Repositories, 'serviceRequests' | 'assets' | 'sites' | 'customers' | 'workOrders'>;

export interface RequestServiceDeps {
  repos: RequestRepos;
  workOrders: WorkOrderService;
  logger: Logger;
  contracts?: ContractCoverage | undefined;
  invoices?: InvoiceOwners | undefined;
  clock?: (() => number) | undefined;
}

/**
 * Service requests and complaints (issue 18, item 4): intake (the asset must
 * be the requesting customer's), triage into a work order, a remote
 * resolution or a rejection, and their KPIs.
 */
export function createRequestService(deps: RequestServiceDeps) {
  const repo = deps.repos.serviceRequests;
  const now = deps.clock ?? Date.now;
  const contracts = deps.contracts ?? NO_CONTRACT_COVERAGE;
  const log = deps.logger.child({ svc: 'service-requests' });

  /**
   * How a reference the requesting customer may not use is answered. Staff
   * intake (`refuse`) names the problem; the portal (`hide`) answers "not
   * found" whether the record is another customer's or does not exist, so a
   * customer user learns nothing of another customer's ids.
   */
  type Foreign = 'refuse' | 'hide';

  async function ownerOf(assetId: string, foreign: Foreign = 'refuse'): Promise<{ customerId: string; serialNumber: string }> {
    const asset = await deps.repos.assets.find(assetId);
    if (!asset) {
      if (foreign === 'hide') throw notFound('asset', assetId);
      throw new AppError('REFERENCE_NOT_FOUND', `assetId: asset ${assetId} does not exist`, { field: 'assetId', id: assetId });
    }
    const site = await deps.repos.sites.get(asset.siteId);
    return { customerId: site.customerId, serialNumber: asset.serialNumber };
  }

  async function checkCause(input: ServiceRequestInput, customerId: string, foreign: Foreign) {
    const cause = input.cause;
    if (!cause || cause.kind === 'other') return;
    if (cause.kind === 'work_order') {
      const wo = await deps.repos.workOrders.find(cause.workOrderId);
      const mine = wo !== undefined && (await ownerOf(wo.assetId)).customerId === customerId;
      if (mine) return;
      if (foreign === 'hide') throw notFound('work order', cause.workOrderId);
      if (!wo) throw new AppError('REFERENCE_NOT_FOUND', `cause.workOrderId: work order ${cause.workOrderId} does not exist`, { field: 'cause.workOrderId' });
      throw new AppError('VALIDATION_FAILED', `cause.workOrderId: work order ${cause.workOrderId} was not done for this customer`, { field: 'cause.workOrderId' });
    }
    if (!deps.invoices) {
      // A portal complaint must not name an invoice nobody can vouch is the customer's.
      if (foreign === 'hide') throw notFound('invoice', cause.invoiceId);
      return;
    }
    const owner = await deps.invoices.customerOfInvoice(cause.invoiceId);
    if (owner === customerId) return;
    if (foreign === 'hide') throw notFound('invoice', cause.invoiceId);
    if (!owner) throw new AppError('REFERENCE_NOT_FOUND', `cause.invoiceId: invoice ${cause.invoiceId} does not exist`, { field: 'cause.invoiceId' });
    throw new AppError('VALIDATION_FAILED', `cause.invoiceId: invoice ${cause.invoiceId} is not this customer's`, { field: 'cause.invoiceId' });
  }

  /** Requests with their asset's serial number, looked up once per asset. */
  async function withSerials(requests: readonly ServiceRequest[]): Promise<{ request: ServiceRequest; serialNumber: string }[]> {
    const serials = new Map<string, string>();
    for (const id of new Set(requests.map((r) => r.assetId))) serials.set(id, (await deps.repos.assets.find(id))?.serialNumber ?? id);
    return requests.map((request) => ({ request, serialNumber: serials.get(request.assetId)! }));
  }

  /** Records a validated request; the customer is always the asset's owner. */
  async function record(input: ServiceRequestInput, actor: string, foreign: Foreign): Promise<ServiceRequest> {
    const at = now();
    const owner = await ownerOf(input.assetId, foreign);
    if (input.customerId !== undefined && input.customerId !== owner.customerId) {
      if (foreign === 'hide') throw notFound('asset', input.assetId);
      throw new AppError('VALIDATION_FAILED', `assetId: asset ${owner.serialNumber} is not owned by customer ${input.customerId}; a customer can ask for service only on its own assets`, {
        field: 'assetId',
      });
    }
    if (input.receivedAt !== undefined && input.receivedAt > at) {
      throw new AppError('VALIDATION_FAILED', 'receivedAt: must not be in the future', { field: 'receivedAt' });
    }
    await checkCause(input, owner.customerId, foreign);
    const request = await repo.create(
      { type: input.type, assetId: input.assetId, customerId: owner.customerId, symptom: input.symptom, contact: input.contact, channel: input.channel, cause: input.cause, receivedAt: input.receivedAt ?? at, createdBy: actor },
      at,
    );
    log.info({ requestId: request.id, type: request.type, channel: request.channel }, 'service request recorded');
    return request;
  }

  /** Customer class per customer at an instant (the value index moves with time: loyalty). */
  async function classesAt(customerIds: Iterable<string>, at: number): Promise<Map<string, CustomerClass>> {
    const out = new Map<string, CustomerClass>();
    for (const id of new Set(customerIds)) out.set(id, customerClassOf(customerValueIndex((await deps.repos.customers.get(id)).value, at, deps.workOrders.config.valueIndex)));
    return out;
  }

  return {
    /**
     * Records a request (staff intake). Its customer is the asset's owner; a
     * caller naming another customer is refused.
     */
    create: (input: ServiceRequestInput, actor: string): Promise<ServiceRequest> => record(input, actor, 'refuse'),

    /**
     * A customer user's request from the portal: the customer is the
     * caller's, the channel `portal`, received now. Another customer's asset,
     * work order or invoice is "not found" and nothing is stored.
     */
    createForCustomer: (customerId: string, input: PortalServiceRequestInput, actor: string): Promise<ServiceRequest> =>
      record({ ...input, customerId, channel: 'portal', receivedAt: undefined }, actor, 'hide'),

    /** A customer's own requests, newest first, with each asset's serial number (what the customer calls it). */
    async listOfCustomer(customerId: string, opts: { limit?: number | undefined; cursor?: string | undefined; filters?: Omit<ServiceRequestFilters, 'customerId'> }) {
      const page = await repo.list({ limit: opts.limit, cursor: opts.cursor, filters: { ...opts.filters, customerId } });
      return { items: await withSerials(page.items), nextCursor: page.nextCursor };
    },

    withSerials,

    get: (id: string) => repo.get(id),
    list: (opts: { limit?: number | undefined; cursor?: string | undefined; filters?: ServiceRequestFilters }) => repo.list(opts),

    /** Triage a new request: into a work order (with the SLA it is entitled to), resolved remotely, or rejected. */
    async triage(id: string, t: TriageInput, actor: string): Promise<{ request: ServiceRequest; workOrder?: WorkOrder }> {
      if (t.action === 'resolve_remotely') return { request: await repo.resolveRemotely(id, t.outcome, actor, now()) };
      if (t.action === 'reject') return { request: await repo.reject(id, t.reason, actor, now()) };
      const request = await repo.get(id);
      const input = {
        kind: t.kind,
        assetId: request.assetId,
        severity: t.severity,
        priority: t.priority,
        failureMode: t.failureMode,
        description: `${request.type === 'complaint' ? 'Complaint' : 'Service request'} ${request.id} (${request.channel}, ${request.contact}): ${request.symptom}`.slice(0, 2000),
        reason: `from service request ${request.id}`,
      };
      const res = await repo.toWorkOrder(id, input, await deps.workOrders.createOptionsFor(input, actor));
      deps.workOrders.announceCreated(res.workOrder);
      return res;
    },

    /**
     * Complaints per 1,000 assets under service, by customer class and month.
     * An asset is under service in a month when, on the month's last day (or
     * the period's end, if earlier), it is commissioned and in warranty or
     * covered by a contract. Class: the owner's, from its value index then.
     */
    async complaintRate(from: number, to: number) {
      const months = monthsBetween(from, to);
      const facts = (await repo.facts(to)).filter((f) => f.type === 'complaint' && f.receivedAt >= from);
      const assets = await repo.servicedAssetFacts();
      const customers = new Set([...facts.map((f) => f.customerId), ...assets.map((a) => a.customerId)]);
      const complaints = [];
      const underService = [];
      for (const m of months) {
        const at = Math.min(m.end, to) - 1;
        const day = new Date(at).toISOString().slice(0, 10);
        const classes = await classesAt(customers, at);
        for (const f of facts) if (monthOf(f.receivedAt) === m.month) complaints.push({ month: m.month, customerClass: classes.get(f.customerId)! });
        for (const a of assets) {
          if (a.commissionedOn > day) continue;
          if (a.warrantyEndsOn >= day || (await contracts.coveringContract(a.assetId, at)) !== undefined) underService.push({ month: m.month, customerClass: classes.get(a.customerId)! });
        }
      }
      return { from, to, rows: complaintRate(complaints, underService) };
    },

    /** Remotely resolved / all resolved requests by the asset site's service region and month (the dispatch KPIs read it). */
    async remoteResolutionShare(from: number, to: number) {
      const facts = (await repo.facts(to)).map((f) => ({
        type: f.type,
        state: f.state,
        region: f.serviceRegion,
        resolvedAt: resolvedAtOf(f),
      }));
      return { from, to, rows: remoteResolutionShare(facts, from, to) };
    },
  };
}

export type RequestService = ReturnType<typeof createRequestService>;
