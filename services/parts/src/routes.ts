import type { Repositories } from '@hourmeter/db';
import { Part, PartInput, PartNumber, PartRequest, PartReturn, PartReturnInput, StockMovement, StockTransfer, TransferState, Warehouse, WarehouseInput, WarehouseLevel, idOf } from '@hourmeter/domain';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, IdParams as Id, PageQuery as Page, pageOf } from '@hourmeter/http';
import { AppError } from '@hourmeter/runtime';
import type { PartsService } from './service.js';

export interface PartsRouteDeps {
  parts: PartsService;
  repos: Pick<Repositories, 'spareParts'>;
  clock?: (() => number) | undefined;
}

const PLANNER = ['planner'] as const;
const PLANNER_ENGINEER = ['planner', 'engineer'] as const;
const Level = z.object({
  warehouseId: z.string(),
  partId: z.string(),
  onHand: z.int(),
  reserved: z.int(),
  available: z.int(),
  reorderPoint: z.int(),
  reorderQuantity: z.int(),
});
const Qty = z.int().positive().max(1_000_000);

/**
 * Spare parts catalogue, warehouses, stock ledger, transfers, replenishment
 * and part requests for work orders (planner writes; every role reads).
 */
export function partsRoutes(app: FastifyInstance, deps: PartsRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const repo = deps.repos.spareParts;
  const now = deps.clock ?? Date.now;
  const tags = ['parts'];

  // ---------------------------------------------------------------- catalogue
  r.get('/parts', {
    schema: { tags, summary: 'List parts', querystring: Page.extend({ assetModelId: idOf('assetModel').optional(), partNumber: z.string().max(40).optional() }), response: { 200: pageOf(Part) } },
    handler: async (req) => {
      const { limit, cursor, ...filters } = req.query;
      return repo.parts.list({ limit, cursor, filters });
    },
  });
  r.post('/parts', {
    config: { allow: PLANNER },
    schema: { tags, summary: 'Add a part', body: PartInput, response: { 201: Part } },
    handler: async (req, reply) => reply.status(201).send(await repo.parts.create(req.body)),
  });
  r.get('/parts/fit-check', {
    schema: {
      tags,
      summary: 'Does this part number fit this asset? With the closest fitting part numbers when not',
      querystring: z.object({ assetId: idOf('asset'), partNumber: z.string().trim().toUpperCase().pipe(PartNumber) }),
      response: { 200: z.object({ fits: z.boolean(), part: Part.optional(), suggestions: z.array(z.string()), reason: z.string().optional() }) },
    },
    handler: async (req) => deps.parts.checkFitForAsset(req.query.assetId, req.query.partNumber),
  });
  r.get('/parts/:id', {
    schema: { tags, summary: 'Read a part', params: Id, response: { 200: Part } },
    handler: async (req) => repo.parts.get(req.params.id),
  });
  r.patch('/parts/:id', {
    config: { allow: PLANNER },
    schema: { tags, summary: 'Update a part', params: Id, body: PartInput.partial().omit({ fitsAssetModelIds: true }).extend({ fitsAssetModelIds: z.array(idOf('assetModel')).max(500).optional() }), response: { 200: Part } },
    handler: async (req) => repo.parts.update(req.params.id, Object.fromEntries(Object.entries(req.body).filter(([, v]) => v !== undefined))),
  });
  r.delete('/parts/:id', {
    config: { allow: PLANNER },
    schema: { tags, summary: 'Delete a part (refused while stock or orders refer to it)', params: Id },
    handler: async (req, reply) => {
      await repo.parts.remove(req.params.id);
      return reply.status(204).send();
    },
  });

  // ---------------------------------------------------------------- warehouses
  const wtags = ['warehouses'];
  r.get('/warehouses', {
    schema: { tags: wtags, summary: 'List locations', querystring: Page.extend({ level: WarehouseLevel.optional(), parentId: idOf('warehouse').optional() }), response: { 200: pageOf(Warehouse) } },
    handler: async (req) => {
      const { limit, cursor, ...filters } = req.query;
      return repo.warehouses.list({ limit, cursor, filters });
    },
  });
  r.post('/warehouses', {
    config: { allow: PLANNER },
    schema: { tags: wtags, summary: 'Add a location (central -> regional -> station)', body: WarehouseInput, response: { 201: Warehouse } },
    handler: async (req, reply) => reply.status(201).send(await repo.warehouses.create(req.body)),
  });
  r.get('/warehouses/:id', {
    schema: { tags: wtags, summary: 'Read a location', params: Id, response: { 200: Warehouse } },
    handler: async (req) => repo.warehouses.get(req.params.id),
  });
  r.delete('/warehouses/:id', {
    config: { allow: PLANNER },
    schema: { tags: wtags, summary: 'Delete a location (refused while referenced)', params: Id },
    handler: async (req, reply) => {
      await repo.warehouses.remove(req.params.id);
      return reply.status(204).send();
    },
  });

  // ---------------------------------------------------------------- stock
  const stags = ['stock'];
  r.get('/stock', {
    schema: { tags: stags, summary: 'Stock per location and part', querystring: z.object({ warehouseId: idOf('warehouse').optional(), partId: idOf('part').optional() }), response: { 200: z.object({ items: z.array(Level) }) } },
    handler: async (req) => ({ items: await repo.stock.levels(req.query) }),
  });
  r.post('/stock/movements', {
    config: { allow: PLANNER },
    schema: {
      tags: stags,
      summary: 'Record a receipt, adjustment (signed), reservation or release; 409 when the stock is not there. Stock that arrives sources backordered requests again, most urgent first',
      body: z.object({
        warehouseId: idOf('warehouse'),
        partId: idOf('part'),
        kind: z.enum(['receipt', 'adjustment', 'reservation', 'release']),
        quantity: z.int().min(-1_000_000).max(1_000_000),
        workOrderId: idOf('workOrder').optional(),
        note: z.string().max(500).optional(),
      }),
      response: { 201: Level },
    },
    handler: async (req, reply) => reply.status(201).send(await deps.parts.move({ ...req.body, note: req.body.note ?? actorOf(req), at: now() })),
  });
  r.get('/stock/movements', {
    schema: {
      tags: stags,
      summary: 'The stock ledger',
      querystring: z.object({ warehouseId: idOf('warehouse').optional(), partId: idOf('part').optional(), workOrderId: idOf('workOrder').optional() }),
      response: { 200: z.object({ items: z.array(StockMovement) }) },
    },
    handler: async (req) => ({ items: await repo.stock.movements(req.query) }),
  });
  r.put('/stock/reorder-points', {
    config: { allow: PLANNER },
    schema: {
      tags: stags,
      summary: 'Set the reorder point and lot of a part at a location',
      body: z.object({ warehouseId: idOf('warehouse'), partId: idOf('part'), reorderPoint: z.int().nonnegative(), reorderQuantity: z.int().nonnegative().default(0) }),
      response: { 200: Level },
    },
    handler: async (req) => repo.stock.setReorderPoint(req.body.warehouseId, req.body.partId, req.body.reorderPoint, req.body.reorderQuantity, now()),
  });
  r.get('/stock/replenishment', {
    schema: {
      tags: stags,
      summary: 'Locations at or below their reorder point, with suggested quantities',
      response: { 200: z.object({ items: z.array(z.object({ warehouseId: z.string(), partId: z.string(), available: z.int(), reorderPoint: z.int(), suggestedQuantity: z.int(), sourceWarehouseId: z.string().nullable() })) }) },
    },
    handler: async () => ({ items: await deps.parts.replenishment() }),
  });

  // ---------------------------------------------------------------- transfers
  const ttags = ['transfers'];
  r.get('/transfers', {
    schema: { tags: ttags, summary: 'Transfers between locations', querystring: z.object({ state: TransferState.optional(), toWarehouseId: idOf('warehouse').optional() }), response: { 200: z.object({ items: z.array(StockTransfer) }) } },
    handler: async (req) => ({ items: await repo.transfers.list(req.query) }),
  });
  r.post('/transfers', {
    config: { allow: PLANNER },
    schema: { tags: ttags, summary: 'Request a transfer (reserves at the source)', body: z.object({ partId: idOf('part'), fromWarehouseId: idOf('warehouse'), toWarehouseId: idOf('warehouse'), quantity: Qty }), response: { 201: StockTransfer } },
    handler: async (req, reply) => reply.status(201).send(await repo.transfers.request(req.body.partId, req.body.fromWarehouseId, req.body.toWarehouseId, req.body.quantity, now())),
  });
  r.post('/transfers/:id/ship', {
    config: { allow: PLANNER },
    schema: { tags: ttags, summary: 'requested -> shipped', params: Id, response: { 200: StockTransfer } },
    handler: async (req) => repo.transfers.ship(req.params.id, now()),
  });
  r.post('/transfers/:id/receive', {
    config: { allow: PLANNER },
    schema: { tags: ttags, summary: "shipped -> received (reserves for the work order's request at the destination; the rest serves backorders)", params: Id, response: { 200: StockTransfer } },
    handler: async (req) => deps.parts.receiveTransfer(req.params.id),
  });

  // ---------------------------------------------------------------- returns of a completed work order
  r.get('/work-orders/:id/returns', {
    schema: { tags, summary: 'Parts that came back from a work order (unused or the replaced defective units)', params: Id, response: { 200: z.object({ items: z.array(PartReturn) }) } },
    handler: async (req) => ({ items: await repo.returns.forWorkOrder(req.params.id) }),
  });
  r.post('/work-orders/:id/returns', {
    config: { allow: PLANNER_ENGINEER },
    schema: {
      tags,
      summary: 'Record parts coming back from a completed order: unused ones go back into stock at warehouseId, defective ones are the replaced units',
      params: Id,
      body: PartReturnInput.extend({ partNumber: z.string().trim().toUpperCase().pipe(PartNumber) }),
      response: { 201: PartReturn },
    },
    handler: async (req, reply) => {
      const { partNumber, ...rest } = req.body;
      const part = await repo.parts.findByNumber(partNumber);
      if (!part) throw new AppError('REFERENCE_NOT_FOUND', `partNumber: part number ${partNumber} does not exist`, { field: 'partNumber' });
      return reply.status(201).send(await repo.returns.record(req.params.id, { ...rest, partId: part.id }, actorOf(req), now()));
    },
  });

  // ---------------------------------------------------------------- part requests of a work order
  r.get('/work-orders/:id/parts', {
    schema: { tags, summary: "A work order's part requests", params: Id, response: { 200: z.object({ items: z.array(PartRequest) }) } },
    handler: async (req) => ({ items: await repo.requests.forWorkOrder(req.params.id) }),
  });
  r.post('/work-orders/:id/parts', {
    config: { allow: PLANNER },
    schema: {
      tags,
      summary: 'Reserve a part for a work order from the nearest location that has it (else transfer from a level up)',
      params: Id,
      body: z.object({ partNumber: z.string().trim().toUpperCase().pipe(PartNumber), quantity: Qty.default(1) }),
      response: { 201: PartRequest },
    },
    handler: async (req, reply) => reply.status(201).send(await deps.parts.reserveForWorkOrder({ workOrderId: req.params.id, ...req.body })),
  });
}
