import {
  Asset,
  AssetInput,
  AssetModel,
  AssetModelInput,
  AssetStatus,
  Customer,
  CustomerWriteInput,
  Currency,
  ProductionBatch,
  ProductionBatchInput,
  Site,
  SiteInput,
  idOf,
} from '@hourmeter/domain';
import type { Repositories } from '@hourmeter/db';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { registerCrud } from './crud.js';

/** Customers, sites, asset models, production batches and assets: the asset registry. */
export function registryRoutes(app: FastifyInstance, repos: Repositories): void {
  registerCrud(app, {
    path: 'customers',
    tag: 'customers',
    entity: Customer,
    input: CustomerWriteInput,
    filters: z.object({ currency: Currency.optional() }),
    repo: repos.customers,
    writers: ['account-manager'],
  });
  registerCrud(app, {
    path: 'sites',
    tag: 'sites',
    entity: Site,
    input: SiteInput,
    filters: z.object({ customerId: idOf('customer').optional() }),
    repo: repos.sites,
    writers: ['account-manager', 'planner'],
  });
  registerCrud(app, {
    path: 'asset-models',
    tag: 'asset-models',
    entity: AssetModel,
    input: AssetModelInput,
    filters: z.object({ code: z.string().max(64).optional() }),
    repo: repos.assetModels,
    writers: ['engineer'],
  });
  registerCrud(app, {
    path: 'production-batches',
    tag: 'production-batches',
    entity: ProductionBatch,
    input: ProductionBatchInput,
    filters: z.object({ assetModelId: idOf('assetModel').optional() }),
    repo: repos.productionBatches,
    writers: ['engineer'],
  });
  registerCrud(app, {
    path: 'assets',
    tag: 'assets',
    entity: Asset,
    input: AssetInput,
    filters: z.object({
      siteId: idOf('site').optional(),
      customerId: idOf('customer').optional(),
      assetModelId: idOf('assetModel').optional(),
      productionBatchId: idOf('productionBatch').optional(),
      status: AssetStatus.optional(),
      serialNumber: z.string().max(64).optional(),
    }),
    repo: repos.assets,
    writers: ['planner'],
  });
}
