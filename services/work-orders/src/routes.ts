import {
  FailureCode,
  FailureCodeInput,
  FailureCodeKind,
  MaintenanceSchedule,
  MaintenanceScheduleInput,
  Severity,
  WorkOrder,
  WorkOrderCompletion,
  WorkOrderCompletionInput,
  WorkOrderEvent,
  WorkOrderInput,
  WorkOrderKind,
  WorkOrderScheduleInput,
  WorkOrderState,
  idOf,
} from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import type { Repositories } from '@hourmeter/db';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toCsv } from './core/csv.js';
import { actorOf, IdParams as Id, PageQuery as Page, pageOf } from '@hourmeter/http';
import { REPORT_NAMES, type ReportService } from './report-service.js';
import type { WorkOrderService } from './service.js';
import { fieldQualityRoutes } from './field-quality-routes.js';

export interface WorkOrderRouteDeps {
  workOrders: WorkOrderService;
  reports: ReportService;
  repos: Pick<Repositories, 'workOrders' | 'fieldQuality'>;
  clock?: (() => number) | undefined;
}

const PLANNER = ['planner'] as const;
const PLANNER_ENGINEER = ['planner', 'engineer'] as const;
const ENGINEER = ['engineer'] as const;


const OpenPreventiveBody = z.object({
  assetId: idOf('asset'),
  failureMode: z.string().trim().min(1).max(64),
  alertId: idOf('alert').optional(),
  reason: z.string().min(1).max(2000),
  suggestedPartNumbers: z.array(z.string().max(40)).max(20).optional(),
  rulHours: z.number().nonnegative().optional(),
  severity: Severity.optional(),
  slaDueAt: z.int().nonnegative().optional(),
});

/** `2026-01-01` (UTC midnight) or epoch ms. */
const Instant = z.union([z.iso.date().transform((d) => Date.parse(`${d}T00:00:00Z`)), z.coerce.number().int().nonnegative()]);
const ReportQuery = z.object({
  from: Instant.optional().describe('start (inclusive): YYYY-MM-DD or epoch ms; default 365 days before `to`'),
  to: Instant.optional().describe('end (exclusive): YYYY-MM-DD or epoch ms; default now'),
  format: z.enum(['json', 'csv']).optional().describe('or send Accept: text/csv'),
  graceDays: z.coerce.number().int().min(0).max(365).optional().describe('returns-by-technician: days after completion before a part not returned is a gap (default HM_RETURN_GRACE_DAYS, 14)'),
});

/**
 * Work orders (planner; engineers read; planner and engineer complete),
 * failure-code catalogues (engineer), preventive schedules (planner) and
 * service reports (every role), under the /api/v1 scope.
 */
