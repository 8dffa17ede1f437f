import {
  newId,
  repeatableMode,
  repeatLookup,
  type FailureCode,
  type FailureCodeInput,
  type MaintenanceSchedule,
  type MaintenanceScheduleInput,
  type WorkOrder,
  type WorkOrderCompletion,
  type WorkOrderEvent,
  type WorkOrderInput,
  type WorkOrderSla,
} from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import type { Kysely, Transaction } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { Database } from '../schema.js';
import { DEFAULT_PAGE, MAX_PAGE, type Executor, type Page } from './crud.js';
import { issueUnreserved, settlePartRequests } from './parts.js';
import { appendToOutbox } from './outbox.js';
import { serviceId } from './service-ids.js';
import { insertWorkOrderSla } from './work-order-sla-rows.js';
import { ACTIVE_STATES, completionFromRow, num, scheduleFromRow, workOrderFromRow, type WorkOrderState } from './work-orders-rows.js';
import { reserveStandings, type ReserveEventKind, type ReserveStanding } from './work-orders-reserves.js';

export { ACTIVE_STATES, completionFromRow, workOrderFromRow } from './work-orders-rows.js';
export type { ReserveEventKind, ReserveStanding } from './work-orders-reserves.js';

export interface WorkOrderFilters {
  state?: string | undefined;
  kind?: string | undefined;
  assetId?: string | undefined;
  failureMode?: string | undefined;
}

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

export interface CompletionRecord extends Omit<WorkOrderCompletion, 'workOrderId' | 'completedAt' | 'completedBy' | 'firstTimeFix' | 'repeatedById'> {
  /** Part id -> quantity actually used: issued from the order's reservations, the rest released. */
  consumedByPartId: ReadonlyMap<string, number>;
  /** Part id -> where units used beyond the reservations come from (see issueUnreserved). */
  sourcesByPartId: ReadonlyMap<string, { candidates: readonly string[]; named: boolean }>;
}

export interface TransitionInput {
  /** The state the caller saw: the update only happens if the order is still in it. */
  from: WorkOrderState;
  to: WorkOrderState;
  actor: string;
  at: number;
  note?: string | undefined;
  /** Free-text `technician` (the legacy schedule) or `technicianId` (an assignment, which clears the free text). */
  schedule?: { technician?: string | undefined; technicianId?: string | undefined; windowFrom: number; windowTo: number } | undefined;
}

/** How an order changed, as its outbox event says. */
type WorkOrderChange = 'created' | 'refreshed' | 'edited' | 'transition' | 'completed';

