import { newId } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database, RulModelsTable } from '../schema.js';

export type RulModelStatus = 'active' | 'inactive';

/** Held-out validation figures of a trained model. */
export interface RulModelMetrics {
  /** RMSE in cycles on held-out degrading cycles against the true RUL. */
  rmse: number;
  /** PHM08 score on the same cycles. */
  score: number;
  /** Share of held-out cycles whose true RUL lies in the predicted band. */
  bandCoverage: number;
  /** Everything the model recorded about its validation. */
  [key: string]: unknown;
}

/** One registry entry without the (large) model JSON. */
export interface RulModelRecord {
  id: string;
  assetModelId: string;
  version: number;
  status: RulModelStatus;
  source: string;
  trainingFrom: number | null;
  trainingTo: number | null;
  trainingUnits: number;
  trainingRows: number;
  training: Record<string, unknown>;
  featureSpec: Record<string, unknown>;
  metrics: RulModelMetrics;
  hoursPerCycle: number;
  createdBy: string | null;
  createdAt: number;
  activatedAt: number | null;
}

export interface RulModelWithJson extends RulModelRecord {
  /** The serialised model as stored (parse and validate before use). */
  modelJson: string;
}

export interface NewRulModel {
  assetModelId: string;
  source: string;
  trainingFrom?: number | null | undefined;
  trainingTo?: number | null | undefined;
  trainingUnits: number;
  trainingRows: number;
  training: Record<string, unknown>;
  featureSpec: Record<string, unknown>;
  metrics: RulModelMetrics;
  hoursPerCycle: number;
  modelJson: string;
  createdBy?: string | null | undefined;
  /** Make it the asset model's active version in the same transaction. */
  activate?: boolean | undefined;
}

const LIST_COLUMNS = [
  'id',
  'asset_model_id',
  'version',
  'status',
  'source',
  'training_from',
  'training_to',
  'training_units',
  'training_rows',
  'training',
  'feature_spec',
  'rmse',
  'score',
  'band_coverage',
  'metrics',
  'hours_per_cycle',
  'created_by',
  'created_at',
  'activated_at',
] as const;

type ListRow = Pick<Selectable<RulModelsTable>, (typeof LIST_COLUMNS)[number]>;
const numOrNull = (v: number | null) => (v === null ? null : Number(v));

function fromRow(r: ListRow): RulModelRecord {
  return {
    id: r.id,
    assetModelId: r.asset_model_id,
    version: Number(r.version),
    status: r.status as RulModelStatus,
    source: r.source,
    trainingFrom: numOrNull(r.training_from),
    trainingTo: numOrNull(r.training_to),
    trainingUnits: Number(r.training_units),
    trainingRows: Number(r.training_rows),
    training: JSON.parse(r.training) as Record<string, unknown>,
    featureSpec: JSON.parse(r.feature_spec) as Record<string, unknown>,
    metrics: { ...(JSON.parse(r.metrics) as Record<string, unknown>), rmse: Number(r.rmse), score: Number(r.score), bandCoverage: Number(r.band_coverage) },
    hoursPerCycle: Number(r.hours_per_cycle),
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    activatedAt: numOrNull(r.activated_at),
  };
}

/** Registry ids: `rlm_` + the time-sortable body of a domain id. */
const rulModelId = (now: number) => `rlm_${newId('assetModel', now).slice(4)}`;

/**
 * The RUL model registry: versions per asset model (v1, v2, ...), at most one
 * active. Creating and activating are transactions; the partial unique index
 * of migration 0006 backs the one-active rule against concurrent writers.
 */
