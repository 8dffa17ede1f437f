import { newId } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database, ReliabilityModelsTable } from '../schema.js';

/** An asset of the population whose lives are built. */
export interface PopulationAsset {
  assetId: string;
  serialNumber: string;
  /** Commissioning day, 00:00 UTC, epoch ms: the start of the first life. */
  commissionedAt: number;
  status: string;
}

/** A completed work order that ends a life of a failure mode. */
export interface LifeEndingOrder {
  assetId: string;
  workOrderId: string;
  /** corrective: the failure; preventive: a replacement of the component (censors the life). */
  kind: 'failure' | 'replacement';
  /** Failure time recorded on completion for a failure, completion time for a replacement. */
  at: number;
}

export type ReliabilityModelStatus = 'active' | 'inactive';

export interface ReliabilityModelRecord {
  id: string;
  assetModelId: string;
  failureMode: string;
  version: number;
  status: ReliabilityModelStatus;
  kind: string;
  ageAxis: string;
  restoration: string;
  dataTo: number;
  failures: number;
  censored: number;
  fit: Record<string, unknown>;
  backtest: Record<string, unknown> | null;
  trigger: string;
  createdBy: string | null;
  createdAt: number;
  activatedAt: number | null;
}

export type NewReliabilityModel = Omit<ReliabilityModelRecord, 'id' | 'version' | 'status' | 'createdAt' | 'activatedAt' | 'createdBy'> & {
  createdBy?: string | null | undefined;
  activate?: boolean | undefined;
  /** A condition version's trees and channel spec (see loadModelJson). */
  modelJson?: string | undefined;
};

/** Every column but model_json: listing versions must not carry the trees. */
const RECORD_COLUMNS = [
  'id', 'asset_model_id', 'failure_mode', 'version', 'status', 'kind', 'age_axis', 'restoration', 'data_to',
  'failures', 'censored', 'fit', 'backtest', 'trigger', 'created_by', 'created_at', 'activated_at',
] as const;

const HOUR_MS = 3_600_000;

function fromRow(r: Omit<Selectable<ReliabilityModelsTable>, 'model_json'>): ReliabilityModelRecord {
  return {
    id: r.id,
    assetModelId: r.asset_model_id,
    failureMode: r.failure_mode,
    version: Number(r.version),
    status: r.status as ReliabilityModelStatus,
    kind: r.kind,
    ageAxis: r.age_axis,
    restoration: r.restoration,
    dataTo: Number(r.data_to),
    failures: Number(r.failures),
    censored: Number(r.censored),
    fit: JSON.parse(r.fit) as Record<string, unknown>,
    backtest: r.backtest === null ? null : (JSON.parse(r.backtest) as Record<string, unknown>),
    trigger: r.trigger,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    activatedAt: r.activated_at === null ? null : Number(r.activated_at),
  };
}

const reliabilityModelId = (now: number) => `rel_${newId('assetModel', now).slice(4)}`;

/**
 * What population reliability is learned from (assets, completed work orders,
 * the hour meter's daily totals of one asset model) and the versioned models
 * per asset model and failure mode.
 */
