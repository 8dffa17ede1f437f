import { CMAPSS_SETS, isCmapssSetName } from '@hourmeter/cmapss';
import type { Repositories, RulModelRecord } from '@hourmeter/db';
import type { AssetModel } from '@hourmeter/domain';
import { AppError, type Logger } from '@hourmeter/runtime';
import type { TelemetryStore } from '@hourmeter/telemetry-store';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { RulModel, trainRulModel, type RulTrainOptions, type TrainingUnit, type TrainProgress } from '../core/rul/index.js';
import { trainInWorker } from './train-in-worker.js';
import { cmapssTrainingUnits, telemetryTrainingUnits } from './training-data.js';

const Common = {
  hoursPerCycle: z.number().positive().max(10_000).default(1).describe('operating hours one model cycle stands for'),
  activate: z.boolean().default(false).describe('make the new version active once trained'),
  seed: z.number().int().min(0).max(2 ** 31).optional(),
  ensemble: z.number().int().min(1).max(5).optional().describe('boosted models averaged (default 3)'),
};

/** What to train on: C-MAPSS training units (run to failure), or assets' telemetry up to known failures. */
export const TrainRequest = z.discriminatedUnion('source', [
  z.object({
    source: z.literal('cmapss'),
    set: z.enum(CMAPSS_SETS),
    units: z.array(z.number().int().positive()).min(5).max(1000).optional().describe('training unit numbers (default: all)'),
    ...Common,
  }),
  z.object({
    source: z.literal('telemetry'),
    runs: z
      .array(z.object({ assetId: z.string().min(1).max(64), failedAt: z.number().int().nonnegative(), from: z.number().int().nonnegative().optional() }))
      .min(5)
      .max(10_000)
      .describe('runs to failure: the asset failed at failedAt (epoch ms), after its readings since from'),
    ...Common,
  }),
]);
export type TrainRequest = z.input<typeof TrainRequest>;
type ParsedTrainRequest = z.output<typeof TrainRequest>;

export type TrainJobState = 'queued' | 'running' | 'succeeded' | 'failed';

export interface TrainJob {
  id: string;
  assetModelId: string;
  state: TrainJobState;
  /** 0..1, approximate. */
  progress: number;
  stage?: string | undefined;
  createdAt: number;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
  result?: RulModelRecord | undefined;
  error?: string | undefined;
}

export interface ActiveRulModel {
  record: RulModelRecord;
  assetModel: Pick<AssetModel, 'id' | 'code'>;
  model: RulModel;
  /** `<assetModelCode>@v<n>` */
  modelVersion: string;
}

export interface RulRegistryDeps {
  repos: Pick<Repositories, 'rulModels' | 'assetModels'>;
  logger: Logger;
  /** Needed for telemetry-sourced training. */
  telemetry?: Pick<TelemetryStore, 'queryRange'> | undefined;
  /** Directory with the C-MAPSS files (needed for C-MAPSS-sourced training). */
  cmapssDir?: string | undefined;
  /** Run training in a worker thread (default true): ingest and the API keep running meanwhile. */
  inWorker?: boolean;
  /** How often a cached active model is checked against the store (another process may activate). */
  recheckMs?: number;
  /** Finished jobs kept for status queries. */
  maxJobs?: number;
  now?: () => number;
}

export interface RulModelRegistry {
  /** Asset model by id or code; NOT_FOUND otherwise. */
  resolveAssetModel(idOrCode: string): Promise<AssetModel>;
  /** Trains and stores the next version (awaits the training). */
  train(assetModelIdOrCode: string, request: TrainRequest, opts?: { onProgress?: (p: TrainProgress) => void; createdBy?: string }): Promise<RulModelRecord>;
  /** Queues a training job and returns at once. */
  startTraining(assetModelIdOrCode: string, request: TrainRequest, createdBy?: string): Promise<TrainJob>;
  getJob(assetModelIdOrCode: string, jobId: string): Promise<TrainJob>;
  list(assetModelIdOrCode: string): Promise<RulModelRecord[]>;
  /** Makes a version the active one (restoring an older one works the same way). */
  activate(assetModelIdOrCode: string, version: number): Promise<RulModelRecord>;
  /** The active model of an asset model, loaded and cached; undefined when none is active. */
  active(assetModelId: string): Promise<ActiveRulModel | undefined>;
  /** Resolves when queued jobs are done (tests, shutdown). */
  idle(): Promise<void>;
}

