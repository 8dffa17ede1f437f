import { Absence, AbsenceInput, AssignmentInput, Technician, TechnicianInput, TechnicianPatch, WorkOrder, idOf } from '@hourmeter/domain';
import type { Repositories } from '@hourmeter/db';
import { actorOf, PageQuery } from '@hourmeter/http';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DispatchService } from './dispatch-service.js';

export interface DispatchRouteDeps {
  dispatch: DispatchService;
  repos: Pick<Repositories, 'technicians'>;
  clock?: (() => number) | undefined;
}

const PLANNER = ['planner'] as const;
const PLANNER_ENGINEER = ['planner', 'engineer'] as const;

const TechId = z.object({ id: idOf('technician') });
const OrderId = z.object({ id: idOf('workOrder') });
const Day = z.iso.date().describe('UTC day, YYYY-MM-DD');

const Refusal = z.object({ code: z.string(), message: z.string() });
const BoardOrder = z.object({
  workOrderId: z.string(),
  kind: z.string(),
  state: z.string(),
  severity: z.string().optional(),
  serialNumber: z.string(),
  assetModelId: z.string(),
  assetModelName: z.string(),
  customerName: z.string(),
  siteName: z.string(),
  serviceRegion: z.string().optional(),
  slaDueAt: z.number().optional(),
});
const PlanEntry = BoardOrder.extend({ start: z.number(), end: z.number(), travelKm: z.number(), travelMinutes: z.number(), withinSla: z.boolean() });
const TechnicianDay = z.object({
  technicianId: z.string(),
  technicianName: z.string(),
  serviceRegion: z.string(),
  date: z.string(),
  availableHours: z.number(),
  absences: z.array(z.object({ from: z.number(), to: z.number(), reason: z.string() })),
  jobs: z.array(PlanEntry),
  travelMinutes: z.number(),
});

/**
 * Technicians (planner writes, engineer reads) and dispatch: assignment with
 * refusals, suggestions, day plans and the dispatch board (issue 18).
 */
