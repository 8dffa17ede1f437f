import { createContractsService, createServiceProducts, contractRoutes, portalBillingRoutes, serviceProductRoutes, type ContractsService, type ServiceProducts } from '@hourmeter/contracts';
import type { Repositories } from '@hourmeter/db';
import type { EventSink } from '@hourmeter/events';
import { createPartsService, partsRoutes, type PartsService } from '@hourmeter/parts';
import {
  createPredictionService,
  createReliabilityService,
  createRulAdapter,
  createRulModelRegistry,
  firstRulEstimate,
  reliabilityRulEstimator,
  predictionRoutes,
  reliabilityRoutes,
  registryAssetContext,
  rulModelRoutes,
  type PredictionService,
  type ReliabilityService,
  type RulModelRegistry,
} from '@hourmeter/prediction';
import type { TelemetryStore } from '@hourmeter/telemetry-store';
import type { Logger } from '@hourmeter/runtime';
import {
  createDispatchService,
  createLeadService,
  createReportService,
  createRequestService,
  createWorkOrderService,
  dispatchRoutes,
  fieldServiceRoutes,
  leadRoutes,
  portalRequestRoutes,
  historyImportRoutes,
  workOrderRoutes,
  type LeadService,
  type RequestService,
  type WorkOrderService,
} from '@hourmeter/work-orders';
import type { FastifyInstance } from 'fastify';
import { reliabilityPricingPort } from './reliability-pricing-port.js';

/**
 * The service layer of the embedded process: work orders, parts, prediction
 * and contracts wired to each other through their ports, plus their API
 * routes. Work orders send the maintenance command through the broker and
 * resolve the alerts they addressed.
 */
export interface Services {
  contracts: ContractsService;
  parts: PartsService;
  workOrders: WorkOrderService;
  /** Service requests and complaints (issue 18); the customer portal calls its routes too. */
  requests: RequestService;
  prediction: PredictionService;
  rulModels: RulModelRegistry;
  reliability: ReliabilityService;
  /** Sales leads, NPS answers and the customer value index from data (issue #19). */
  leads: LeadService;
  /** Service sold as products: plans, quotes priced from reliability, renewals. */
  serviceProducts: ServiceProducts;
  routes: ((api: FastifyInstance) => void)[];
}

export interface ServiceDeps {
  repos: Repositories;
  logger: Logger;
  telemetry: TelemetryStore;
  /** Where C-MAPSS files are, for RUL training from them (optional). */
  cmapssDir?: string | undefined;
  /** Hours after a billing period ends before its invoice can be issued (HM_BILLING_GRACE_HOURS). */
  billingGraceHours?: number | undefined;
  /** HM_SLA_AT_RISK_PERCENT: share of a guarantee's allowed downtime from which a contract is announced at risk. */
  slaRiskPercent?: number | undefined;
  /** HM_RELIABILITY_CACHE_MS: how long reliability estimates reuse the records they are built from. */
  reliabilityCacheMs?: number | undefined;
  /** HM_RETURN_GRACE_DAYS: days before a part not returned is a gap (returns-by-technician report). */
  returnGraceDays?: number | undefined;
  /** HM_LEAD_PAYOUT_PERCENT: share of a won lead's value credited to its technician. */
  leadPayoutPercent?: number | undefined;
  /** Where alert and work-order events go (live updates, metrics). */
  events?: EventSink | undefined;
  /** Sends a command to a device (the broker's publishCommand). */
  publishCommand: (deviceId: string, payload: unknown) => Promise<void>;
}