export function reliabilityRepository(db: Kysely<Database>) {
  async function write<R>(fn: (tx: Transaction<Database>) => Promise<R>): Promise<R> {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      throw translateDbError(err, 'reliability model version');
    }
  }

  async function activateIn(tx: Transaction<Database>, assetModelId: string, failureMode: string, version: number, now: number): Promise<void> {
    await tx
      .updateTable('reliability_models')
      .set({ status: 'inactive' })
      .where('asset_model_id', '=', assetModelId)
      .where('failure_mode', '=', failureMode)
      .where('status', '=', 'active')
      .execute();
    const res = await tx
      .updateTable('reliability_models')
      .set({ status: 'active', activated_at: now })
      .where('asset_model_id', '=', assetModelId)
      .where('failure_mode', '=', failureMode)
      .where('version', '=', version)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new AppError('NOT_FOUND', `reliability model v${version} of ${failureMode} not found`);
  }

  async function find(assetModelId: string, failureMode: string, version: number): Promise<ReliabilityModelRecord | undefined> {
    const row = await db
      .selectFrom('reliability_models')
      .select(RECORD_COLUMNS)
      .where('asset_model_id', '=', assetModelId)
      .where('failure_mode', '=', failureMode)
      .where('version', '=', version)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  return {
    async populationAssets(assetModelId: string): Promise<PopulationAsset[]> {
      const rows = await db
        .selectFrom('assets')
        .select(['id', 'serial_number', 'commissioned_on', 'status'])
        .where('asset_model_id', '=', assetModelId)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ assetId: r.id, serialNumber: r.serial_number, commissionedAt: Date.parse(`${r.commissioned_on}T00:00:00Z`), status: r.status }));
    },

    /**
     * Completed corrective (failure) and preventive (replacement) orders of
     * the failure mode on the model's assets, oldest first. Other failure
     * modes do not end this mode's lives (competing risks).
     */
    async lifeEndingOrders(assetModelId: string, failureMode: string): Promise<LifeEndingOrder[]> {
      const rows = await db
        .selectFrom('work_orders')
        .innerJoin('assets', 'assets.id', 'work_orders.asset_id')
        .leftJoin('work_order_completions', 'work_order_completions.work_order_id', 'work_orders.id')
        .select(['work_orders.id', 'work_orders.asset_id', 'work_orders.kind', 'work_orders.completed_at', 'work_order_completions.failure_at'])
        .where('assets.asset_model_id', '=', assetModelId)
        .where('work_orders.failure_mode', '=', failureMode)
        .where('work_orders.state', '=', 'completed')
        .where('work_orders.kind', 'in', ['corrective', 'preventive'])
        .execute();
      return rows
        .map((r): LifeEndingOrder => {
          const failure = r.kind === 'corrective';
          const at = Number(failure ? (r.failure_at ?? r.completed_at) : r.completed_at);
          return { assetId: r.asset_id, workOrderId: r.id, kind: failure ? 'failure' : 'replacement', at };
        })
        .sort((a, b) => a.at - b.at || (a.workOrderId < b.workOrderId ? -1 : 1));
    },

    /** Failure modes with at least one completed corrective order on the model's assets. */
    async recordedFailureModes(assetModelId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('work_orders')
        .innerJoin('assets', 'assets.id', 'work_orders.asset_id')
        .select('work_orders.failure_mode')
        .distinct()
        .where('assets.asset_model_id', '=', assetModelId)
        .where('work_orders.kind', '=', 'corrective')
        .where('work_orders.state', '=', 'completed')
        .where('work_orders.failure_mode', 'is not', null)
        .execute();
      return rows.map((r) => r.failure_mode!).sort();
    },

    /** The hour meter's current daily totals of every asset of the model, in hours. */
    async operatingDays(assetModelId: string): Promise<Map<string, { day: string; hours: number }[]>> {
      const rows = await db
        .selectFrom('operating_hours_daily')
        .innerJoin('assets', 'assets.id', 'operating_hours_daily.asset_id')
        .select(['operating_hours_daily.asset_id', 'operating_hours_daily.day', 'operating_hours_daily.operating_ms'])
        .where('assets.asset_model_id', '=', assetModelId)
        .orderBy('operating_hours_daily.asset_id')
        .orderBy('operating_hours_daily.day')
        .execute();
      const out = new Map<string, { day: string; hours: number }[]>();
      for (const r of rows) {
        const list = out.get(r.asset_id) ?? [];
        list.push({ day: r.day, hours: Number(r.operating_ms) / HOUR_MS });
        out.set(r.asset_id, list);
      }
      return out;
    },

    models: {
      async create(input: NewReliabilityModel, now = Date.now()): Promise<ReliabilityModelRecord> {
        for (let attempt = 0; ; attempt++) {
          try {
            const version = await write(async (tx) => {
              const last = await tx
                .selectFrom('reliability_models')
                .select((eb) => eb.fn.max('version').as('v'))
                .where('asset_model_id', '=', input.assetModelId)
                .where('failure_mode', '=', input.failureMode)
                .executeTakeFirst();
              const version = Number(last?.v ?? 0) + 1;
              await tx
                .insertInto('reliability_models')
                .values({
                  id: reliabilityModelId(now),
                  asset_model_id: input.assetModelId,
                  failure_mode: input.failureMode,
                  version,
                  status: 'inactive',
                  kind: input.kind,
                  age_axis: input.ageAxis,
                  restoration: input.restoration,
                  data_to: input.dataTo,
                  failures: input.failures,
                  censored: input.censored,
                  fit: JSON.stringify(input.fit),
                  backtest: input.backtest === null ? null : JSON.stringify(input.backtest),
                  trigger: input.trigger,
                  created_by: input.createdBy ?? null,
                  created_at: now,
                  model_json: input.modelJson ?? null,
                })
                .execute();
              if (input.activate) await activateIn(tx, input.assetModelId, input.failureMode, version, now);
              return version;
            });
            return (await find(input.assetModelId, input.failureMode, version))!;
          } catch (err) {
            // Two trainings finishing together may pick the same number: the loser takes the next.
            if (attempt < 3 && err instanceof AppError && err.code === 'CONFLICT') continue;
            throw err;
          }
        }
      },

      /** Versions of one failure mode (or all of the asset model), newest first. */
      async list(assetModelId: string, failureMode?: string): Promise<ReliabilityModelRecord[]> {
        let q = db.selectFrom('reliability_models').select(RECORD_COLUMNS).where('asset_model_id', '=', assetModelId);
        if (failureMode !== undefined) q = q.where('failure_mode', '=', failureMode);
        const rows = await q.orderBy('failure_mode').orderBy('version', 'desc').execute();
        return rows.map(fromRow);
      },

      find,

      async active(assetModelId: string, failureMode: string): Promise<ReliabilityModelRecord | undefined> {
        const row = await db
          .selectFrom('reliability_models')
          .select(RECORD_COLUMNS)
          .where('asset_model_id', '=', assetModelId)
          .where('failure_mode', '=', failureMode)
          .where('status', '=', 'active')
          .executeTakeFirst();
        return row && fromRow(row);
      },

      /** A condition version's trees and channel spec; undefined for Weibull versions. */
      async loadModelJson(id: string): Promise<string | undefined> {
        const row = await db.selectFrom('reliability_models').select('model_json').where('id', '=', id).executeTakeFirst();
        return row?.model_json ?? undefined;
      },

      async activate(assetModelId: string, failureMode: string, version: number, now = Date.now()): Promise<ReliabilityModelRecord> {
        await write((tx) => activateIn(tx, assetModelId, failureMode, version, now));
        return (await find(assetModelId, failureMode, version))!;
      },
    },
  };
}

export type ReliabilityRepository = ReturnType<typeof reliabilityRepository>;
