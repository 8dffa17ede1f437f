import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TrainRequest, type RulModelRegistry } from '../registry/registry.js';
import { actorOf } from '@hourmeter/http';

export interface RulModelRouteDeps {
  registry: Pick<RulModelRegistry, 'startTraining' | 'getJob' | 'list' | 'activate'>;
}

const Params = z.object({ id: z.string().min(1).max(64).describe('asset model id or code') });
const VersionParams = Params.extend({ version: z.coerce.number().int().positive() });
const JobParams = Params.extend({ jobId: z.string().min(1).max(64) });

const RulModel = z.object({
  id: z.string(),
  assetModelId: z.string(),
  version: z.number().int(),
  status: z.enum(['active', 'inactive']),
  source: z.string(),
  trainingFrom: z.number().nullable(),
  trainingTo: z.number().nullable(),
  trainingUnits: z.number().int(),
  trainingRows: z.number().int(),
  training: z.record(z.string(), z.unknown()),
  featureSpec: z.record(z.string(), z.unknown()),
  metrics: z.object({ rmse: z.number(), score: z.number(), bandCoverage: z.number() }).catchall(z.unknown()),
  hoursPerCycle: z.number(),
  createdBy: z.string().nullable(),
  createdAt: z.number(),
  activatedAt: z.number().nullable(),
});

const TrainJob = z.object({
  id: z.string(),
  assetModelId: z.string(),
  state: z.enum(['queued', 'running', 'succeeded', 'failed']),
  progress: z.number(),
  stage: z.string().optional(),
  createdAt: z.number(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  result: RulModel.optional(),
  error: z.string().optional(),
});

/**
 * RUL model registry: train a new version (a background job in a worker
 * thread), follow the job, list versions with their validation metrics and
 * activate one (also restores an older version). Register inside the
 * authenticated /api/v1 scope.
 */
export function rulModelRoutes(parent: FastifyInstance, deps: RulModelRouteDeps): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const tags = ['prediction'];

  app.post('/asset-models/:id/rul-models/train', {
    config: { allow: ['engineer'] },
    schema: {
      tags,
      summary: 'Train a new RUL model version in the background; poll the returned job',
      params: Params,
      body: TrainRequest,
      response: { 202: TrainJob.extend({ statusUrl: z.string() }) },
    },
    handler: async (req, reply) => {
      const job = await deps.registry.startTraining(req.params.id, req.body, actorOf(req));
      const statusUrl = `/api/v1/asset-models/${encodeURIComponent(req.params.id)}/rul-models/train-jobs/${job.id}`;
      return reply.status(202).header('location', statusUrl).send({ ...job, statusUrl });
    },
  });

  app.get('/asset-models/:id/rul-models/train-jobs/:jobId', {
    config: { allow: ['engineer'] },
    schema: { tags, summary: 'Status, progress and result of a training job', params: JobParams, response: { 200: TrainJob } },
    handler: async (req) => deps.registry.getJob(req.params.id, req.params.jobId),
  });

  app.get('/asset-models/:id/rul-models', {
    schema: {
      tags,
      summary: 'RUL model versions of an asset model, newest first, with validation metrics',
      params: Params,
      response: { 200: z.object({ items: z.array(RulModel) }) },
    },
    handler: async (req) => ({ items: await deps.registry.list(req.params.id) }),
  });

  app.post('/asset-models/:id/rul-models/:version/activate', {
    config: { allow: ['engineer'] },
    schema: { tags, summary: 'Make a version the active one (restores an older version too)', params: VersionParams, response: { 200: RulModel } },
    handler: async (req) => deps.registry.activate(req.params.id, req.params.version),
  });
}
