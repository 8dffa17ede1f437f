import {
  ACTIVE_ALERT_STATES,
  newId,
  type Alert,
  type AlertEvidence,
  type AlertState,
  type AlertTransition,
  type ModelPrecision,
  type Severity,
} from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import { sql, type Kysely, type RawBuilder, type Selectable, type Transaction } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { AlertTransitionsTable, AlertsTable, Database } from '../schema.js';
import { DEFAULT_PAGE, MAX_PAGE, type ListOptions, type Page } from './crud.js';

export interface AlertFilters {
  severity: Severity;
  /** Leaves out alerts snoozed past this instant (the triage list's default: now). */
  awakeAt: number;
  state: AlertState;
  assetId: string;
  assetModelId: string;
  siteId: string;
  failureMode: string;
}

export interface RaiseAlertInput {
  assetId: string;
  failureMode: string;
  severity: Severity;
  evidence: AlertEvidence;
  modelVersion: string;
  at: number;
  reason: string;
}

export interface TransitionInput {
  to: AlertState;
  actor: string;
  reason: string;
  at: number;
  /** States the alert may be in for this transition; anything else is ILLEGAL_TRANSITION. */
  allowedFrom: readonly AlertState[];
}

type Row = Selectable<AlertsTable>;

function fromRow(r: Row): Alert {
  return {
    id: r.id,
    assetId: r.asset_id,
    failureMode: r.failure_mode,
    severity: r.severity as Severity,
    state: r.state as AlertState,
    evidence: JSON.parse(r.evidence) as AlertEvidence,
    raisedAt: Number(r.raised_at),
    lastDetectedAt: Number(r.last_detected_at),
    ...(r.work_order_id === null ? {} : { workOrderId: r.work_order_id }),
    ...(r.closed_at === null ? {} : { closedAt: Number(r.closed_at) }),
    ...(r.raise_evidence === null ? {} : { raiseEvidence: JSON.parse(r.raise_evidence) as AlertEvidence }),
    ...(r.assignee_id === null ? {} : { assigneeId: r.assignee_id }),
    ...(r.snoozed_until === null ? {} : { snoozedUntil: Number(r.snoozed_until) }),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function transitionFromRow(r: Selectable<AlertTransitionsTable>): AlertTransition {
  return {
    alertId: r.alert_id,
    seq: Number(r.seq),
    from: r.from_state as AlertState | null,
    to: r.to_state as AlertState,
    at: Number(r.at),
    actor: r.actor,
    reason: r.reason,
  };
}

const CLOSED: readonly AlertState[] = ['dismissed', 'resolved'];

/**
 * Alerts and their lifecycle history. Every state change appends a transition
 * row in the same transaction (who, when, why), and is guarded by the state it
 * was checked against, so two concurrent actions cannot both succeed.
 */
export function alertRepository(db: Kysely<Database>) {
  async function find(id: string, ex: Kysely<Database> | Transaction<Database> = db): Promise<Alert | undefined> {
    const row = await ex.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  async function get(id: string, ex: Kysely<Database> | Transaction<Database> = db): Promise<Alert> {
    const found = await find(id, ex);
    if (!found) throw notFound('alert', id);
    return found;
  }

  async function appendTransition(
    tx: Transaction<Database>,
    alertId: string,
    from: AlertState | null,
    to: AlertState,
    t: { at: number; actor: string; reason: string },
  ): Promise<void> {
    const last = await tx
      .selectFrom('alert_transitions')
      .select((eb) => eb.fn.max<number>('seq').as('seq'))
      .where('alert_id', '=', alertId)
      .executeTakeFirst();
    const seq = last?.seq === null || last?.seq === undefined ? 0 : Number(last.seq) + 1;
    await tx
      .insertInto('alert_transitions')
      .values({ alert_id: alertId, seq, from_state: from, to_state: to, at: t.at, actor: t.actor, reason: t.reason })
      .execute();
  }

  return {
    find,
    get,

    /** The alert still being worked on (open, acknowledged or confirmed) for this asset and failure mode. */
    async findActive(assetId: string, failureMode: string): Promise<Alert | undefined> {
      const row = await db
        .selectFrom('alerts')
        .selectAll()
        .where('asset_id', '=', assetId)
        .where('failure_mode', '=', failureMode)
        .where('state', 'in', ACTIVE_ALERT_STATES)
        .executeTakeFirst();
      return row && fromRow(row);
    },

    /** The active alerts of one asset, any failure mode (the scoring worker loads an asset's at once). */
    async findActiveOfAsset(assetId: string): Promise<Alert[]> {
      const rows = await db.selectFrom('alerts').selectAll().where('asset_id', '=', assetId).where('state', 'in', ACTIVE_ALERT_STATES).execute();
      return rows.map(fromRow);
    },

    /** lastClosedAt of every failure mode of one asset that has a closed alert. */
    async lastClosedAtOfAsset(assetId: string): Promise<Map<string, number>> {
      const rows = await db
        .selectFrom('alerts')
        .select((eb) => ['failure_mode', eb.fn.max<number>('closed_at').as('closed')])
        .where('asset_id', '=', assetId)
        .where('closed_at', 'is not', null)
        .groupBy('failure_mode')
        .execute();
      return new Map(rows.map((r) => [r.failure_mode, Number(r.closed)]));
    },

    /** When the newest closed alert of this asset and failure mode was closed (for the re-raise cool-down). */
    async lastClosedAt(assetId: string, failureMode: string): Promise<number | undefined> {
      const row = await db
        .selectFrom('alerts')
        .select((eb) => eb.fn.max<number>('closed_at').as('closed'))
        .where('asset_id', '=', assetId)
        .where('failure_mode', '=', failureMode)
        .executeTakeFirst();
      return row?.closed === null || row?.closed === undefined ? undefined : Number(row.closed);
    },

    /** Active alerts of every asset, for rebuilding in-memory state after a restart. */
    async listActive(): Promise<Alert[]> {
      const rows = await db.selectFrom('alerts').selectAll().where('state', 'in', ACTIVE_ALERT_STATES).orderBy('id').execute();
      return rows.map(fromRow);
    },

    /** Inserts an open alert and its first transition. CONFLICT when one is already active. */
    async raise(input: RaiseAlertInput): Promise<Alert> {
      try {
        return await db.transaction().execute(async (tx) => {
          const id = newId('alert', input.at);
          await tx
            .insertInto('alerts')
            .values({
              id,
              asset_id: input.assetId,
              failure_mode: input.failureMode,
              severity: input.severity,
              state: 'open',
              evidence: JSON.stringify(input.evidence),
              // Kept as raised: updateDetection replaces `evidence` only.
              raise_evidence: JSON.stringify(input.evidence),
              model_version: input.modelVersion,
              work_order_id: null,
              raised_at: input.at,
              last_detected_at: input.at,
              closed_at: null,
              created_at: input.at,
              updated_at: input.at,
            })
            .execute();
          await appendTransition(tx, id, null, 'open', { at: input.at, actor: 'system', reason: input.reason });
          return get(id, tx);
        });
      } catch (err) {
        throw translateDbError(err, `active alert for ${input.assetId} / ${input.failureMode}`);
      }
    },

    /** A new detection on an alert: newer evidence, severity as given (the caller escalates only). */
    async updateDetection(id: string, d: { severity: Severity; evidence: AlertEvidence; at: number }): Promise<Alert> {
      // One statement (no transaction, no read-back): the prediction service's most frequent write.
      const row = await db
        .updateTable('alerts')
        .set({ severity: d.severity, evidence: JSON.stringify(d.evidence), last_detected_at: d.at, updated_at: d.at })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw notFound('alert', id);
      return fromRow(row);
    },

    /**
     * Several alerts' detections (severity, evidence, last-detected time) in
     * one statement per 200: the scoring worker writes a batch's at once. Each
     * row gets what updateDetection would set; ids that no longer exist are skipped.
     */
    async updateDetections(ds: readonly Pick<Alert, 'id' | 'severity' | 'evidence' | 'lastDetectedAt'>[]): Promise<void> {
      for (let i = 0; i < ds.length; i += 200) {
        const chunk = ds.slice(i, i + 200);
        // CASE id WHEN ... THEN ... END per column; the casts type PostgreSQL's parameters.
        const byId = <T>(value: (d: (typeof chunk)[number]) => RawBuilder<T>) =>
          sql<T>`CASE id ${sql.join(
            chunk.map((d) => sql`WHEN ${d.id} THEN ${value(d)}`),
            sql` `,
          )} END`;
        const at = byId((d) => sql<number>`CAST(${d.lastDetectedAt} AS BIGINT)`);
        await db
          .updateTable('alerts')
          .set({ severity: byId((d) => sql<string>`${d.severity}`), evidence: byId((d) => sql<string>`${JSON.stringify(d.evidence)}`), last_detected_at: at, updated_at: at })
          .where(
            'id',
            'in',
            chunk.map((d) => d.id),
          )
          .execute();
      }
    },

    async linkWorkOrder(id: string, workOrderId: string, at: number): Promise<Alert> {
      return db.transaction().execute(async (tx) => {
        const res = await tx.updateTable('alerts').set({ work_order_id: workOrderId, updated_at: at }).where('id', '=', id).executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) throw notFound('alert', id);
        return get(id, tx);
      });
    },

    /**
     * Assigns the alert to a person (null: nobody). NOT_FOUND when the user
     * does not exist, so an assignment never points at nobody by accident.
     */
    async assign(id: string, userId: string | null, at: number): Promise<Alert> {
      return db.transaction().execute(async (tx) => {
        if (userId !== null) {
          const user = await tx.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
          if (!user) throw notFound('user', userId);
        }
        const res = await tx.updateTable('alerts').set({ assignee_id: userId, updated_at: at }).where('id', '=', id).executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) throw notFound('alert', id);
        return get(id, tx);
      });
    },

    /** Hides the alert from the default triage list until `until` (null: shown again now). */
    async snooze(id: string, until: number | null, at: number): Promise<Alert> {
      const row = await db.updateTable('alerts').set({ snoozed_until: until, updated_at: at }).where('id', '=', id).returningAll().executeTakeFirst();
      if (!row) throw notFound('alert', id);
      return fromRow(row);
    },

    /** Moves an alert to `to` if its current state is allowed, recording who, when and why. */
    async transition(id: string, t: TransitionInput): Promise<Alert> {
      return db.transaction().execute(async (tx) => {
        const current = await get(id, tx);
        if (!t.allowedFrom.includes(current.state)) {
          throw new AppError('ILLEGAL_TRANSITION', `alert ${id} is ${current.state}; cannot move to ${t.to}`, {
            from: current.state,
            to: t.to,
          });
        }
        const closing = CLOSED.includes(t.to) && current.closedAt === undefined;
        const res = await tx
          .updateTable('alerts')
          .set({ state: t.to, updated_at: t.at, ...(closing ? { closed_at: t.at } : {}) })
          .where('id', '=', id)
          .where('state', '=', current.state)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) {
          throw new AppError('ILLEGAL_TRANSITION', `alert ${id} changed concurrently; retry`);
        }
        await appendTransition(tx, id, current.state, t.to, t);
        return get(id, tx);
      });
    },

    async history(id: string): Promise<AlertTransition[]> {
      const rows = await db.selectFrom('alert_transitions').selectAll().where('alert_id', '=', id).orderBy('seq').execute();
      return rows.map(transitionFromRow);
    },

    /** Alerts linked to a work order. */
    async findByWorkOrder(workOrderId: string): Promise<Alert[]> {
      const rows = await db.selectFrom('alerts').selectAll().where('work_order_id', '=', workOrderId).orderBy('id').execute();
      return rows.map(fromRow);
    },

    /** Newest first; `nextCursor` is the last id of the page. */
    async list(opts: ListOptions<AlertFilters> = {}): Promise<Page<Alert>> {
      const limit = Math.min(Math.max(opts.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
      const f = opts.filters ?? {};
      let q = db.selectFrom('alerts').selectAll('alerts').orderBy('alerts.id', 'desc').limit(limit + 1);
      if (opts.cursor) q = q.where('alerts.id', '<', opts.cursor);
      if (f.severity) q = q.where('alerts.severity', '=', f.severity);
      if (f.state) q = q.where('alerts.state', '=', f.state);
      if (f.assetId) q = q.where('alerts.asset_id', '=', f.assetId);
      if (f.failureMode) q = q.where('alerts.failure_mode', '=', f.failureMode);
      if (f.awakeAt !== undefined) {
        const at = f.awakeAt;
        q = q.where((eb) => eb.or([eb('alerts.snoozed_until', 'is', null), eb('alerts.snoozed_until', '<=', at)]));
      }
      if (f.assetModelId || f.siteId) {
        let assets = db.selectFrom('assets').select('assets.id');
        if (f.assetModelId) assets = assets.where('assets.asset_model_id', '=', f.assetModelId);
        if (f.siteId) assets = assets.where('assets.site_id', '=', f.siteId);
        q = q.where('alerts.asset_id', 'in', assets);
      }
      const rows = await q.execute();
      const items = rows.slice(0, limit).map(fromRow);
      return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
    },

    /**
     * Precision per model version from the feedback recorded in the history:
     * an alert counts as confirmed (or dismissed) once it was ever moved there.
     */
    async precision(): Promise<ModelPrecision[]> {
      const rows = await db
        .selectFrom('alerts')
        .innerJoin('alert_transitions', 'alert_transitions.alert_id', 'alerts.id')
        .select(['alerts.model_version as modelVersion', 'alert_transitions.to_state as outcome'])
        .select((eb) => eb.fn.count<number>('alerts.id').distinct().as('n'))
        .where('alert_transitions.to_state', 'in', ['confirmed', 'dismissed'])
        .groupBy(['alerts.model_version', 'alert_transitions.to_state'])
        .execute();
      const by = new Map<string, { confirmed: number; dismissed: number }>();
      for (const r of rows) {
        const entry = by.get(r.modelVersion) ?? { confirmed: 0, dismissed: 0 };
        entry[r.outcome as 'confirmed' | 'dismissed'] += Number(r.n);
        by.set(r.modelVersion, entry);
      }
      return [...by.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([modelVersion, c]) => ({
          modelVersion,
          ...c,
          precision: c.confirmed + c.dismissed === 0 ? null : c.confirmed / (c.confirmed + c.dismissed),
        }));
    },
  };
}

export type AlertRepository = ReturnType<typeof alertRepository>;