export function createServices(deps: ServiceDeps): Services {
  const { repos, logger } = deps;
  // Contracts reads work-order facts only through its ports; the work-order tables stay behind the repository.
  const facts = repos.workOrderFacts;
  const contracts = createContractsService({
    repos,
    downtime: facts,
    work: facts,
    costs: facts,
    logger,
    graceMs: deps.billingGraceHours === undefined ? undefined : deps.billingGraceHours * 3_600_000,
    slaRiskPercent: deps.slaRiskPercent,
  });
  const parts = createPartsService({ repos, logger });
  const workOrders = createWorkOrderService({
    repos,
    logger,
    events: deps.events,
    parts,
    contracts: contracts.coverage,
    costRates: contracts.costRates,
    commands: {
      // The device command contract of `hm/v1/<id>/commands` (docs/integrations.md)
      async maintenanceCompleted(c) {
        const devices = await repos.devices.list({ filters: { assetId: c.assetId, status: 'active' }, limit: 500 });
        for (const d of devices.items) {
          await deps.publishCommand(d.id, { type: 'maintenance.completed', workOrderId: c.workOrderId, failureMode: c.failureMode });
        }
      },
    },
  });
  const requests = createRequestService({
    repos,
    workOrders,
    logger,
    contracts: contracts.coverage,
    invoices: {
      async customerOfInvoice(invoiceId) {
        try {
          return (await contracts.getInvoice(invoiceId)).customerId;
        } catch (err) {
          if ((err as { code?: string }).code === 'NOT_FOUND') return undefined;
          throw err;
        }
      },
    },
  });
  const rulModels = createRulModelRegistry({ repos, logger, telemetry: deps.telemetry, cmapssDir: deps.cmapssDir });
  const reliability = createReliabilityService({ repos, logger, telemetry: deps.telemetry, ...(deps.reliabilityCacheMs === undefined ? {} : { cacheMs: deps.reliabilityCacheMs }) });
  const assets = registryAssetContext(repos);
  const prediction = createPredictionService({
    alerts: repos.alerts,
    rulEstimates: repos.rulEstimates,
    assets,
    // The condition model where one is trained, else the population (Weibull) model.
    rul: firstRulEstimate(createRulAdapter({ registry: rulModels, assets }), reliabilityRulEstimator(reliability)),
    preventive: workOrders.preventivePort,
    logger,
    events: deps.events,
  });
  workOrders.onCompleted(async (wo) => {
    await prediction.resolveByWorkOrder({ workOrderId: wo.id });
    // A recorded failure may be the one that makes a reliability refit worthwhile;
    // the refit runs queued, after the completion has answered.
    reliability.onWorkOrderCompleted(wo).catch((err: unknown) => logger.error({ err, workOrderId: wo.id }, 'reliability refit failed'));
  });

  const leads = createLeadService({
    repos,
    logger,
    payoutPercent: deps.leadPayoutPercent ?? 2,
    ports: {
      // Availability against the guarantee as contracts measures it, averaged over the customer's PBH contracts in the month.
      async availability(customerId, month) {
        const last = new Date(Date.parse(`${month}-01T00:00:00Z`) + 31 * 86_400_000).toISOString().slice(0, 8) + '01';
        const { items } = await repos.contracts.list({ customerId, activeFrom: `${month}-01`, activeTo: last });
        const measured: { measuredPercent: number; guaranteePercent: number }[] = [];
        for (const c of items) {
          if (c.kind !== 'pbh') continue;
          const a = await contracts.availability(c.id, month).catch((err: unknown) => (logger.debug({ err, contractId: c.id, month }, 'no availability for the value index'), undefined));
          if (a) measured.push({ measuredPercent: a.availabilityPercent, guaranteePercent: a.guaranteePercent });
        }
        if (!measured.length) return null;
        return {
          measuredPercent: measured.reduce((s, a) => s + a.measuredPercent, 0) / measured.length,
          guaranteePercent: measured.reduce((s, a) => s + a.guaranteePercent, 0) / measured.length,
        };
      },
    },
  });
  const serviceProducts = createServiceProducts({ repos, contracts, reliability: reliabilityPricingPort(reliability), logger });

  const routes: ((api: FastifyInstance) => void)[] = [
    (api) => leadRoutes(api, { leads }),
    (api) => workOrderRoutes(api, { workOrders, reports: createReportService(repos, Date.now, { returnGraceDays: deps.returnGraceDays }), repos }),
    (api) => fieldServiceRoutes(api, { sla: workOrders.sla, requests }),
    (api) => portalRequestRoutes(api, { requests }),
    (api) => dispatchRoutes(api, { dispatch: createDispatchService({ repos, workOrders, logger }), repos }),
    (api) => partsRoutes(api, { parts, repos }),
    (api) => predictionRoutes(api, { prediction }),
    (api) => rulModelRoutes(api, { registry: rulModels }),
    (api) => reliabilityRoutes(api, { reliability }),
    (api) =>
      historyImportRoutes(api, {
        repos,
        // Imported failures count for the reliability refit like completed orders do.
        onImported: (failures) => {
          for (const f of failures) reliability.onWorkOrderCompleted({ ...f, kind: 'corrective' }).catch((err: unknown) => logger.error({ err }, 'reliability refit failed'));
        },
      }),
    (api) => contractRoutes(api, { contracts }),
    (api) => portalBillingRoutes(api, { contracts }),
    (api) => serviceProductRoutes(api, { products: serviceProducts }),
  ];
  return { contracts, parts, workOrders, requests, prediction, rulModels, reliability, leads, serviceProducts, routes };
}
