import { MetricName } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ReliabilityService } from '../reliability/service.js';
import { actorOf } from '@hourmeter/http';

export interface ReliabilityRouteDeps {
  reliability: ReliabilityService;
}

const FailureMode = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const Params = z.object({ id: z.string().min(1).max(64).describe('asset model id or code') });
const ModeParams = Params.extend({ failureMode: FailureMode });
const VersionParams = ModeParams.extend({ version: z.coerce.number().int().positive() });
const AssetParams = z.object({ id: z.string().min(1).max(64).describe('asset id') });

const Interval = z.object({ estimate: z.number(), lower: z.number(), upper: z.number() });
const Fit = z
  .object({
    status: z.literal('fitted'),
    shape: z.number(),
    scale: z.number(),
    shapeInterval: Interval,
    scaleInterval: Interval,
    b10: Interval,
    mttf: Interval,
    confidence: z.number(),
    failures: z.number().int(),
    censored: z.number().int(),
  })
  .catchall(z.unknown());
const Version = z.object({
  id: z.string(),
  assetModelId: z.string(),
  failureMode: z.string(),
  version: z.number().int(),
  status: z.enum(['active', 'inactive']),
  kind: z.string(),
  ageAxis: z.string(),
  restoration: z.string(),
  dataTo: z.number(),
  failures: z.number().int(),
  censored: z.number().int(),
  fit: z.record(z.string(), z.unknown()),
  backtest: z.record(z.string(), z.unknown()).nullable(),
  trigger: z.string(),
  createdBy: z.string().nullable(),
  createdAt: z.number(),
  activatedAt: z.number().nullable(),
});
const LifeRow = z.object({
  assetId: z.string(),
  serialNumber: z.string(),
  startAt: z.number(),
  endAt: z.number(),
  startHours: z.number().optional(),
  hours: z.number(),
  failed: z.boolean(),
  endedBy: z.enum(['failure', 'replacement', 'running']),
  workOrderId: z.string().optional(),
});
const Detail = z.object({
  assetModel: z.object({ id: z.string(), code: z.string(), name: z.string() }),
  failureMode: z.string(),
  status: z.enum(['fitted', 'no_failures', 'not_trained']).describe('no_failures: nothing recorded to fit yet, so no number is given'),
  restoration: z.enum(['as_good_as_new', 'minimal_repair']),
  ageAxis: z.enum(['operating_hours', 'calendar_hours']),
  failures: z.number().int(),
  censored: z.number().int(),
  active: z
    .object({ version: z.number().int(), modelId: z.string(), modelVersion: z.string(), fit: Fit, backtest: z.record(z.string(), z.unknown()).nullable(), dataTo: z.number() })
    .optional(),
  survival: z.array(z.object({ hours: z.number(), survival: z.number(), lower: z.number(), upper: z.number() })),
  lives: z.array(LifeRow),
  versions: z.array(Version),
});
const Estimate = z.object({
  assetId: z.string(),
  serialNumber: z.string(),
  failureMode: z.string(),
  status: z.enum(['estimated', 'no_failures', 'not_trained']),
  modelVersion: z.string().optional(),
  modelId: z.string().optional(),
  ageAxis: z.enum(['operating_hours', 'calendar_hours']).optional(),
  ageHours: z.number().optional(),
  rulHours: z.number().optional(),
  lowerHours: z.number().optional(),
  upperHours: z.number().optional(),
  utilisation: z.number().optional(),
  projectedFailureAt: z.number().optional(),
  leadTimeHours: z.number(),
  failureProbability: z.number().optional(),
});
const TrainBody = z
  .object({
    splitAt: z.number().int().nonnegative().optional().describe('T of the backtest, epoch ms (default: just after 70 % of the recorded failures)'),
    activate: z.boolean().default(false).describe('activate whatever the backtest says'),
    kind: z.enum(['weibull', 'condition']).default('weibull').describe('weibull: population fit; condition: condition-based RUL from stored telemetry'),
    condition: z
      .object({
        hoursPerCycle: z.number().positive().max(10_000).optional().describe('operating hours one cycle stands for (default: 0.6 x MTTF / 125)'),
        settings: z.array(MetricName).max(10).optional().describe('metrics of the operating point (default: the regime metric)'),
        metrics: z.array(MetricName).min(1).max(200).optional().describe('condition metrics (default: every numeric metric the assets report)'),
        ensemble: z.number().int().min(1).max(5).optional(),
        aboveCap: z.enum(['population', 'cap']).optional().describe('healthy-looking assets: the population residual life (default) or the cap alone'),
      })
      .optional(),
  })
  .default({ activate: false, kind: 'weibull' });