export function workOrderRoutes(app: FastifyInstance, deps: WorkOrderRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = deps.workOrders;
  const repo = deps.repos.workOrders;
  const tags = ['work-orders'];

  r.get('/work-orders', {
    config: { allow: PLANNER_ENGINEER },
    schema: {
      tags,
      summary: 'List work orders',
      querystring: Page.extend({ state: WorkOrderState.optional(), kind: WorkOrderKind.optional(), assetId: idOf('asset').optional(), failureMode: z.string().max(64).optional() }),
      response: { 200: pageOf(WorkOrder) },
    },
    handler: async (req) => {
      const { limit, cursor, ...filters } = req.query;
      return repo.list({ limit, cursor, filters });
    },
  });

  r.post('/work-orders', {
    config: { allow: PLANNER },
    schema: { tags, summary: 'Open a work order (a preventive one with a failure mode updates the open one instead)', body: WorkOrderInput, response: { 201: WorkOrder } },
    handler: async (req, reply) => reply.status(201).send(await svc.create(req.body, actorOf(req))),
  });

  r.post('/work-orders/preventive', {
    config: { allow: PLANNER_ENGINEER },
    schema: {
      tags,
      summary: 'Open or update the preventive order for an asset and failure mode',
      body: OpenPreventiveBody,
      response: { 200: z.object({ workOrder: WorkOrder, created: z.boolean() }), 201: z.object({ workOrder: WorkOrder, created: z.boolean() }) },
    },
    handler: async (req, reply) => {
      const res = await svc.openPreventive(req.body, actorOf(req), 'prediction');
      return reply.status(res.created ? 201 : 200).send(res);
    },
  });

  r.get('/work-orders/queue', {
    config: { allow: PLANNER_ENGINEER },
    schema: {
      tags,
      summary: 'Active orders ranked by urgency (severity, RUL, SLA) and customer value',
      response: { 200: z.object({ items: z.array(z.object({ workOrder: WorkOrder, customerId: z.string(), urgency: z.number(), customerValue: z.number(), priority: z.number() })) }) },
    },
    handler: async () => ({ items: (await svc.queue()).map((e) => ({ workOrder: e.item, customerId: e.customerId, urgency: e.urgency, customerValue: e.customerValue, priority: e.priority })) }),
  });

  r.get('/work-orders/:id', {
    config: { allow: PLANNER_ENGINEER },
    schema: { tags, summary: 'Read a work order', params: Id, response: { 200: WorkOrder } },
    handler: async (req) => repo.get(req.params.id),
  });

  r.patch('/work-orders/:id', {
    config: { allow: PLANNER },
    schema: {
      tags,
      summary: 'Edit description, SLA due time or severity of an active order',
      params: Id,
      body: z.object({ description: z.string().max(2000).optional(), slaDueAt: z.int().nonnegative().optional(), severity: Severity.optional() }),
      response: { 200: WorkOrder },
    },
    handler: async (req) => {
      const { slaDueAt, ...rest } = req.body;
      // On an order with an entitled SLA a typed due time is an override: checked and recorded as one.
      const overridden = slaDueAt !== undefined && (await svc.sla.ofOrder(req.params.id)).sla ? await svc.sla.override(req.params.id, slaDueAt, actorOf(req)) : undefined;
      const patch = overridden ? rest : req.body;
      if (overridden && Object.keys(patch).length === 0) return overridden;
      return repo.update(req.params.id, patch, actorOf(req), (deps.clock ?? Date.now)());
    },
  });

  r.get('/work-orders/:id/events', {
    config: { allow: PLANNER_ENGINEER },
    schema: { tags, summary: 'Audit trail: every transition with who and when', params: Id, response: { 200: z.object({ items: z.array(WorkOrderEvent) }) } },
    handler: async (req) => ({ items: await repo.events(req.params.id) }),
  });

  r.get('/work-orders/:id/completion', {
    config: { allow: PLANNER_ENGINEER },
    schema: { tags, summary: 'Completion record with warranty and cost allocation', params: Id, response: { 200: WorkOrderCompletion } },
    handler: async (req) => {
      await repo.get(req.params.id);
      const c = await repo.completion(req.params.id);
      if (!c) throw notFound('completion of work order', req.params.id);
      return c;
    },
  });

  r.post('/work-orders/:id/schedule', {
    config: { allow: PLANNER },
    schema: { tags, summary: 'Assign technician and time window (open/scheduled -> scheduled)', params: Id, body: WorkOrderScheduleInput, response: { 200: WorkOrder } },
    handler: async (req) => svc.schedule(req.params.id, req.body, actorOf(req)),
  });

  r.post('/work-orders/:id/start', {
    config: { allow: PLANNER_ENGINEER },
    schema: { tags, summary: 'scheduled -> in_progress', params: Id, response: { 200: WorkOrder } },
    handler: async (req) => svc.start(req.params.id, actorOf(req)),
  });

  r.post('/work-orders/:id/cancel', {
    config: { allow: PLANNER },
    schema: { tags, summary: 'Cancel; releases reserved parts', params: Id, body: z.object({ reason: z.string().max(2000).optional() }).optional(), response: { 200: WorkOrder } },
    handler: async (req) => svc.cancel(req.params.id, actorOf(req), req.body?.reason),
  });

  r.post('/work-orders/:id/complete', {
    config: { allow: PLANNER_ENGINEER },
    schema: {
      tags,
      summary: 'in_progress -> completed with failure codes, parts, labour, downtime; allocates warranty cost',
      params: Id,
      body: WorkOrderCompletionInput,
      response: { 200: z.object({ workOrder: WorkOrder, completion: WorkOrderCompletion }) },
    },
    handler: async (req) => svc.complete(req.params.id, req.body, actorOf(req)),
  });

  // ---------------------------------------------------------------- failure-code catalogues

  const ModelParams = z.object({ assetModelId: idOf('assetModel') });
  r.get('/asset-models/:assetModelId/failure-codes', {
    schema: { tags: ['failure-codes'], summary: "An asset model's failure-code catalogue", params: ModelParams, response: { 200: z.object({ items: z.array(FailureCode) }) } },
    handler: async (req) => ({ items: await repo.failureCodes.list(req.params.assetModelId) }),
  });
  r.put('/asset-models/:assetModelId/failure-codes', {
    config: { allow: ENGINEER },
    schema: { tags: ['failure-codes'], summary: 'Add or replace one code', params: ModelParams, body: FailureCodeInput, response: { 200: FailureCode } },
    handler: async (req) => repo.failureCodes.put(req.params.assetModelId, req.body),
  });
  r.delete('/asset-models/:assetModelId/failure-codes/:kind/:code', {
    config: { allow: ENGINEER },
    schema: { tags: ['failure-codes'], summary: 'Remove one code', params: ModelParams.extend({ kind: FailureCodeKind, code: z.string().max(64) }) },
    handler: async (req, reply) => {
      await repo.failureCodes.remove(req.params.assetModelId, req.params.kind, req.params.code);
      return reply.status(204).send();
    },
  });

  // ---------------------------------------------------------------- preventive schedules

  r.get('/maintenance-schedules', {
    config: { allow: PLANNER_ENGINEER },
    schema: { tags: ['maintenance-schedules'], summary: 'Preventive schedules', querystring: z.object({ assetId: idOf('asset').optional() }), response: { 200: z.object({ items: z.array(MaintenanceSchedule) }) } },
    handler: async (req) => ({ items: await repo.schedules.list({ assetId: req.query.assetId }) }),
  });
  r.post('/maintenance-schedules', {
    config: { allow: PLANNER },
    schema: { tags: ['maintenance-schedules'], summary: 'Schedule by calendar interval and/or operating hours', body: MaintenanceScheduleInput, response: { 201: MaintenanceSchedule } },
    handler: async (req, reply) => reply.status(201).send(await svc.createSchedule(req.body)),
  });
  r.delete('/maintenance-schedules/:id', {
    config: { allow: PLANNER },
    schema: { tags: ['maintenance-schedules'], summary: 'Remove a schedule', params: Id },
    handler: async (req, reply) => {
      await repo.schedules.remove(req.params.id);
      return reply.status(204).send();
    },
  });
  r.post('/maintenance-schedules/run', {
    config: { allow: PLANNER },
    schema: {
      tags: ['maintenance-schedules'],
      summary: 'Open preventive orders for every due schedule',
      response: { 200: z.object({ items: z.array(z.object({ scheduleId: z.string(), workOrderId: z.string(), created: z.boolean(), by: z.array(z.string()) })) }) },
    },
    handler: async () => ({ items: await svc.runSchedules() }),
  });

  // ---------------------------------------------------------------- quality reserves

  r.post('/quality-reserves/release', {
    config: { allow: ['account-manager'] },
    schema: {
      tags: ['reports'],
      summary: "Release the unused quality reserve of every batch whose warranty is over as production's quality bonus (also runs with the schedules)",
      response: { 200: z.object({ items: z.array(z.object({ productionBatchId: z.string(), code: z.string(), bonusMinor: z.int(), currency: z.string() })) }) },
    },
    handler: async () => ({ items: await svc.reserves.releaseEnded() }),
  });

  // ---------------------------------------------------------------- reports

  r.get('/reports/:name', {
    schema: {
      tags: ['reports'],
      summary: `Service KPIs: ${REPORT_NAMES.join(', ')}; JSON or CSV`,
      params: z.object({ name: z.enum(REPORT_NAMES) }),
      querystring: ReportQuery,
    },
    handler: async (req, reply) => {
      const to = req.query.to ?? (deps.clock ?? Date.now)();
      const from = req.query.from ?? to - 365 * 86_400_000;
      if (from >= to) {
        throw new AppError('VALIDATION_FAILED', 'from: must be before to');
      }
      const result = await deps.reports.run(req.params.name, { from, to }, { graceDays: req.query.graceDays });
      const wantsCsv = req.query.format === 'csv' || (req.query.format === undefined && /\btext\/csv\b/.test(req.headers.accept ?? ''));
      if (wantsCsv) {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${req.params.name}.csv"`)
          .send(toCsv(result.rows));
      }
      return reply.type('application/json').send(result);
    },
  });

  fieldQualityRoutes(app, { workOrders: svc, repos: deps.repos, clock: deps.clock });
}
