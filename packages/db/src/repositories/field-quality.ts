import {
  hazardStatus,
  returnReserveCharge,
  type ChecklistItem,
  type ChecklistTemplateItem,
  type Hazard,
  type HazardInput,
  type HazardPatch,
  type ReturnAnalysis,
  type ReturnAnalysisInput,
} from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database, HazardsTable } from '../schema.js';
import type { Executor } from './crud.js';
import { serviceId } from './service-ids.js';
import { num } from './work-orders-rows.js';

type Recurrence = NonNullable<Hazard['recurrence']>;

/**
 * Issue 18, items 5-7: the RMA side of part returns (disposition, failure
 * analysis, the quality-reserve charge of a confirmed manufacturing defect),
 * installation checklists and closed-loop hazard records.
 */
export function fieldQualityRepository(db: Kysely<Database>) {
  async function write<R>(what: string, fn: (tx: Transaction<Database>) => Promise<R>): Promise<R> {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      throw translateDbError(err, what);
    }
  }

  async function analysesOf(ex: Executor, filter: { workOrderId?: string; returnId?: string }): Promise<ReturnAnalysis[]> {
    let q = ex
      .selectFrom('part_returns')
      .innerJoin('parts', 'parts.id', 'part_returns.part_id')
      .selectAll('part_returns')
      .select('parts.part_number')
      .where('part_returns.condition', '=', 'defective')
      .orderBy('part_returns.id');
    if (filter.workOrderId) q = q.where('part_returns.work_order_id', '=', filter.workOrderId);
    if (filter.returnId) q = q.where('part_returns.id', '=', filter.returnId);
    const rows = await q.execute();
    return rows.map((r) => ({
      returnId: r.id,
      workOrderId: r.work_order_id,
      partNumber: r.part_number,
      quantity: num(r.quantity),
      disposition: (r.disposition ?? null) as ReturnAnalysis['disposition'],
      failureAnalysis: (r.failure_analysis ?? null) as ReturnAnalysis['failureAnalysis'],
      analysedBy: r.analysed_by ?? null,
      analysedAt: r.analysed_at == null ? null : num(r.analysed_at),
      reserveCharge:
        r.reserve_batch_id && r.reserve_charge_minor != null
          ? { productionBatchId: r.reserve_batch_id, amountMinor: num(r.reserve_charge_minor), currency: r.reserve_currency ?? '' }
          : null,
      noChargeReason: null,
    }));
  }

  /**
   * The first completed corrective order of the hazard's failure mode on one
   * of its models whose failure happened after the corrective action.
   */
  async function recurrenceOf(ex: Executor, h: Selectable<HazardsTable>): Promise<Recurrence | null> {
    if (h.corrective_action_at == null) return null;
    const models = JSON.parse(h.asset_model_ids) as string[];
    const r = await ex
      .selectFrom('work_order_completions')
      .innerJoin('work_orders', 'work_orders.id', 'work_order_completions.work_order_id')
      .innerJoin('assets', 'assets.id', 'work_orders.asset_id')
      .select(['work_orders.id', 'work_orders.asset_id', 'work_order_completions.completed_at'])
      .where('work_orders.kind', '=', 'corrective')
      .where('work_orders.failure_mode', '=', h.failure_mode)
      .where('assets.asset_model_id', 'in', models)
      .where('work_order_completions.failure_at', '>', num(h.corrective_action_at))
      .orderBy('work_order_completions.failure_at')
      .orderBy('work_orders.id')
      .executeTakeFirst();
    return r ? { workOrderId: r.id, assetId: r.asset_id, completedAt: num(r.completed_at) } : null;
  }

  // The executor matters: on SQLite a query outside the open transaction would wait for it forever.
  async function hazardFromRow(ex: Executor, r: Selectable<HazardsTable>): Promise<Hazard> {
    const recurrence = await recurrenceOf(ex, r);
    const base = {
      correctiveActionAt: r.corrective_action_at == null ? null : num(r.corrective_action_at),
      verifiedAt: r.verified_at == null ? null : num(r.verified_at),
      recurrence,
    };
    return {
      id: r.id,
      title: r.title,
      responsibleDepartment: r.responsible_department as Hazard['responsibleDepartment'],
      causeCode: r.cause_code,
      failureMode: r.failure_mode,
      assetModelIds: JSON.parse(r.asset_model_ids) as string[],
      rootCause: r.root_cause ?? null,
      correctiveAction: r.corrective_action ?? null,
      preventiveAction: r.preventive_action ?? null,
      owner: r.owner,
      dueOn: r.due_on,
      verifiedBy: r.verified_by ?? null,
      ...base,
      status: hazardStatus(base),
      createdBy: r.created_by,
      createdAt: num(r.created_at),
      updatedAt: num(r.updated_at),
    };
  }

  async function getHazard(id: string, ex: Executor = db): Promise<Hazard> {
    const r = await ex.selectFrom('hazards').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('hazard', id);
    return hazardFromRow(ex, r);
  }

  async function checkModels(ex: Executor, ids: readonly string[]) {
    const found = await ex.selectFrom('asset_models').select('id').where('id', 'in', [...ids]).execute();
    const missing = ids.filter((id) => !found.some((f) => f.id === id));
    if (missing.length) throw new AppError('REFERENCE_NOT_FOUND', `assetModelIds: asset model ${missing.join(', ')} does not exist`, { field: 'assetModelIds', ids: missing });
  }

  return {
    returns: {
      /** The RMA state of an order's defective returns. */
      forWorkOrder: (workOrderId: string) => analysesOf(db, { workOrderId }),

      /**
       * Records the disposition and failure analysis of a defective return,
       * once. A confirmed manufacturing defect charges the batch's quality
       * reserve in the same transaction (see `returnReserveCharge`); the charge
       * lives on the return, where the reserve's standing sums it.
       */
      analyse(returnId: string, a: ReturnAnalysisInput, actor: string, at: number): Promise<ReturnAnalysis> {
        return write('return analysis', async (tx) => {
          const ret = await tx.selectFrom('part_returns').selectAll().where('id', '=', returnId).executeTakeFirst();
          if (!ret) throw notFound('part return', returnId);
          if (ret.condition !== 'defective') throw new AppError('VALIDATION_FAILED', `return ${returnId} is an unused part back on the shelf; only a replaced (defective) unit is analysed`, { field: 'returnId' });
          const completion = await tx
            .selectFrom('work_order_completions')
            .select(['in_warranty', 'charged_to', 'production_batch_id'])
            .where('work_order_id', '=', ret.work_order_id)
            .executeTakeFirstOrThrow();
          const consumed = await tx
            .selectFrom('work_order_parts_consumed')
            .select(['unit_cost_minor', 'currency'])
            .where('work_order_id', '=', ret.work_order_id)
            .where('part_id', '=', ret.part_id)
            .executeTakeFirstOrThrow();
          const decision = returnReserveCharge({
            failureAnalysis: a.failureAnalysis,
            completion: { inWarranty: num(completion.in_warranty) === 1, chargedTo: completion.charged_to, productionBatchId: completion.production_batch_id },
            quantity: num(ret.quantity),
            unitCostMinor: num(consumed.unit_cost_minor),
            currency: consumed.currency,
          });
          // The condition on analysed_at makes the analysis (and so the charge) happen once under concurrency.
          const res = await tx
            .updateTable('part_returns')
            .set({
              disposition: a.disposition,
              failure_analysis: a.failureAnalysis,
              analysed_by: actor,
              analysed_at: at,
              reserve_batch_id: decision.charge?.productionBatchId ?? null,
              reserve_charge_minor: decision.charge?.amountMinor ?? null,
              reserve_currency: decision.charge?.currency ?? null,
            })
            .where('id', '=', returnId)
            .where('analysed_at', 'is', null)
            .executeTakeFirst();
          if (Number(res.numUpdatedRows) !== 1) {
            throw new AppError('CONFLICT', `return ${returnId} was already analysed (${ret.failure_analysis ?? 'by another request'}); an analysis is recorded once`);
          }
          const [out] = await analysesOf(tx, { returnId });
          return { ...out!, noChargeReason: decision.charge ? null : decision.reason };
        });
      },

      /**
       * Consumed against returned parts of orders completed in [from, to), per
       * order and part, with the order's technician (free text today).
       */
      async reconciliationByTechnician(from: number, to: number) {
        const rows = await db
          .selectFrom('work_order_parts_consumed')
          .innerJoin('work_orders', 'work_orders.id', 'work_order_parts_consumed.work_order_id')
          .innerJoin('work_order_completions', 'work_order_completions.work_order_id', 'work_order_parts_consumed.work_order_id')
          .select([
            'work_order_parts_consumed.work_order_id',
            'work_order_parts_consumed.part_id',
            'work_order_parts_consumed.part_number',
            'work_order_parts_consumed.quantity',
            'work_orders.technician',
            'work_order_completions.completed_at',
          ])
          .where('work_order_completions.completed_at', '>=', from)
          .where('work_order_completions.completed_at', '<', to)
          .execute();
        const back = rows.length
          ? await db
              .selectFrom('part_returns')
              .select((eb) => ['work_order_id', 'part_id', eb.fn.sum<number>('quantity').as('q')])
              .where('work_order_id', 'in', [...new Set(rows.map((r) => r.work_order_id))])
              .groupBy(['work_order_id', 'part_id'])
              .execute()
          : [];
        return rows.map((r) => ({
          workOrderId: r.work_order_id,
          partNumber: r.part_number,
          technician: r.technician ?? null,
          completedAt: num(r.completed_at),
          consumed: num(r.quantity),
          returned: num(back.find((b) => b.work_order_id === r.work_order_id && b.part_id === r.part_id)?.q ?? 0),
        }));
      },
    },

    checklists: {
      async template(assetModelId: string, ex: Executor = db): Promise<ChecklistTemplateItem[]> {
        const rows = await ex.selectFrom('installation_checklist_templates').selectAll().where('asset_model_id', '=', assetModelId).orderBy('position').execute();
        return rows.map((r) => ({ code: r.code, label: r.label, mandatory: num(r.mandatory) === 1 }));
      },
      /** Replaces a model's template; orders already opened keep the checklist they were given. */
      putTemplate(assetModelId: string, items: readonly ChecklistTemplateItem[]): Promise<ChecklistTemplateItem[]> {
        return write('installation checklist', async (tx) => {
          const m = await tx.selectFrom('asset_models').select('id').where('id', '=', assetModelId).executeTakeFirst();
          if (!m) throw notFound('asset model', assetModelId);
          await tx.deleteFrom('installation_checklist_templates').where('asset_model_id', '=', assetModelId).execute();
          await tx
            .insertInto('installation_checklist_templates')
            .values(items.map((i, position) => ({ asset_model_id: assetModelId, code: i.code, label: i.label, mandatory: i.mandatory ? 1 : 0, position })))
            .execute();
          return this.template(assetModelId, tx);
        });
      },
      async forWorkOrder(workOrderId: string, ex: Executor = db): Promise<ChecklistItem[]> {
        const rows = await ex.selectFrom('work_order_checklist_items').selectAll().where('work_order_id', '=', workOrderId).orderBy('position').execute();
        return rows.map((r) => ({ code: r.code, label: r.label, mandatory: num(r.mandatory) === 1, doneBy: r.done_by ?? null, doneAt: r.done_at == null ? null : num(r.done_at) }));
      },
      /** Ticks (or unticks) one item of an active installation order. */
      tick(workOrderId: string, code: string, done: boolean, actor: string, at: number): Promise<ChecklistItem[]> {
        return write('checklist item', async (tx) => {
          const wo = await tx.selectFrom('work_orders').select(['state', 'kind']).where('id', '=', workOrderId).executeTakeFirst();
          if (!wo) throw notFound('work order', workOrderId);
          if (wo.kind !== 'installation') throw new AppError('VALIDATION_FAILED', `work order ${workOrderId} is ${wo.kind}; only installation orders have a checklist`);
          if (wo.state === 'completed' || wo.state === 'cancelled') throw new AppError('ILLEGAL_TRANSITION', `work order ${workOrderId} is ${wo.state}; its checklist is closed`);
          const res = await tx
            .updateTable('work_order_checklist_items')
            .set(done ? { done_by: actor, done_at: at } : { done_by: null, done_at: null })
            .where('work_order_id', '=', workOrderId)
            .where('code', '=', code)
            .executeTakeFirst();
          if (Number(res.numUpdatedRows) !== 1) throw notFound('checklist item', `${workOrderId}/${code}`);
          return this.forWorkOrder(workOrderId, tx);
        });
      },
      /** Hours of completed installation orders, with their model and completion instant (the KPI's input). */
      async installationHours(from: number, to: number) {
        const rows = await db
          .selectFrom('work_order_completions')
          .innerJoin('work_orders', 'work_orders.id', 'work_order_completions.work_order_id')
          .innerJoin('assets', 'assets.id', 'work_orders.asset_id')
          .innerJoin('asset_models', 'asset_models.id', 'assets.asset_model_id')
          .select(['work_orders.id', 'assets.asset_model_id', 'asset_models.name', 'work_order_completions.labour_hours', 'work_order_completions.completed_at'])
          .where('work_orders.kind', '=', 'installation')
          .where('work_order_completions.completed_at', '>=', from)
          .where('work_order_completions.completed_at', '<', to)
          .execute();
        return rows.map((r) => ({ workOrderId: r.id, assetModelId: r.asset_model_id, modelName: r.name, labourHours: num(r.labour_hours), completedAt: num(r.completed_at) }));
      },
    },

    hazards: {
      get: getHazard,
      async list(filters: { department?: string | undefined; assetModelId?: string | undefined } = {}): Promise<Hazard[]> {
        let q = db.selectFrom('hazards').selectAll().orderBy('id');
        if (filters.department) q = q.where('responsible_department', '=', filters.department);
        const rows = await q.execute();
        const all = await Promise.all(rows.map((row) => hazardFromRow(db, row)));
        return filters.assetModelId ? all.filter((h) => h.assetModelIds.includes(filters.assetModelId!)) : all;
      },
      create(input: HazardInput, actor: string, at: number): Promise<Hazard> {
        return write('hazard', async (tx) => {
          await checkModels(tx, input.assetModelIds);
          const id = serviceId('haz', at);
          await tx
            .insertInto('hazards')
            .values({
              id,
              title: input.title,
              responsible_department: input.responsibleDepartment,
              cause_code: input.causeCode,
              failure_mode: input.failureMode,
              asset_model_ids: JSON.stringify([...new Set(input.assetModelIds)]),
              root_cause: input.rootCause ?? null,
              corrective_action: input.correctiveAction ?? null,
              corrective_action_at: input.correctiveActionAt ?? null,
              preventive_action: input.preventiveAction ?? null,
              owner: input.owner,
              due_on: input.dueOn,
              verified_at: null,
              verified_by: null,
              created_by: actor,
              created_at: at,
              updated_at: at,
            })
            .execute();
          return getHazard(id, tx);
        });
      },
      /** Edits the closed-loop fields; a verified hazard is closed for edits (unverify by a new record). */
      update(id: string, patch: HazardPatch, at: number): Promise<Hazard> {
        return write('hazard', async (tx) => {
          const h = await getHazard(id, tx);
          if (h.verifiedAt !== null) throw new AppError('ILLEGAL_TRANSITION', `hazard ${id} was verified by ${h.verifiedBy ?? '?'}; a verified hazard is not edited`);
          await tx
            .updateTable('hazards')
            .set({
              ...(patch.title !== undefined ? { title: patch.title } : {}),
              ...(patch.rootCause !== undefined ? { root_cause: patch.rootCause } : {}),
              ...(patch.correctiveAction !== undefined ? { corrective_action: patch.correctiveAction } : {}),
              ...(patch.correctiveActionAt !== undefined ? { corrective_action_at: patch.correctiveActionAt } : {}),
              ...(patch.preventiveAction !== undefined ? { preventive_action: patch.preventiveAction } : {}),
              ...(patch.owner !== undefined ? { owner: patch.owner } : {}),
              ...(patch.dueOn !== undefined ? { due_on: patch.dueOn } : {}),
              updated_at: at,
            })
            .where('id', '=', id)
            .execute();
          return getHazard(id, tx);
        });
      },
      /**
       * Verification closes the loop: it needs the root cause and both actions
       * with the corrective action's date, and the problem must not have come
       * back since; a later recurrence still shows (status `recurred`).
       */
      verify(id: string, actor: string, at: number): Promise<Hazard> {
        return write('hazard', async (tx) => {
          const h = await getHazard(id, tx);
          if (h.verifiedAt !== null) throw new AppError('CONFLICT', `hazard ${id} was already verified by ${h.verifiedBy ?? '?'}`);
          const missing = [
            h.rootCause ? null : 'rootCause',
            h.correctiveAction ? null : 'correctiveAction',
            h.correctiveActionAt !== null ? null : 'correctiveActionAt',
            h.preventiveAction ? null : 'preventiveAction',
          ].filter((x): x is string => x !== null);
          if (missing.length) throw new AppError('VALIDATION_FAILED', `${missing[0]}: hazard ${id} cannot be verified without ${missing.join(', ')}`, { field: missing[0], missing });
          if (h.recurrence) {
            throw new AppError('ILLEGAL_TRANSITION', `hazard ${id} recurred after its corrective action (work order ${h.recurrence.workOrderId}); revise the action before verifying`);
          }
          await tx.updateTable('hazards').set({ verified_at: at, verified_by: actor, updated_at: at }).where('id', '=', id).where('verified_at', 'is', null).execute();
          return getHazard(id, tx);
        });
      },
    },
  };
}

export type FieldQualityRepository = ReturnType<typeof fieldQualityRepository>;