export function rulModelRepository(db: Kysely<Database>) {
  async function write<R>(fn: (tx: Transaction<Database>) => Promise<R>): Promise<R> {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      throw translateDbError(err, 'RUL model version');
    }
  }

  async function activateIn(tx: Transaction<Database>, assetModelId: string, version: number, now: number): Promise<void> {
    await tx.updateTable('rul_models').set({ status: 'inactive' }).where('asset_model_id', '=', assetModelId).where('status', '=', 'active').execute();
    const res = await tx
      .updateTable('rul_models')
      .set({ status: 'active', activated_at: now })
      .where('asset_model_id', '=', assetModelId)
      .where('version', '=', version)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new AppError('NOT_FOUND', `RUL model v${version} of asset model ${assetModelId} not found`);
  }

  async function find(assetModelId: string, version: number): Promise<RulModelRecord | undefined> {
    const row = await db.selectFrom('rul_models').select(LIST_COLUMNS).where('asset_model_id', '=', assetModelId).where('version', '=', version).executeTakeFirst();
    return row && fromRow(row);
  }

  return {
    /** Stores a trained model as the next version of its asset model (optionally activating it). */
    async create(input: NewRulModel, now = Date.now()): Promise<RulModelRecord> {
      const model = await db.selectFrom('asset_models').select('id').where('id', '=', input.assetModelId).executeTakeFirst();
      if (!model) throw new AppError('REFERENCE_NOT_FOUND', `asset model ${input.assetModelId} not found`, { field: 'assetModelId' });
      // Two trainings finishing together may pick the same number: the unique
      // constraint rejects the loser, which simply takes the next one.
      for (let attempt = 0; ; attempt++) {
        try {
          const version = await write(async (tx) => {
            const last = await tx
              .selectFrom('rul_models')
              .select((eb) => eb.fn.max('version').as('v'))
              .where('asset_model_id', '=', input.assetModelId)
              .executeTakeFirst();
            const version = Number(last?.v ?? 0) + 1;
            await tx
              .insertInto('rul_models')
              .values({
                id: rulModelId(now),
                asset_model_id: input.assetModelId,
                version,
                status: 'inactive',
                source: input.source,
                training_from: input.trainingFrom ?? null,
                training_to: input.trainingTo ?? null,
                training_units: input.trainingUnits,
                training_rows: input.trainingRows,
                training: JSON.stringify(input.training),
                feature_spec: JSON.stringify(input.featureSpec),
                rmse: input.metrics.rmse,
                score: input.metrics.score,
                band_coverage: input.metrics.bandCoverage,
                metrics: JSON.stringify(input.metrics),
                hours_per_cycle: input.hoursPerCycle,
                model_json: input.modelJson,
                created_by: input.createdBy ?? null,
                created_at: now,
              })
              .execute();
            if (input.activate) await activateIn(tx, input.assetModelId, version, now);
            return version;
          });
          return (await find(input.assetModelId, version))!;
        } catch (err) {
          if (attempt < 3 && err instanceof AppError && err.code === 'CONFLICT') continue;
          throw err;
        }
      }
    },

    /** Versions of an asset model, newest first, without the model JSON. */
    async list(assetModelId: string): Promise<RulModelRecord[]> {
      const rows = await db.selectFrom('rul_models').select(LIST_COLUMNS).where('asset_model_id', '=', assetModelId).orderBy('version', 'desc').execute();
      return rows.map(fromRow);
    },

    find,

    /** One version with its model JSON. */
    async load(assetModelId: string, version: number): Promise<RulModelWithJson | undefined> {
      const row = await db
        .selectFrom('rul_models')
        .select([...LIST_COLUMNS, 'model_json'])
        .where('asset_model_id', '=', assetModelId)
        .where('version', '=', version)
        .executeTakeFirst();
      return row && { ...fromRow(row), modelJson: row.model_json };
    },

    /** The active version with its model JSON, if any. */
    async loadActive(assetModelId: string): Promise<RulModelWithJson | undefined> {
      const row = await db
        .selectFrom('rul_models')
        .select([...LIST_COLUMNS, 'model_json'])
        .where('asset_model_id', '=', assetModelId)
        .where('status', '=', 'active')
        .executeTakeFirst();
      return row && { ...fromRow(row), modelJson: row.model_json };
    },

    /** Makes `version` the only active one (also how an older version is restored). */
    async activate(assetModelId: string, version: number, now = Date.now()): Promise<RulModelRecord> {
      await write((tx) => activateIn(tx, assetModelId, version, now));
      return (await find(assetModelId, version))!;
    },
  };
}

export type RulModelRepository = ReturnType<typeof rulModelRepository>;