/** Rough overall fraction: validation ~30%, refit ~70% of the time. */
function fraction(p: TrainProgress): number {
  const r = Math.min(1, p.round / Math.max(1, p.rounds));
  if (p.stage === 'validate') return 0.3 * ((p.member - 1 + r) / p.members);
  return 0.3 + 0.7 * ((p.member - 1 + r) / p.members);
}

export function createRulModelRegistry(deps: RulRegistryDeps): RulModelRegistry {
  const log = deps.logger.child({ svc: 'rul-registry' });
  const now = deps.now ?? Date.now;
  const recheckMs = deps.recheckMs ?? 30_000;
  const maxJobs = deps.maxJobs ?? 200;
  const jobs = new Map<string, TrainJob>();
  /** One training at a time: it is CPU-bound and the machine has few cores. */
  let queue: Promise<void> = Promise.resolve();
  const cache = new Map<string, { at: number; entry: ActiveRulModel | undefined }>();

  async function resolveAssetModel(idOrCode: string): Promise<AssetModel> {
    const byId = await deps.repos.assetModels.find(idOrCode);
    if (byId) return byId;
    const byCode = await deps.repos.assetModels.list({ filters: { code: idOrCode }, limit: 1 });
    const m = byCode.items[0];
    if (!m) throw new AppError('NOT_FOUND', `asset model ${idOrCode} not found`);
    return m;
  }

  async function loadUnits(req: ParsedTrainRequest): Promise<{ units: TrainingUnit[]; source: string; from: number | null; to: number | null; runs: unknown }> {
    if (req.source === 'cmapss') {
      if (!deps.cmapssDir) throw new AppError('VALIDATION_FAILED', 'C-MAPSS training is not configured on this server (no data directory)');
      if (!isCmapssSetName(req.set)) throw new AppError('VALIDATION_FAILED', `unknown C-MAPSS set ${req.set}`);
      const units = await cmapssTrainingUnits(deps.cmapssDir, req.set, req.units);
      return { units, source: `cmapss:${req.set}`, from: null, to: null, runs: req.units ?? 'all' };
    }
    if (!deps.telemetry) throw new AppError('VALIDATION_FAILED', 'telemetry training is not configured on this server');
    const { units, from, to } = await telemetryTrainingUnits(deps.telemetry, req.runs, { hoursPerCycle: req.hoursPerCycle });
    return { units, source: 'telemetry', from, to, runs: req.runs };
  }

  async function trainParsed(
    assetModel: AssetModel,
    req: ParsedTrainRequest,
    onProgress?: (p: TrainProgress) => void,
    createdBy?: string,
    onStage?: (stage: string) => void,
  ): Promise<RulModelRecord> {
    onStage?.('loading data');
    const data = await loadUnits(req);
    if (data.units.length < 5) throw new AppError('VALIDATION_FAILED', `need at least 5 runs to failure, got ${data.units.length}`);
    const options: Partial<RulTrainOptions> = {
      source: data.source,
      ...(req.seed === undefined ? {} : { seed: req.seed }),
      ...(req.ensemble === undefined ? {} : { ensemble: req.ensemble }),
    };
    onStage?.('training');
    const started = now();
    const model = deps.inWorker === false ? trainRulModel(data.units, options, onProgress) : await trainInWorker(data.units, options, onProgress);
    const json = model.toJSON();
    const record = await deps.repos.rulModels.create({
      assetModelId: assetModel.id,
      source: data.source,
      trainingFrom: data.from,
      trainingTo: data.to,
      trainingUnits: json.training.units,
      trainingRows: json.training.rows,
      training: { ...json.training, runs: data.runs },
      featureSpec: json.features,
      metrics: { ...json.validation, rmse: json.validation.rmseDegrading, score: json.validation.scoreDegrading, bandCoverage: json.validation.bandCoverage },
      hoursPerCycle: req.hoursPerCycle,
      modelJson: JSON.stringify(json),
      createdBy: createdBy ?? null,
      activate: req.activate,
    });
    if (req.activate) cache.delete(assetModel.id);
    log.info({ assetModelId: assetModel.id, version: record.version, rmse: record.metrics.rmse, seconds: (now() - started) / 1000 }, 'RUL model trained');
    return record;
  }

  function parse(request: TrainRequest): ParsedTrainRequest {
    const res = TrainRequest.safeParse(request);
    if (!res.success) throw new AppError('VALIDATION_FAILED', z.prettifyError(res.error));
    return res.data;
  }

  function prune(): void {
    if (jobs.size <= maxJobs) return;
    for (const [id, j] of jobs) {
      if (jobs.size <= maxJobs) break;
      if (j.state === 'succeeded' || j.state === 'failed') jobs.delete(id);
    }
  }

  return {
    resolveAssetModel,

    async train(idOrCode, request, opts = {}) {
      const assetModel = await resolveAssetModel(idOrCode);
      return trainParsed(assetModel, parse(request), opts.onProgress, opts.createdBy);
    },

    async startTraining(idOrCode, request, createdBy) {
      const assetModel = await resolveAssetModel(idOrCode);
      const req = parse(request);
      if (req.source === 'cmapss' && !deps.cmapssDir) throw new AppError('VALIDATION_FAILED', 'C-MAPSS training is not configured on this server (no data directory)');
      if (req.source === 'telemetry' && !deps.telemetry) throw new AppError('VALIDATION_FAILED', 'telemetry training is not configured on this server');
      const job: TrainJob = { id: `job_${randomUUID()}`, assetModelId: assetModel.id, state: 'queued', progress: 0, createdAt: now() };
      jobs.set(job.id, job);
      prune();
      queue = queue.then(async () => {
        job.state = 'running';
        job.startedAt = now();
        try {
          job.result = await trainParsed(
            assetModel,
            req,
            (p) => {
              job.progress = fraction(p);
              job.stage = `${p.stage} ${p.member}/${p.members} round ${p.round}/${p.rounds}`;
            },
            createdBy,
            (stage) => (job.stage = stage),
          );
          job.state = 'succeeded';
          job.progress = 1;
          job.stage = 'done';
        } catch (err) {
          job.state = 'failed';
          job.error = err instanceof Error ? err.message : String(err);
          log.warn({ err, jobId: job.id, assetModelId: assetModel.id }, 'RUL training failed');
        } finally {
          job.finishedAt = now();
        }
      });
      return { ...job };
    },

    async getJob(idOrCode, jobId) {
      const assetModel = await resolveAssetModel(idOrCode);
      const job = jobs.get(jobId);
      if (!job || job.assetModelId !== assetModel.id) throw new AppError('NOT_FOUND', `training job ${jobId} not found`);
      return { ...job };
    },

    async list(idOrCode) {
      const assetModel = await resolveAssetModel(idOrCode);
      return deps.repos.rulModels.list(assetModel.id);
    },

    async activate(idOrCode, version) {
      const assetModel = await resolveAssetModel(idOrCode);
      const record = await deps.repos.rulModels.activate(assetModel.id, version);
      cache.delete(assetModel.id);
      log.info({ assetModelId: assetModel.id, version }, 'RUL model activated');
      return record;
    },

    async active(assetModelId) {
      const hit = cache.get(assetModelId);
      const t = now();
      if (hit && t - hit.at < recheckMs) return hit.entry;
      if (hit) {
        // Cheap check (no model JSON): reload only when another version became active.
        const list = await deps.repos.rulModels.list(assetModelId);
        const activeNow = list.find((r) => r.status === 'active');
        if (activeNow?.id === hit.entry?.record.id) {
          hit.at = t;
          return hit.entry;
        }
      }
      const row = await deps.repos.rulModels.loadActive(assetModelId);
      let entry: ActiveRulModel | undefined;
      if (row) {
        const assetModel = await deps.repos.assetModels.find(assetModelId);
        const { modelJson, ...record } = row;
        entry = {
          record,
          assetModel: { id: assetModelId, code: assetModel?.code ?? assetModelId },
          model: RulModel.fromJSON(JSON.parse(modelJson)),
          modelVersion: `${assetModel?.code ?? assetModelId}@v${record.version}`,
        };
      }
      cache.set(assetModelId, { at: t, entry });
      return entry;
    },

    async idle() {
      let q: Promise<void>;
      do {
        q = queue;
        await q;
      } while (q !== queue);
    },
  };
}