/**
 * Population reliability per asset model and failure mode (Weibull with
 * censoring), its versions and per-asset estimates. Register inside the
 * authenticated /api/v1 scope.
 */
export function reliabilityRoutes(parent: FastifyInstance, deps: ReliabilityRouteDeps): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const tags = ['reliability'];

  app.get('/asset-models/:id/reliability', {
    schema: {
      tags,
      summary: 'Failure modes of an asset model with their reliability (fit, B10, MTTF, lives, versions)',
      params: Params,
      response: { 200: z.object({ items: z.array(Detail) }) },
    },
    handler: async (req) => ({ items: (await deps.reliability.failureModes(req.params.id)).failureModes }),
  });

  app.get('/asset-models/:id/reliability/assets', {
    schema: { tags, summary: 'RUL and failure probability within the lead time of every asset of the model, per failure mode', params: Params, response: { 200: z.object({ items: z.array(Estimate) }) } },
    handler: async (req) => ({ items: await deps.reliability.fleetEstimates(req.params.id) }),
  });

  app.get('/asset-models/:id/reliability/:failureMode', {
    schema: { tags, summary: 'Reliability of one failure mode: Weibull fit with bounds, B10, MTTF, survival curve, lives, versions', params: ModeParams, response: { 200: Detail } },
    handler: async (req) => deps.reliability.detail(req.params.id, req.params.failureMode),
  });

  app.post('/asset-models/:id/reliability/:failureMode/train', {
    config: { allow: ['engineer'] },
    schema: {
      tags,
      summary: 'Fit and backtest a new version; it becomes active only if it beats the active one (or with activate: true)',
      params: ModeParams,
      body: TrainBody,
      response: { 201: z.object({ model: Version, activated: z.boolean(), reason: z.string() }) },
    },
    handler: async (req, reply) => {
      const res = await deps.reliability.train(req.params.id, req.params.failureMode, {
        splitAt: req.body.splitAt,
        activate: req.body.activate,
        kind: req.body.kind,
        condition: req.body.condition,
        createdBy: actorOf(req),
        trigger: 'manual',
      });
      if (res.status !== 'trained') throw new AppError('CONFLICT', res.message, { status: res.status });
      return reply.status(201).send({ model: res.model, activated: res.activated, reason: res.reason });
    },
  });

  app.post('/asset-models/:id/reliability/:failureMode/versions/:version/activate', {
    config: { allow: ['engineer'] },
    schema: { tags, summary: 'Activate a version by hand (restores an older one too)', params: VersionParams, response: { 200: Version } },
    handler: async (req) => deps.reliability.activate(req.params.id, req.params.failureMode, req.params.version),
  });

  app.get('/assets/:id/reliability', {
    schema: {
      tags,
      summary: 'RUL in operating hours, projected failure date and failure probability within the lead time, per failure mode, with the model that produced each',
      params: AssetParams,
      response: { 200: z.object({ assetId: z.string(), items: z.array(Estimate) }) },
    },
    handler: async (req) => ({ assetId: req.params.id, items: await deps.reliability.assetEstimates(req.params.id) }),
  });
}
