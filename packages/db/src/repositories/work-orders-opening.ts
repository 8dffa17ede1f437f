import { newId, repeatableMode, repeatLookup, type WorkOrder, type WorkOrderInput, type WorkOrderSla } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import type { Kysely } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database } from '../schema.js';
import type { Executor } from './crud.js';
import { insertWorkOrderSla } from './work-order-sla-rows.js';
import { ACTIVE_STATES, num, type WorkOrderState } from './work-orders-rows.js';
import { checkAsset, workOrderEventRecorder, workOrderReader, workOrderWriter } from './work-orders-shared.js';

export interface CreateOptions {
  actor: string;
  now: number;
  source?: WorkOrder['source'];
  scheduleId?: string | undefined;
  suggestedPartNumbers?: readonly string[] | undefined;
  /** A corrective order within this window after a completed one on the same asset and mode is a repeat, unless the asset model sets its own. */
  repeatWindowMs: number;
  /** The SLA the new order carries (entitlement or override), written in the insert's transaction. */
  sla?: Omit<WorkOrderSla, 'workOrderId' | 'startedAt'> | undefined;
}

/** Opening orders: the insert (repeat failures, SLA, installation checklist) and the one active preventive order per asset and failure mode. */
export function workOrderOpeningRepository(db: Kysely<Database>) {
  const write = workOrderWriter(db);
  const { get } = workOrderReader(db);
  const event = workOrderEventRecorder(db);

  /**
   * An installation order gets its model's checklist when it is opened (issue
   * 18); a model without one cannot be installed, as nothing would say when
   * commissioning is done.
   */
  async function copyInstallationChecklist(tx: Executor, workOrderId: string, assetId: string): Promise<void> {
    const items = await tx
      .selectFrom('installation_checklist_templates')
      .innerJoin('assets', 'assets.asset_model_id', 'installation_checklist_templates.asset_model_id')
      .selectAll('installation_checklist_templates')
      .where('assets.id', '=', assetId)
      .orderBy('position')
      .execute();
    if (!items.length) {
      throw new AppError('VALIDATION_FAILED', `kind: the asset model of asset ${assetId} has no installation checklist; define it (PUT /asset-models/{id}/installation-checklist) first`, { field: 'kind' });
    }
    await tx
      .insertInto('work_order_checklist_items')
      .values(items.map((i) => ({ work_order_id: workOrderId, code: i.code, label: i.label, mandatory: i.mandatory, position: i.position, done_by: null, done_at: null })))
      .execute();
  }

  async function insert(tx: Executor, input: WorkOrderInput, o: CreateOptions): Promise<WorkOrder> {
    await checkAsset(tx, input.assetId);
    // The rule (which orders repeat which) is the domain's; this runs its lookup in the insert's transaction.
    let repeatOf: string | null = null;
    const mode = repeatableMode(input);
    if (mode) {
      const model = await tx
        .selectFrom('assets')
        .innerJoin('asset_models', 'asset_models.id', 'assets.asset_model_id')
        .select('asset_models.repeat_window_days')
        .where('assets.id', '=', input.assetId)
        .executeTakeFirst();
      const modelDays = model?.repeat_window_days == null ? undefined : num(model.repeat_window_days);
      const lookup = repeatLookup(mode, o.now, { modelDays, configuredMs: o.repeatWindowMs });
      const prev = await tx
        .selectFrom('work_orders')
        .select('id')
        .where('asset_id', '=', input.assetId)
        .where('failure_mode', '=', lookup.failureMode)
        .where('state', '=', 'completed')
        .where('completed_at', '>=', lookup.completedFrom)
        .where('completed_at', '<=', lookup.completedTo)
        .orderBy('completed_at', 'desc')
        .executeTakeFirst();
      repeatOf = prev?.id ?? null;
    }
    const id = newId('workOrder', o.now);
    await tx
      .insertInto('work_orders')
      .values({
        id,
        kind: input.kind,
        state: 'open',
        asset_id: input.assetId,
        failure_mode: input.failureMode ?? null,
        alert_id: input.alertId ?? null,
        description: input.description ?? null,
        reason: input.reason ?? null,
        source: o.source ?? 'manual',
        severity: input.severity ?? null,
        rul_hours: input.rulHours ?? null,
        suggested_part_numbers: o.suggestedPartNumbers?.length ? JSON.stringify([...o.suggestedPartNumbers]) : null,
        schedule_id: o.scheduleId ?? null,
        technician: null,
        window_from: null,
        window_to: null,
        sla_due_at: input.slaDueAt ?? (o.sla ? o.now + o.sla.fixMs : null),
        repeat_of_id: repeatOf,
        completed_at: null,
        cancelled_at: null,
        created_at: o.now,
        updated_at: o.now,
      })
      .execute();
    if (o.sla) await insertWorkOrderSla(tx, { ...o.sla, workOrderId: id, startedAt: o.now });
    if (input.kind === 'installation') await copyInstallationChecklist(tx, id, input.assetId);
    // A due time typed by a planner is an override of what the contract promised: the history says so.
    const handSet = input.slaDueAt !== undefined ? `SLA fix due set by hand to ${new Date(input.slaDueAt).toISOString()}` : undefined;
    const note = [repeatOf ? `repeat failure of ${repeatOf}` : input.reason, handSet].filter(Boolean).join('; ');
    await event(tx, id, 'created', null, 'open', o.actor, o.now, note || undefined);
    if (repeatOf) {
      // The repeated order was no first-time fix after all: recorded now, when the repeat is.
      await tx.updateTable('work_order_completions').set({ repeated_by_id: id }).where('work_order_id', '=', repeatOf).where('repeated_by_id', 'is', null).execute();
    }
    return get(id, tx);
  }

  async function openPreventiveOnce(input: WorkOrderInput & { failureMode: string }, o: CreateOptions) {
    return db.transaction().execute(async (tx) => {
      const found = await tx
        .selectFrom('work_orders')
        .select('id')
        .where('asset_id', '=', input.assetId)
        .where('failure_mode', '=', input.failureMode)
        .where('kind', '=', 'preventive')
        .where('state', 'in', ACTIVE_STATES)
        .executeTakeFirst();
      // Lock the row with a no-op UPDATE (portable stand-in for SELECT ... FOR
      // UPDATE), then re-read: concurrent updates merge instead of overwriting.
      if (found) await tx.updateTable('work_orders').set({ updated_at: o.now }).where('id', '=', found.id).execute();
      const existing = found
        ? await tx.selectFrom('work_orders').selectAll().where('id', '=', found.id).where('state', 'in', ACTIVE_STATES).executeTakeFirst()
        : undefined;
      if (found && !existing) throw new AppError('CONFLICT', 'preventive work order changed state meanwhile');
      if (!existing) return { workOrder: await insert(tx, { ...input, kind: 'preventive' }, o), created: true };
      // A second alert on the same problem updates the first order (docs/domain.md, "Work orders").
      const parts = new Set<string>(existing.suggested_part_numbers ? (JSON.parse(existing.suggested_part_numbers) as string[]) : []);
      for (const p of o.suggestedPartNumbers ?? []) parts.add(p);
      await tx
        .updateTable('work_orders')
        .set({
          alert_id: input.alertId ?? existing.alert_id,
          severity: input.severity ?? existing.severity,
          rul_hours: input.rulHours ?? existing.rul_hours,
          reason: input.reason ?? existing.reason,
          sla_due_at: input.slaDueAt ?? existing.sla_due_at,
          suggested_part_numbers: parts.size ? JSON.stringify([...parts]) : null,
          updated_at: o.now,
        })
        .where('id', '=', existing.id)
        .execute();
      await event(tx, existing.id, 'refreshed', existing.state as WorkOrderState, existing.state as WorkOrderState, o.actor, o.now, `updated by a new request: ${input.reason ?? ''}`.trim());
      return { workOrder: await get(existing.id, tx), created: false };
    });
  }

  return {
    /** Creates an order inside a caller's transaction (a service request triaged into an order). */
    insertWithin: insert,

    create(input: WorkOrderInput, o: CreateOptions): Promise<WorkOrder> {
      if (input.kind === 'preventive' && input.failureMode) {
        return this.openPreventive({ ...input, failureMode: input.failureMode }, o).then((r) => r.workOrder);
      }
      return write((tx) => insert(tx, input, o));
    },

    /**
     * Opens a preventive order, or updates the active one for the same asset
     * and failure mode. The partial unique index settles a race between two
     * first requests: the loser's transaction fails, and its retry finds and
     * updates the winner's order.
     */
    async openPreventive(input: WorkOrderInput & { failureMode: string }, o: CreateOptions): Promise<{ workOrder: WorkOrder; created: boolean }> {
      for (let attempt = 0; ; attempt++) {
        try {
          return await openPreventiveOnce(input, o);
        } catch (err) {
          const e = translateDbError(err, 'preventive work order');
          if (e instanceof AppError && e.code === 'CONFLICT' && attempt < 3) continue;
          throw e;
        }
      }
    },
  };
}