export function dispatchRoutes(app: FastifyInstance, deps: DispatchRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const repo = deps.repos.technicians;
  const svc = deps.dispatch;
  const tags = ['dispatch'];
  const today = () => new Date((deps.clock ?? Date.now)()).toISOString().slice(0, 10);

  r.get('/technicians', {
    config: { allow: PLANNER_ENGINEER },
    schema: {
      tags,
      summary: 'List technicians',
      querystring: PageQuery.extend({ serviceRegion: z.string().max(64).optional(), active: z.enum(['true', 'false']).optional() }),
      response: { 200: z.object({ items: z.array(Technician), nextCursor: z.string().nullable() }) },
    },
    handler: async (req) => {
      const { limit, cursor, serviceRegion, active } = req.query;
      return repo.list({ limit, cursor, filters: { serviceRegion, active: active === undefined ? undefined : active === 'true' } });
    },
  });
  r.post('/technicians', {
    config: { allow: PLANNER },
    schema: { tags, summary: 'Create a technician (and the van, a stocking location below vanParentWarehouseId)', body: TechnicianInput, response: { 201: Technician } },
    handler: async (req, reply) => reply.status(201).send(await repo.create(req.body)),
  });
  r.get('/technicians/:id', {
    config: { allow: PLANNER_ENGINEER },
    schema: { tags, summary: 'Read a technician', params: TechId, response: { 200: Technician } },
    handler: async (req) => repo.get(req.params.id),
  });
  r.patch('/technicians/:id', {
    config: { allow: PLANNER },
    schema: { tags, summary: 'Change a technician; certifications, when given, replace the list', params: TechId, body: TechnicianPatch, response: { 200: Technician } },
    handler: async (req) => repo.update(req.params.id, req.body),
  });
  r.delete('/technicians/:id', {
    config: { allow: PLANNER },
    schema: { tags, summary: 'Remove a technician without orders or van stock (IN_USE otherwise: deactivate instead)', params: TechId },
    handler: async (req, reply) => {
      await repo.remove(req.params.id);
      return reply.status(204).send();
    },
  });

  r.get('/technicians/:id/absences', {
    config: { allow: PLANNER_ENGINEER },
    schema: {
      tags,
      summary: 'Absences overlapping a period (default: the next 90 days)',
      params: TechId,
      querystring: z.object({ from: z.coerce.number().int().nonnegative().optional(), to: z.coerce.number().int().nonnegative().optional() }),
      response: { 200: z.object({ items: z.array(Absence) }) },
    },
    handler: async (req) => {
      await repo.get(req.params.id);
      const from = req.query.from ?? (deps.clock ?? Date.now)();
      const to = req.query.to ?? from + 90 * 86_400_000;
      return { items: await repo.absences.overlapping([req.params.id], from, to) };
    },
  });
  r.post('/technicians/:id/absences', {
    config: { allow: PLANNER },
    schema: { tags, summary: 'Record an absence (leave, training, sickness)', params: TechId, body: AbsenceInput, response: { 201: Absence } },
    handler: async (req, reply) => reply.status(201).send(await repo.absences.add(req.params.id, req.body)),
  });
  r.delete('/technicians/:id/absences/:absenceId', {
    config: { allow: PLANNER },
    schema: { tags, summary: 'Remove an absence', params: TechId.extend({ absenceId: z.string().min(1).max(64) }) },
    handler: async (req, reply) => {
      await repo.absences.remove(req.params.id, req.params.absenceId);
      return reply.status(204).send();
    },
  });

  r.get('/technicians/:id/day-plan', {
    config: { allow: PLANNER_ENGINEER },
    schema: { tags, summary: "A technician's jobs of a day in order, with travel from home or the previous site", params: TechId, querystring: z.object({ date: Day.optional() }), response: { 200: TechnicianDay } },
    handler: async (req) => svc.dayPlan(req.params.id, req.query.date ?? today()),
  });

  r.post('/work-orders/:id/assign', {
    config: { allow: PLANNER },
    schema: {
      tags,
      summary: 'Assign to a technician for a window; refused (422) when not certified, absent, off calendar or booked',
      params: OrderId,
      body: AssignmentInput,
      response: { 200: WorkOrder },
    },
    handler: async (req) => svc.assign(req.params.id, req.body, actorOf(req)),
  });
  r.get('/work-orders/:id/suggestions', {
    config: { allow: PLANNER },
    schema: {
      tags,
      summary: 'Technicians ranked for an order: within SLA, shortest drive, earliest finish; ineligible ones with the reason',
      params: OrderId,
      querystring: z.object({ date: Day.optional(), days: z.coerce.number().int().min(1).max(14).default(3) }),
      response: {
        200: z.object({
          workOrderId: z.string(),
          jobMinutes: z.number(),
          slaDueAt: z.number().optional(),
          items: z.array(
            z.object({
              technicianId: z.string(),
              technicianName: z.string(),
              serviceRegion: z.string(),
              eligible: z.boolean(),
              start: z.number().optional(),
              end: z.number().optional(),
              travelKm: z.number().optional(),
              travelMinutes: z.number().optional(),
              withinSla: z.boolean(),
              refusal: Refusal.optional(),
            }),
          ),
        }),
      },
    },
    handler: async (req) => svc.suggest(req.params.id, req.query),
  });

  r.get('/dispatch/board', {
    config: { allow: PLANNER_ENGINEER },
    schema: {
      tags,
      summary: 'Technicians x days with their jobs, and the unassigned active orders',
      querystring: z.object({ date: Day.optional(), days: z.coerce.number().int().min(1).max(14).default(1), serviceRegion: z.string().max(64).optional() }),
      response: {
        200: z.object({
          dates: z.array(z.string()),
          technicians: z.array(z.object({ technicianId: z.string(), technicianName: z.string(), serviceRegion: z.string(), days: z.array(TechnicianDay) })),
          unassigned: z.array(BoardOrder),
        }),
      },
    },
    handler: async (req) => svc.board({ date: req.query.date ?? today(), days: req.query.days, serviceRegion: req.query.serviceRegion }),
  });
  r.post('/dispatch/plan', {
    config: { allow: PLANNER },
    schema: {
      tags,
      summary: 'Plan a day for every active technician (assigned jobs stay); commit: true assigns the plan',
      body: z.object({ date: Day, commit: z.boolean().default(false), serviceRegion: z.string().max(64).optional() }),
      response: {
        200: z.object({
          date: z.string(),
          committed: z.boolean(),
          planned: z.array(z.object({ workOrderId: z.string(), technicianId: z.string(), start: z.number(), end: z.number(), travelMinutes: z.number(), withinSla: z.boolean() })),
          unplanned: z.array(z.object({ workOrderId: z.string(), reason: z.string() })),
        }),
      },
    },
    handler: async (req) => svc.planDay(req.body, actorOf(req)),
  });
}
