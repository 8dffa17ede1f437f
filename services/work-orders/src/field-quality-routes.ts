import {
  ChecklistItem,
  ChecklistTemplateInput,
  ChecklistTemplateItem,
  Hazard,
  HazardInput,
  HazardPatch,
  ResponsibleDepartment,
  ReturnAnalysis,
  ReturnAnalysisInput,
  idOf,
} from '@hourmeter/domain';
import type { Repositories } from '@hourmeter/db';
import { actorOf, IdParams as Id } from '@hourmeter/http';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WorkOrderService } from './service.js';

export interface FieldQualityRouteDeps {
  workOrders: WorkOrderService;
  repos: Pick<Repositories, 'fieldQuality'>;
  clock?: (() => number) | undefined;
}

const PLANNER_ENGINEER = ['planner', 'engineer'] as const;
const ENGINEER = ['engineer'] as const;

/**
 * Issue 18, items 5-7: failure analysis of returned parts (RMA), installation
 * checklists (engineers keep the templates; planners and engineers tick) and
 * closed-loop hazard records (engineers own them; planners read).
 */
export function fieldQualityRoutes(app: FastifyInstance, deps: FieldQualityRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const fq = deps.repos.fieldQuality;
  const now = deps.clock ?? Date.now;

  // ---------------------------------------------------------------- returns (RMA)

  r.get('/work-orders/:id/return-analyses', {
    config: { allow: PLANNER_ENGINEER },
    schema: { tags: ['returns'], summary: "The RMA state of an order's returned defective units: disposition, failure analysis, quality-reserve charge", params: Id, response: { 200: z.object({ items: z.array(ReturnAnalysis) }) } },
    handler: async (req) => ({ items: await fq.returns.forWorkOrder(req.params.id) }),
  });

  r.post('/part-returns/:id/analysis', {
    config: { allow: PLANNER_ENGINEER },
    schema: {
      tags: ['returns'],
      summary: "Record a returned unit's disposition and failure analysis, once; a confirmed manufacturing defect charges the batch's quality reserve",
      params: z.object({ id: z.string().regex(/^ret_[0-9A-Z]{26}$/, 'a return id (ret_...)') }),
      body: ReturnAnalysisInput,
      response: { 200: ReturnAnalysis },
    },
    handler: async (req) => deps.workOrders.analyseReturn(req.params.id, req.body, actorOf(req)),
  });

  // ---------------------------------------------------------------- installation checklists

  const ModelParams = z.object({ assetModelId: idOf('assetModel') });
  r.get('/asset-models/:assetModelId/installation-checklist', {
    schema: { tags: ['installation'], summary: "An asset model's installation and commissioning checklist template", params: ModelParams, response: { 200: z.object({ items: z.array(ChecklistTemplateItem) }) } },
    handler: async (req) => ({ items: await fq.checklists.template(req.params.assetModelId) }),
  });
  r.put('/asset-models/:assetModelId/installation-checklist', {
    config: { allow: ENGINEER },
    schema: { tags: ['installation'], summary: 'Replace the template (orders already opened keep theirs)', params: ModelParams, body: ChecklistTemplateInput, response: { 200: z.object({ items: z.array(ChecklistTemplateItem) }) } },
    handler: async (req) => ({ items: await fq.checklists.putTemplate(req.params.assetModelId, req.body.items) }),
  });
  r.get('/work-orders/:id/checklist', {
    config: { allow: PLANNER_ENGINEER },
    schema: { tags: ['installation'], summary: "An installation order's checklist", params: Id, response: { 200: z.object({ items: z.array(ChecklistItem) }) } },
    handler: async (req) => ({ items: await fq.checklists.forWorkOrder(req.params.id) }),
  });
  r.post('/work-orders/:id/checklist/:code', {
    config: { allow: PLANNER_ENGINEER },
    schema: {
      tags: ['installation'],
      summary: 'Tick (done: true) or untick one item; completion is refused while a mandatory item is open',
      params: Id.extend({ code: z.string().min(1).max(40) }),
      body: z.object({ done: z.boolean() }),
      response: { 200: z.object({ items: z.array(ChecklistItem) }) },
    },
    handler: async (req) => ({ items: await fq.checklists.tick(req.params.id, req.params.code, req.body.done, actorOf(req), now()) }),
  });

  // ---------------------------------------------------------------- hazard records

  const HazardId = z.object({ id: z.string().regex(/^haz_[0-9A-Z]{26}$/, 'a hazard id (haz_...)') });
  r.get('/hazards', {
    config: { allow: PLANNER_ENGINEER },
    schema: {
      tags: ['hazards'],
      summary: 'Hazard records with their closed-loop fields and recurrence',
      querystring: z.object({ department: ResponsibleDepartment.optional(), assetModelId: idOf('assetModel').optional() }),
      response: { 200: z.object({ items: z.array(Hazard) }) },
    },
    handler: async (req) => ({ items: await fq.hazards.list(req.query) }),
  });
  r.post('/hazards', {
    config: { allow: ENGINEER },
    schema: { tags: ['hazards'], summary: 'Open a hazard record from a hazard-report line', body: HazardInput, response: { 201: Hazard } },
    handler: async (req, reply) => reply.status(201).send(await fq.hazards.create(req.body, actorOf(req), now())),
  });
  r.get('/hazards/:id', {
    config: { allow: PLANNER_ENGINEER },
    schema: { tags: ['hazards'], summary: 'Read a hazard record', params: HazardId, response: { 200: Hazard } },
    handler: async (req) => fq.hazards.get(req.params.id),
  });
  r.patch('/hazards/:id', {
    config: { allow: ENGINEER },
    schema: { tags: ['hazards'], summary: 'Edit root cause, actions, owner, due date of an unverified hazard', params: HazardId, body: HazardPatch, response: { 200: Hazard } },
    handler: async (req) => fq.hazards.update(req.params.id, req.body, now()),
  });
  r.post('/hazards/:id/verify', {
    config: { allow: ENGINEER },
    schema: { tags: ['hazards'], summary: 'Verify the corrective and preventive action (refused while fields are missing or after a recurrence)', params: HazardId, response: { 200: Hazard } },
    handler: async (req) => fq.hazards.verify(req.params.id, actorOf(req), now()),
  });
}