export function workOrderRepository(db: Kysely<Database>) {
  async function write<R>(fn: (tx: Transaction<Database>) => Promise<R>): Promise<R> {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      throw translateDbError(err, 'work order');
    }
  }

  async function find(id: string, ex: Executor = db): Promise<WorkOrder | undefined> {
    const r = await ex.selectFrom('work_orders').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? workOrderFromRow(r) : undefined;
  }
  async function get(id: string, ex: Executor = db): Promise<WorkOrder> {
    const wo = await find(id, ex);
    if (!wo) throw notFound('work order', id);
    return wo;
  }

  async function completionOf(id: string, ex: Executor = db): Promise<WorkOrderCompletion | undefined> {
    const r = await ex.selectFrom('work_order_completions').selectAll().where('work_order_id', '=', id).executeTakeFirst();
    if (!r) return undefined;
    const parts = await ex.selectFrom('work_order_parts_consumed').selectAll().where('work_order_id', '=', id).orderBy('part_number').execute();
    return completionFromRow(
      r,
      parts.map((p) => ({ partId: p.part_id, partNumber: p.part_number, quantity: num(p.quantity), unitCost: { amountMinor: num(p.unit_cost_minor), currency: p.currency } })),
    );
  }

  /**
   * Records a step of the order's history and, in the same transaction, its
   * event in the integration outbox (webhooks): the payloads of the bus's
   * `workorder.*` events, with `change` also `edited` for planning edits.
   */
  async function event(tx: Executor, workOrderId: string, change: WorkOrderChange, from: WorkOrderState | null, to: WorkOrderState, actor: string, at: number, note?: string) {
    await tx
      .insertInto('work_order_events')
      .values({ id: serviceId('woe', at), work_order_id: workOrderId, from_state: from, to_state: to, actor, at, note: note ?? null })
      .execute();
    const workOrder = await get(workOrderId, tx);
    if (change === 'created') await appendToOutbox(tx, 'workorder.created', { workOrder }, at);
    else if (change === 'completed') await appendToOutbox(tx, 'workorder.completed', { workOrder, completion: await completionOf(workOrderId, tx) }, at);
    else await appendToOutbox(tx, 'workorder.updated', { workOrder, change, ...(from ? { from } : {}), to, actor }, at);
  }

  async function checkAsset(tx: Executor, assetId: string): Promise<void> {
    const a = await tx.selectFrom('assets').select('id').where('id', '=', assetId).executeTakeFirst();
    if (!a) throw new AppError('REFERENCE_NOT_FOUND', `assetId: asset ${assetId} does not exist`, { field: 'assetId', id: assetId });
  }

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
    find,
    get,
    /** Records a history step (and its outbox event) inside a caller's transaction: holds, SLA changes. */
    recordEvent: event,
    /** Creates an order inside a caller's transaction (a service request triaged into an order). */
    insertWithin: insert,

    async list(opts: { limit?: number | undefined; cursor?: string | undefined; filters?: WorkOrderFilters | undefined } = {}): Promise<Page<WorkOrder>> {
      const limit = Math.min(Math.max(opts.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
      let q = db.selectFrom('work_orders').selectAll().orderBy('id').limit(limit + 1);
      if (opts.cursor) q = q.where('id', '>', opts.cursor);
      const f = opts.filters ?? {};
      if (f.state) q = q.where('state', '=', f.state);
      if (f.kind) q = q.where('kind', '=', f.kind);
      if (f.assetId) q = q.where('asset_id', '=', f.assetId);
      if (f.failureMode) q = q.where('failure_mode', '=', f.failureMode);
      const rows = await q.execute();
      return { items: rows.slice(0, limit).map(workOrderFromRow), nextCursor: rows.length > limit ? rows[limit - 1]!.id : null };
    },

    /** Orders still to do (open, scheduled, in progress), oldest first. */
    async active(): Promise<WorkOrder[]> {
      const rows = await db.selectFrom('work_orders').selectAll().where('state', 'in', ACTIVE_STATES).orderBy('id').execute();
      return rows.map(workOrderFromRow);
    },

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

    /** Edits the planning fields of an active order (not its state, asset or kind). */
    update(id: string, patch: { description?: string | undefined; slaDueAt?: number | undefined; severity?: WorkOrder['severity'] }, actor: string, at: number): Promise<WorkOrder> {
      return write(async (tx) => {
        const set = {
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.slaDueAt !== undefined ? { sla_due_at: patch.slaDueAt } : {}),
          ...(patch.severity !== undefined ? { severity: patch.severity } : {}),
          updated_at: at,
        };
        const res = await tx.updateTable('work_orders').set(set).where('id', '=', id).where('state', 'in', ACTIVE_STATES).executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) {
          const wo = await get(id, tx);
          throw new AppError('ILLEGAL_TRANSITION', `work order ${id} is ${wo.state}; only an active order can be edited`);
        }
        const wo = await get(id, tx);
        await event(tx, id, 'edited', wo.state, wo.state, actor, at, `edited: ${Object.keys(patch).join(', ')}`);
        return wo;
      });
    },

    /** Moves an order between states if it is still in `from`; records who and when. */
    transition(id: string, t: TransitionInput): Promise<WorkOrder> {
      return write(async (tx) => {
        const extra =
          t.to === 'cancelled'
            ? { cancelled_at: t.at }
            : t.schedule
              ? { technician: t.schedule.technician ?? null, technician_id: t.schedule.technicianId ?? null, window_from: t.schedule.windowFrom, window_to: t.schedule.windowTo }
              : {};
        const res = await tx
          .updateTable('work_orders')
          .set({ state: t.to, updated_at: t.at, ...extra })
          .where('id', '=', id)
          .where('state', '=', t.from)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) {
          const now = await get(id, tx);
          throw new AppError('ILLEGAL_TRANSITION', `work order ${id} is ${now.state}, not ${t.from}; cannot move it to ${t.to}`);
        }
        // Cancelling gives back every reservation and stops pending transfers.
        if (t.to === 'cancelled') await settlePartRequests(tx, id, new Map(), t.at);
        await event(tx, id, 'transition', t.from, t.to, t.actor, t.at, t.note);
        return get(id, tx);
      });
    },

    /** in_progress -> completed with its completion record, consumed parts issued, the rest released: one transaction. */
    complete(id: string, c: CompletionRecord, actor: string, at: number): Promise<{ workOrder: WorkOrder; completion: WorkOrderCompletion }> {
      return write(async (tx) => {
        const res = await tx
          .updateTable('work_orders')
          .set({ state: 'completed', completed_at: at, updated_at: at })
          .where('id', '=', id)
          .where('state', '=', 'in_progress')
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) {
          const now = await get(id, tx);
          throw new AppError('ILLEGAL_TRANSITION', `work order ${id} is ${now.state}; only an in_progress order can be completed`);
        }
        // In the completion's transaction, so an item unticked meanwhile cannot slip through.
        const open = await tx
          .selectFrom('work_order_checklist_items')
          .select('label')
          .where('work_order_id', '=', id)
          .where('mandatory', '=', 1)
          .where('done_at', 'is', null)
          .orderBy('position')
          .execute();
        if (open.length) {
          throw new AppError('ILLEGAL_TRANSITION', `work order ${id}: ${open.length} mandatory checklist item(s) still open: ${open.map((o) => o.label).join('; ')}`, {
            openItems: open.map((o) => o.label),
          });
        }
        await tx
          .insertInto('work_order_completions')
          .values({
            work_order_id: id,
            failure_at: c.failureAt,
            symptom_code: c.symptomCode,
            cause_code: c.causeCode,
            remedy_code: c.remedyCode,
            responsible_department: c.responsibleDepartment,
            labour_hours: c.labourHours,
            travel_hours: c.travelHours,
            downtime_from: c.downtimeFrom,
            downtime_to: c.downtimeTo,
            fixed_on_first_visit: c.fixedOnFirstVisit ? 1 : 0,
            in_warranty: c.inWarranty ? 1 : 0,
            charged_to: c.chargedTo,
            contract_id: c.contractId ?? null,
            production_batch_id: c.productionBatchId ?? null,
            parts_cost_minor: c.partsCost.amountMinor,
            labour_cost_minor: c.labourCost.amountMinor,
            travel_cost_minor: c.travelCost.amountMinor,
            total_cost_minor: c.totalCost.amountMinor,
            currency: c.totalCost.currency,
            completed_by: actor,
            completed_at: at,
          })
          .execute();
        for (const p of c.partsConsumed) {
          await tx
            .insertInto('work_order_parts_consumed')
            .values({ work_order_id: id, part_id: p.partId, part_number: p.partNumber, quantity: p.quantity, unit_cost_minor: p.unitCost.amountMinor, currency: p.unitCost.currency })
            .execute();
        }
        const beyond = await settlePartRequests(tx, id, c.consumedByPartId, at);
        await issueUnreserved(
          tx,
          id,
          [...beyond].map(([partId, quantity]) => ({
            partId,
            partNumber: c.partsConsumed.find((p) => p.partId === partId)?.partNumber ?? partId,
            quantity,
            candidates: c.sourcesByPartId.get(partId)?.candidates ?? [],
            named: c.sourcesByPartId.get(partId)?.named ?? false,
          })),
          at,
        );
        await event(tx, id, 'completed', 'in_progress', 'completed', actor, at);
        const workOrder = await get(id, tx);
        const completion = await completionOf(id, tx);
        return { workOrder, completion: completion! };
      });
    },

    completion: completionOf,

    async events(id: string): Promise<WorkOrderEvent[]> {
      await get(id);
      const rows = await db.selectFrom('work_order_events').selectAll().where('work_order_id', '=', id).orderBy('at').orderBy('id').execute();
      return rows.map((r) => ({
        workOrderId: r.work_order_id,
        fromState: (r.from_state ?? null) as WorkOrderState | null,
        toState: r.to_state as WorkOrderState,
        actor: r.actor,
        at: num(r.at),
        ...(r.note ? { note: r.note } : {}),
      }));
    },

    failureCodes: {
      async list(assetModelId: string): Promise<FailureCode[]> {
        const rows = await db.selectFrom('failure_codes').selectAll().where('asset_model_id', '=', assetModelId).orderBy('kind').orderBy('code').execute();
        return rows.map((r) => ({ assetModelId: r.asset_model_id, kind: r.kind as FailureCode['kind'], code: r.code, description: r.description }));
      },
      /** Creates or replaces one code of a model's catalogue. */
      put(assetModelId: string, input: FailureCodeInput): Promise<FailureCode> {
        return write(async (tx) => {
          const m = await tx.selectFrom('asset_models').select('id').where('id', '=', assetModelId).executeTakeFirst();
          if (!m) throw notFound('asset model', assetModelId);
          await tx
            .insertInto('failure_codes')
            .values({ asset_model_id: assetModelId, kind: input.kind, code: input.code, description: input.description })
            .onConflict((oc) => oc.columns(['asset_model_id', 'kind', 'code']).doUpdateSet({ description: input.description }))
            .execute();
          return { assetModelId, ...input };
        });
      },
      async remove(assetModelId: string, kind: string, code: string): Promise<void> {
        const res = await db.deleteFrom('failure_codes').where('asset_model_id', '=', assetModelId).where('kind', '=', kind).where('code', '=', code).executeTakeFirst();
        if (Number(res.numDeletedRows) === 0) throw notFound('failure code', `${kind}/${code}`);
      },
    },

    schedules: {
      async create(input: MaintenanceScheduleInput & { lastDoneAt: number; lastDoneHours: number }, now = Date.now()): Promise<MaintenanceSchedule> {
        return write(async (tx) => {
          await checkAsset(tx, input.assetId);
          const id = serviceId('sch', now);
          await tx
            .insertInto('maintenance_schedules')
            .values({
              id,
              asset_id: input.assetId,
              failure_mode: input.failureMode,
              description: input.description ?? null,
              interval_days: input.intervalDays ?? null,
              interval_hours: input.intervalHours ?? null,
              last_done_at: input.lastDoneAt,
              last_done_hours: input.lastDoneHours,
              active: input.active ? 1 : 0,
              created_at: now,
              updated_at: now,
            })
            .execute();
          return scheduleFromRow(await tx.selectFrom('maintenance_schedules').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
        });
      },
      async list(filters: { assetId?: string | undefined; active?: boolean | undefined } = {}): Promise<MaintenanceSchedule[]> {
        let q = db.selectFrom('maintenance_schedules').selectAll().orderBy('id');
        if (filters.assetId) q = q.where('asset_id', '=', filters.assetId);
        if (filters.active !== undefined) q = q.where('active', '=', filters.active ? 1 : 0);
        return (await q.execute()).map(scheduleFromRow);
      },
      async get(id: string): Promise<MaintenanceSchedule> {
        const r = await db.selectFrom('maintenance_schedules').selectAll().where('id', '=', id).executeTakeFirst();
        if (!r) throw notFound('maintenance schedule', id);
        return scheduleFromRow(r);
      },
      /** Restarts the intervals from a completed service. */
      async markDone(assetId: string, failureMode: string, at: number, hours: number): Promise<void> {
        await db
          .updateTable('maintenance_schedules')
          .set({ last_done_at: at, last_done_hours: hours, updated_at: at })
          .where('asset_id', '=', assetId)
          .where('failure_mode', '=', failureMode)
          .execute();
      },
      async remove(id: string): Promise<void> {
        const res = await db.deleteFrom('maintenance_schedules').where('id', '=', id).executeTakeFirst();
        if (Number(res.numDeletedRows) === 0) throw notFound('maintenance schedule', id);
      },
    },

    /**
     * Quality reserves of production batches (DOMAIN.md: the reserve belongs to
     * production): what warranty repairs charged to them, the thresholds
     * already signalled and the bonus released at the end of the warranty.
     */
    qualityReserves: {
      /** One batch's reserve and what completions charged to it, all time. */
      async standing(batchId: string): Promise<ReserveStanding | undefined> {
        return (await reserveStandings(db, [batchId]))[0];
      },
      /** Every batch's standing, with its warranty end and the events recorded so far. */
      async all(): Promise<ReserveStanding[]> {
        return reserveStandings(db);
      },
      /** Records a threshold or the bonus once per batch; false when it was already recorded. */
      async record(e: { productionBatchId: string; kind: ReserveEventKind; reserveMinor: number; consumedMinor: number; amountMinor: number; currency: string; at: number }): Promise<boolean> {
        const res = await db
          .insertInto('quality_reserve_events')
          .values({
            production_batch_id: e.productionBatchId,
            kind: e.kind,
            reserve_minor: e.reserveMinor,
            consumed_minor: e.consumedMinor,
            amount_minor: e.amountMinor,
            currency: e.currency,
            at: e.at,
          })
          .onConflict((oc) => oc.columns(['production_batch_id', 'kind']).doNothing())
          .executeTakeFirst();
        return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
      },
    },

    /** Rows the service reports are computed from (see services/work-orders core/reports.ts). */
    reportData: {
      async workOrders(from: number, to: number) {
        // Orders created or completed in the period, plus every still-active one (backlog).
        const rows = await db
          .selectFrom('work_orders')
          .innerJoin('assets', 'assets.id', 'work_orders.asset_id')
          .selectAll('work_orders')
          .select(['assets.asset_model_id', 'assets.production_batch_id'])
          .where((eb) =>
            eb.or([
              eb.and([eb('work_orders.created_at', '>=', from), eb('work_orders.created_at', '<', to)]),
              eb.and([eb('work_orders.completed_at', '>=', from), eb('work_orders.completed_at', '<', to)]),
              eb('work_orders.state', 'in', ACTIVE_STATES),
            ]),
          )
          .orderBy('work_orders.id')
          .execute();
        return rows.map((r) => ({ ...workOrderFromRow(r), assetModelId: r.asset_model_id }));
      },
      async completions(from: number, to: number) {
        const rows = await db
          .selectFrom('work_order_completions')
          .innerJoin('work_orders', 'work_orders.id', 'work_order_completions.work_order_id')
          .innerJoin('assets', 'assets.id', 'work_orders.asset_id')
          .selectAll('work_order_completions')
          .select(['work_orders.kind', 'work_orders.asset_id', 'work_orders.failure_mode', 'assets.asset_model_id'])
          .where('work_order_completions.completed_at', '>=', from)
          .where('work_order_completions.completed_at', '<', to)
          .orderBy('work_order_completions.work_order_id')
          .execute();
        return rows.map((r) => ({
          ...completionFromRow(r, []),
          kind: r.kind as WorkOrder['kind'],
          assetId: r.asset_id,
          failureMode: r.failure_mode ?? undefined,
          assetModelId: r.asset_model_id,
        }));
      },
      async partsConsumed(from: number, to: number) {
        const rows = await db
          .selectFrom('work_order_parts_consumed')
          .innerJoin('work_order_completions', 'work_order_completions.work_order_id', 'work_order_parts_consumed.work_order_id')
          .selectAll('work_order_parts_consumed')
          .where('work_order_completions.completed_at', '>=', from)
          .where('work_order_completions.completed_at', '<', to)
          .execute();
        return rows.map((r) => ({ workOrderId: r.work_order_id, partId: r.part_id, partNumber: r.part_number, quantity: num(r.quantity), unitCostMinor: num(r.unit_cost_minor), currency: r.currency }));
      },
      async operatingMsByModel(fromDay: string, toDay: string): Promise<Map<string, number>> {
        const rows = await db
          .selectFrom('operating_hours_daily')
          .innerJoin('assets', 'assets.id', 'operating_hours_daily.asset_id')
          .select((eb) => ['assets.asset_model_id', eb.fn.sum<number>('operating_hours_daily.operating_ms').as('ms')])
          .where('operating_hours_daily.day', '>=', fromDay)
          .where('operating_hours_daily.day', '<=', toDay)
          .groupBy('assets.asset_model_id')
          .execute();
        return new Map(rows.map((r) => [r.asset_model_id, Number(r.ms)]));
      },
    },
  };
}

export type WorkOrderRepository = ReturnType<typeof workOrderRepository>;
