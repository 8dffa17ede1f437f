import { createContractsService, contractRoutes, workOrderFacts, type ContractsService } from '@hourmeter/contracts';
import type { Db, Repositories } from '@hourmeter/db';
import type { EventSink } from '@hourmeter/events';
import { createPartsService, partsRoutes, type PartsService } from '@hourmeter/parts';
import {
  createPredictionService,
  createRulAdapter,
  createRulModelRegistry,
  predictionRoutes,
  registryAssetContext,
  rulModelRoutes,
  type PredictionService,
  type RulModelRegistry,
} from '@hourmeter/prediction';
import type { TelemetryStore } from '@hourmeter/telemetry-store';
import type { Logger } from '@hourmeter/runtime';
import { createReportService, createWorkOrderService, workOrderRoutes, type WorkOrderService } from '@hourmeter/work-orders';
import type { FastifyInstance } from 'fastify';

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
  prediction: PredictionService;
  rulModels: RulModelRegistry;
  routes: ((api: FastifyInstance) => void)[];
}

export interface ServiceDeps {
  db: Db;
  repos: Repositories;
  logger: Logger;
  telemetry: TelemetryStore;
  /** Where C-MAPSS files are, for RUL training from them (optional). */
  cmapssDir?: string | undefined;
  /** Where alert and work-order events go (live updates, metrics). */
  events?: EventSink | undefined;
  /** Sends a command to a device (the broker's publishCommand). */
  publishCommand: (deviceId: string, payload: unknown) => Promise<void>;
}

export function createServices(deps: ServiceDeps): Services {
  const { db, repos, logger } = deps;
  const facts = workOrderFacts(db.kysely);
  const contracts = createContractsService({ repos, downtime: facts, work: facts, costs: facts, logger });
  const parts = createPartsService({ repos, logger });
  const workOrders = createWorkOrderService({
    repos,
    logger,
    events: deps.events,
    parts,
    contracts: contracts.coverage,
    costRates: contracts.costRates,
    commands: {
      // The device command contract of `hm/v1/<id>/commands` (see README).
      async maintenanceCompleted(c) {
        const devices = await repos.devices.list({ filters: { assetId: c.assetId, status: 'active' }, limit: 500 });
        for (const d of devices.items) {
          await deps.publishCommand(d.id, { type: 'maintenance.completed', workOrderId: c.workOrderId, failureMode: c.failureMode });
        }
      },
    },
  });
  const rulModels = createRulModelRegistry({ repos, logger, telemetry: deps.telemetry, cmapssDir: deps.cmapssDir });
  const assets = registryAssetContext(repos);
  const prediction = createPredictionService({
    alerts: repos.alerts,
    rulEstimates: repos.rulEstimates,
    assets,
    rul: createRulAdapter({ registry: rulModels, assets }),
    preventive: workOrders.preventivePort,
    logger,
    events: deps.events,
  });
  workOrders.onCompleted(async (wo) => {
    await prediction.resolveByWorkOrder({ workOrderId: wo.id });
  });

  const routes: ((api: FastifyInstance) => void)[] = [
    (api) => workOrderRoutes(api, { workOrders, reports: createReportService(repos), repos }),
    (api) => partsRoutes(api, { parts, repos }),
    (api) => predictionRoutes(api, { prediction }),
    (api) => rulModelRoutes(api, { registry: rulModels }),
    (api) => contractRoutes(api, { contracts }),
  ];
  return { contracts, parts, workOrders, prediction, rulModels, routes };
}
