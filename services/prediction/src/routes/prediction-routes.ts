import { Alert, AlertActionInput, AlertAssignInput, AlertBulkActionInput, AlertSnoozeInput, AlertState, AlertTransition, ModelPrecision, RulEstimateRecord, Severity } from '@hourmeter/domain';
import { actorOf, IdParams, PageQuery } from '@hourmeter/http';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PredictionService } from '../scoring/prediction-service.js';

export interface PredictionRouteDeps {
  prediction: Pick<PredictionService, 'listAlerts' | 'getAlert' | 'act' | 'acknowledgeMany' | 'assign' | 'snooze' | 'precision' | 'rulHistory'>;
  /** "Now" for hiding snoozed alerts (tests pass their clock). */
  now?: () => number;
}

const QueryInstant = z.string().transform((s, ctx) => {
  const ms = /^\d{1,15}$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO 8601 date-time' });
    return z.NEVER;
  }
  return ms;
});

const AlertDetail = z.object({ alert: Alert, history: z.array(AlertTransition) });

/**
 * Alerts (list, detail with evidence and history, acknowledge / confirm /
 * dismiss with a reason), precision per model version from that feedback, and
 * each asset's RUL history. Register inside the authenticated /api/v1 scope.
 */
export function predictionRoutes(parent: FastifyInstance, deps: PredictionRouteDeps): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const tags = ['prediction'];
  const now = deps.now ?? Date.now;

  app.get('/alerts', {
    schema: {
      tags,
      summary: 'List alerts, newest first',
      querystring: PageQuery.extend({
        severity: Severity.optional(),
        state: AlertState.optional(),
        assetId: z.string().max(64).optional(),
        assetModelId: z.string().max(64).optional(),
        siteId: z.string().max(64).optional(),
        failureMode: z.string().max(64).optional(),
        snoozed: z
          .enum(['hide', 'include'])
          .default('include')
          .describe('hide: leave out alerts snoozed past now (the triage list); include: every alert'),
      }),
      response: { 200: z.object({ items: z.array(Alert), nextCursor: z.string().nullable() }) },
    },
    handler: async (req) => {
      const { limit, cursor, snoozed, ...filters } = req.query;
      return deps.prediction.listAlerts({ limit, ...(cursor ? { cursor } : {}), filters: { ...filters, ...(snoozed === 'hide' ? { awakeAt: now() } : {}) } });
    },
  });

  app.get('/alerts/precision', {
    schema: {
      tags,
      summary: 'Precision per model version: confirmed / (confirmed + dismissed)',
      response: { 200: z.object({ items: z.array(ModelPrecision) }) },
    },
    handler: async () => ({ items: await deps.prediction.precision() }),
  });

  app.get('/alerts/:id', {
    schema: { tags, summary: 'One alert with its evidence and lifecycle history', params: IdParams, response: { 200: AlertDetail } },
    handler: async (req) => deps.prediction.getAlert(req.params.id),
  });

  for (const action of ['acknowledge', 'confirm', 'dismiss'] as const) {
    app.post(`/alerts/:id/${action}`, {
      config: { allow: ['engineer'] },
      schema: {
        tags,
        summary: `${action[0]!.toUpperCase()}${action.slice(1)} an alert, with a reason (recorded in its history)`,
        params: IdParams,
        body: AlertActionInput,
        response: { 200: AlertDetail },
      },
      handler: async (req) => deps.prediction.act(req.params.id, action, { actor: actorOf(req), reason: req.body.reason }),
    });
  }

  app.post('/alerts/acknowledge', {
    config: { allow: ['engineer'] },
    schema: {
      tags,
      summary: 'Acknowledge several open alerts with one reason; each succeeds or fails on its own (results in request order)',
      body: AlertBulkActionInput,
      response: {
        200: z.object({
          results: z.array(
            z.discriminatedUnion('ok', [
              z.object({ id: z.string(), ok: z.literal(true), alert: Alert }),
              z.object({ id: z.string(), ok: z.literal(false), code: z.string(), message: z.string() }),
            ]),
          ),
        }),
      },
    },
    handler: async (req) => ({ results: await deps.prediction.acknowledgeMany(req.body.ids, { actor: actorOf(req), reason: req.body.reason }) }),
  });

  app.post('/alerts/:id/assign', {
    config: { allow: ['engineer'] },
    schema: { tags, summary: 'Assign an active alert to a person (userId null: nobody)', params: IdParams, body: AlertAssignInput, response: { 200: Alert } },
    handler: async (req) => deps.prediction.assign(req.params.id, req.body.userId),
  });

  app.post('/alerts/:id/snooze', {
    config: { allow: ['engineer'] },
    schema: {
      tags,
      summary: 'Hide an active alert from the triage list until an instant (until null: show it again now)',
      params: IdParams,
      body: AlertSnoozeInput,
      response: { 200: Alert },
    },
    handler: async (req) => deps.prediction.snooze(req.params.id, req.body.until),
  });

  app.get('/assets/:id/rul', {
    schema: {
      tags,
      summary: "The asset's RUL estimates, oldest first",
      params: IdParams,
      querystring: z.object({
        from: QueryInstant.optional(),
        to: QueryInstant.optional(),
        limit: z.coerce.number().int().min(1).max(10_000).default(1000),
      }),
      response: { 200: z.object({ assetId: z.string(), items: z.array(RulEstimateRecord) }) },
    },
    handler: async (req) => ({ assetId: req.params.id, items: await deps.prediction.rulHistory(req.params.id, req.query) }),
  });
}
