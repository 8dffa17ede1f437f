import type { AmendmentInput, ContractInput, ContractTermsInput, ContractVersion, ContractWithHistory } from '@hourmeter/domain';
import { billableOverflow, newId } from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import { PostgresAdapter, type Kysely, type Selectable, type Transaction } from 'kysely';
import { translateDbError } from '../db-errors.js';
import type { ContractsTable, ContractVersionsTable, Database } from '../schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** The day before an ISO day (UTC calendar). */
export function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

function versionFromRow(r: Selectable<ContractVersionsTable>): ContractVersion {
  return {
    version: Number(r.version),
    effectiveFrom: r.effective_from,
    endsOn: r.ends_on,
    assetIds: JSON.parse(r.asset_ids) as string[],
    terms: JSON.parse(r.terms) as ContractTermsInput,
    reason: r.reason,
    createdAt: Number(r.created_at),
  };
}

function contractFromRows(h: Selectable<ContractsTable>, versions: Selectable<ContractVersionsTable>[]): ContractWithHistory {
  return {
    id: h.id,
    customerId: h.customer_id,
    kind: h.kind as ContractWithHistory['kind'],
    currency: h.currency,
    billingPeriod: h.billing_period as ContractWithHistory['billingPeriod'],
    startsOn: h.starts_on,
    endsOn: h.ends_on,
    version: Number(h.current_version),
    versions: versions.sort((a, b) => Number(a.version) - Number(b.version)).map(versionFromRow),
    createdAt: Number(h.created_at),
    updatedAt: Number(h.updated_at),
  };
}

/** What billing needs to know of an asset: its commissioning and who owned it when. */
export interface AssetFacts {
  commissionedOn: string;
  /** The owner now: the customer of its site. */
  customerId: string;
  /** Owner changes, oldest first (empty when it never changed owner). */
  owners: { fromDay: string; customerId: string }[];
  /** Its clock (IANA name): its site's zone, or for a site left at UTC its customer's. */
  timeZone: string;
}

/** The owner of an asset on a day: the owner change in effect then, else its current owner. */
export function ownerOn(facts: AssetFacts, day: string): string {
  let owner = facts.owners[0]?.customerId ?? facts.customerId;
  for (const o of facts.owners) if (o.fromDay <= day) owner = o.customerId;
  return owner;
}

export interface OwnerChange {
  siteId: string;
  effectiveOn: string;
}

export interface ContractFilters {
  customerId?: string | undefined;
  assetId?: string | undefined;
  /** Contracts whose term overlaps [activeFrom, activeTo]. */
  activeFrom?: string | undefined;
  activeTo?: string | undefined;
}

/**
 * Versioned contracts. A contract's history is a list of versions, each
 * effective from a day; an amendment appends one and never edits an earlier
 * one. `contract_assets` indexes which contract covers which asset on which
 * days, for the overlap rule and coverage look-ups.
 */
export function contractRepository(db: Kysely<Database>) {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  async function load(ex: Executor, id: string): Promise<ContractWithHistory | undefined> {
    const h = await ex.selectFrom('contracts').selectAll().where('id', '=', id).executeTakeFirst();
    if (!h) return undefined;
    const versions = await ex.selectFrom('contract_versions').selectAll().where('contract_id', '=', id).execute();
    return contractFromRows(h, versions);
  }

  async function get(id: string, ex: Executor = db): Promise<ContractWithHistory> {
    const found = await load(ex, id);
    if (!found) throw notFound('contract', id);
    return found;
  }

  /**
   * Assets must exist; for PBH, none may be covered by another PBH contract on
   * an overlapping day. On PostgreSQL the asset rows are locked first, so two
   * concurrent contracts for one asset serialise here (SQLite has one writer).
   */
  async function checkAssets(tx: Transaction<Database>, contractId: string, customerId: string, kind: string, assetIds: string[], from: string, to: string) {
    let q = tx.selectFrom('assets').select('id').where('id', 'in', assetIds).orderBy('id');
    if (postgres) q = q.forUpdate();
    const found = new Set((await q.execute()).map((r) => r.id));
    const missing = assetIds.find((a) => !found.has(a));
    if (missing) {
      throw new AppError('REFERENCE_NOT_FOUND', `assetIds: asset ${missing} does not exist`, { field: 'assetIds', id: missing });
    }
    // Who pays is checked: every asset belongs to the contract's customer on every day it would cover.
    const facts = await assetFacts(tx, assetIds);
    for (const id of assetIds) {
      const f = facts.get(id)!;
      const owners = [ownerOn(f, from), ...f.owners.filter((o) => o.fromDay > from && o.fromDay <= to).map((o) => o.customerId)];
      const other = owners.find((o) => o !== customerId);
      if (other) {
        const change = f.owners.find((o) => o.customerId === other && o.fromDay <= to);
        throw new AppError(
          'VALIDATION_FAILED',
          `assetIds: asset ${id} belongs to customer ${other}${change ? ` from ${change.fromDay}` : ''}, not to the contract's customer ${customerId}, within ${from}..${to}`,
          { field: 'assetIds', id },
        );
      }
    }
    if (kind !== 'pbh') return;
    const clash = await tx
      .selectFrom('contract_assets')
      .select(['contract_id', 'asset_id', 'from_day', 'to_day'])
      .where('asset_id', 'in', assetIds)
      .where('kind', '=', 'pbh')
      .where('contract_id', '!=', contractId)
      .where('from_day', '<=', to)
      .where('to_day', '>=', from)
      .executeTakeFirst();
    if (clash) {
      throw new AppError(
        'CONFLICT',
        `asset ${clash.asset_id} is already covered by PBH contract ${clash.contract_id} from ${clash.from_day} to ${clash.to_day}, overlapping ${from}..${to}`,
        { assetId: clash.asset_id, contractId: clash.contract_id },
      );
    }
  }

  async function assetFacts(ex: Executor, assetIds: readonly string[]): Promise<Map<string, AssetFacts>> {
    const out = new Map<string, AssetFacts>();
    for (let i = 0; i < assetIds.length; i += 500) {
      const chunk = assetIds.slice(i, i + 500);
      const rows = await ex
        .selectFrom('assets')
        .innerJoin('sites', 'sites.id', 'assets.site_id')
        .innerJoin('customers', 'customers.id', 'sites.customer_id')
        .select(['assets.id', 'assets.commissioned_on', 'sites.customer_id', 'sites.timezone', 'customers.time_zone'])
        .where('assets.id', 'in', chunk)
        .execute();
      // A site left at the default (UTC) follows its customer's clock (issue #16, rule 12).
      for (const r of rows) out.set(r.id, { commissionedOn: r.commissioned_on, customerId: r.customer_id, owners: [], timeZone: r.timezone !== 'UTC' ? r.timezone : r.time_zone });
      const owners = await ex.selectFrom('asset_owners').select(['asset_id', 'from_day', 'customer_id']).where('asset_id', 'in', chunk).orderBy('from_day').execute();
      for (const o of owners) out.get(o.asset_id)?.owners.push({ fromDay: o.from_day, customerId: o.customer_id });
    }
    return out;
  }

  async function write<R>(fn: (tx: Transaction<Database>) => Promise<R>): Promise<R> {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      throw translateDbError(err, 'contract');
    }
  }

  return {
    get,
    find: (id: string) => load(db, id),
    /** Commissioning and owners over time of each asset, 500 per query. */
    assetFacts: (assetIds: readonly string[]) => assetFacts(db, assetIds),

    /**
     * The asset moves to `siteId` (of another customer) from `effectiveOn`:
     * the change is recorded (with the first owner, if none was), the asset's
     * site updated, and every contract of another customer stops covering it
     * from that day (its coverage rows end the day before). Billing uses the
     * owner of each day, so usage and work after the change are not the old
     * contract's. Returns the coverage that ended.
     */
    changeOwner(assetId: string, change: OwnerChange, now = Date.now()): Promise<{ assetId: string; customerId: string; effectiveOn: string; endedCoverage: { contractId: string; kind: string }[] }> {
      return write(async (tx) => {
        let aq = tx.selectFrom('assets').innerJoin('sites', 'sites.id', 'assets.site_id').select(['assets.id', 'assets.site_id', 'assets.commissioned_on', 'sites.customer_id']).where('assets.id', '=', assetId);
        if (postgres) aq = aq.forUpdate();
        const asset = await aq.executeTakeFirst();
        if (!asset) throw notFound('asset', assetId);
        const site = await tx.selectFrom('sites').select(['id', 'customer_id']).where('id', '=', change.siteId).executeTakeFirst();
        if (!site) throw new AppError('REFERENCE_NOT_FOUND', `siteId: site ${change.siteId} does not exist`, { field: 'siteId' });
        if (site.customer_id === asset.customer_id) {
          throw new AppError('VALIDATION_FAILED', `siteId: site ${site.id} belongs to customer ${site.customer_id}, who already owns asset ${assetId}: move it with PATCH /assets/:id`);
        }
        const today = new Date(now).toISOString().slice(0, 10);
        if (change.effectiveOn > today) throw new AppError('VALIDATION_FAILED', `effectiveOn ${change.effectiveOn} is in the future: record an owner change when it has happened`);
        if (change.effectiveOn <= asset.commissioned_on) {
          throw new AppError('VALIDATION_FAILED', `effectiveOn ${change.effectiveOn} must be after the asset's commissioning on ${asset.commissioned_on}`);
        }
        const history = await tx.selectFrom('asset_owners').select(['from_day']).where('asset_id', '=', assetId).orderBy('from_day', 'desc').execute();
        if (history[0] && change.effectiveOn <= history[0].from_day) {
          throw new AppError('CONFLICT', `effectiveOn ${change.effectiveOn} must be after the asset's last owner change on ${history[0].from_day}`);
        }
        if (history.length === 0) {
          await tx.insertInto('asset_owners').values({ asset_id: assetId, from_day: asset.commissioned_on, customer_id: asset.customer_id, site_id: asset.site_id, recorded_at: now }).execute();
        }
        await tx.insertInto('asset_owners').values({ asset_id: assetId, from_day: change.effectiveOn, customer_id: site.customer_id, site_id: site.id, recorded_at: now }).execute();
        await tx.updateTable('assets').set({ site_id: site.id, updated_at: now }).where('id', '=', assetId).execute();
        const dayBefore = previousDay(change.effectiveOn);
        const ended = await tx
          .selectFrom('contract_assets')
          .innerJoin('contracts', 'contracts.id', 'contract_assets.contract_id')
          .select(['contract_assets.contract_id', 'contract_assets.kind'])
          .where('contract_assets.asset_id', '=', assetId)
          .where('contracts.customer_id', '!=', site.customer_id)
          .where('contract_assets.to_day', '>', dayBefore)
          .execute();
        const contractIds = [...new Set(ended.map((e) => e.contract_id))];
        if (contractIds.length) {
          await tx.updateTable('contract_assets').set({ to_day: dayBefore }).where('asset_id', '=', assetId).where('contract_id', 'in', contractIds).where('to_day', '>', dayBefore).execute();
          await tx.deleteFrom('contract_assets').where('asset_id', '=', assetId).where('contract_id', 'in', contractIds).whereRef('from_day', '>', 'to_day').execute();
        }
        return {
          assetId,
          customerId: site.customer_id,
          effectiveOn: change.effectiveOn,
          endedCoverage: contractIds.map((id) => ({ contractId: id, kind: ended.find((e) => e.contract_id === id)!.kind })),
        };
      });
    },

    create(input: ContractInput, now = Date.now()): Promise<ContractWithHistory> {
      return write(async (tx) => {
        const customer = await tx.selectFrom('customers').select(['id', 'name', 'currency']).where('id', '=', input.customerId).executeTakeFirst();
        if (!customer) {
          throw new AppError('REFERENCE_NOT_FOUND', `customerId: customer ${input.customerId} does not exist`, { field: 'customerId' });
        }
        if (customer.currency !== input.currency) {
          throw new AppError(
            'VALIDATION_FAILED',
            `currency: customer ${customer.name} is billed in ${customer.currency}, the contract is in ${input.currency}; a contract must be in its customer's currency (no exchange rule exists to convert between them)`,
            { field: 'currency' },
          );
        }
        const overflow = billableOverflow({ startsOn: input.startsOn, endsOn: input.endsOn, assetCount: input.assetIds.length, terms: input.terms });
        if (overflow) throw new AppError('VALIDATION_FAILED', `${overflow.path}: ${overflow.message}`, { field: overflow.path });
        const id = newId('contract', now);
        await checkAssets(tx, id, input.customerId, input.terms.kind, input.assetIds, input.startsOn, input.endsOn);
        await tx
          .insertInto('contracts')
          .values({
            id,
            customer_id: input.customerId,
            kind: input.terms.kind,
            currency: input.currency,
            billing_period: input.billingPeriod,
            starts_on: input.startsOn,
            ends_on: input.endsOn,
            current_version: 1,
            created_at: now,
            updated_at: now,
          })
          .execute();
        await tx
          .insertInto('contract_versions')
          .values({
            contract_id: id,
            version: 1,
            effective_from: input.startsOn,
            ends_on: input.endsOn,
            asset_ids: JSON.stringify(input.assetIds),
            terms: JSON.stringify(input.terms),
            reason: null,
            created_at: now,
          })
          .execute();
        await tx
          .insertInto('contract_assets')
          .values(input.assetIds.map((a) => ({ contract_id: id, version: 1, asset_id: a, kind: input.terms.kind, from_day: input.startsOn, to_day: input.endsOn })))
          .execute();
        return get(id, tx);
      });
    },

    /**
     * Appends version n+1 effective from `effectiveFrom`. Refused (nothing
     * written) when the date is not after the newest version's, lies outside
     * the term, or falls inside a period that already has an issued invoice.
     */
    amend(id: string, amendment: AmendmentInput, now = Date.now()): Promise<ContractWithHistory> {
      return write(async (tx) => {
        let hq = tx.selectFrom('contracts').selectAll().where('id', '=', id);
        if (postgres) hq = hq.forUpdate();
        const head = await hq.executeTakeFirst();
        if (!head) throw notFound('contract', id);
        const current = await get(id, tx);
        const latest = current.versions.at(-1)!;
        const from = amendment.effectiveFrom;
        const endsOn = amendment.endsOn ?? latest.endsOn;
        const terms = amendment.terms ?? latest.terms;
        const assetIds = amendment.assetIds ?? latest.assetIds;
        if (terms.kind !== current.kind) {
          throw new AppError('VALIDATION_FAILED', `terms.kind: an amendment cannot change a ${current.kind} contract into ${terms.kind}`);
        }
        if (new Set(assetIds).size !== assetIds.length) throw new AppError('VALIDATION_FAILED', 'assetIds: must not repeat');
        const overflow = billableOverflow({ startsOn: current.startsOn, endsOn, assetCount: assetIds.length, terms });
        if (overflow) throw new AppError('VALIDATION_FAILED', `${overflow.path}: ${overflow.message}`, { field: overflow.path });
        if (from <= latest.effectiveFrom) {
          throw new AppError('CONFLICT', `effectiveFrom ${from} must be after ${latest.effectiveFrom}, when version ${latest.version} took effect`);
        }
        if (from > endsOn) throw new AppError('VALIDATION_FAILED', `effectiveFrom ${from} is after the contract's end ${endsOn}`);
        const invoiced = await tx
          .selectFrom('invoices')
          .select(['id', 'number', 'period_start', 'period_end'])
          .where('contract_id', '=', id)
          .where('status', '=', 'issued')
          .where('period_end', '>=', from)
          .orderBy('period_start')
          .executeTakeFirst();
        if (invoiced) {
          throw new AppError(
            'CONFLICT',
            `effectiveFrom ${from} lies in the period ${invoiced.period_start}..${invoiced.period_end} already invoiced by ${invoiced.number}; amend from ${invoiced.period_end} + 1 day or later`,
            { invoiceId: invoiced.id },
          );
        }
        await checkAssets(tx, id, head.customer_id, terms.kind, assetIds, from, endsOn);
        const version = latest.version + 1;
        await tx
          .insertInto('contract_versions')
          .values({
            contract_id: id,
            version,
            effective_from: from,
            ends_on: endsOn,
            asset_ids: JSON.stringify(assetIds),
            terms: JSON.stringify(terms),
            reason: amendment.reason ?? null,
            created_at: now,
          })
          .execute();
        // The coverage index: earlier versions now end the day before; empty ranges vanish.
        const dayBefore = previousDay(from);
        await tx.updateTable('contract_assets').set({ to_day: dayBefore }).where('contract_id', '=', id).where('to_day', '>', dayBefore).execute();
        await tx.deleteFrom('contract_assets').where('contract_id', '=', id).whereRef('from_day', '>', 'to_day').execute();
        await tx
          .insertInto('contract_assets')
          .values(assetIds.map((a) => ({ contract_id: id, version, asset_id: a, kind: terms.kind, from_day: from, to_day: endsOn })))
          .execute();
        await tx.updateTable('contracts').set({ current_version: version, ends_on: endsOn, updated_at: now }).where('id', '=', id).execute();
        return get(id, tx);
      });
    },

    async list(filters: ContractFilters = {}, limit = 500, cursor?: string): Promise<{ items: ContractWithHistory[]; nextCursor: string | null }> {
      let q = db.selectFrom('contracts').selectAll().orderBy('id').limit(limit + 1);
      if (cursor) q = q.where('id', '>', cursor);
      if (filters.customerId) q = q.where('customer_id', '=', filters.customerId);
      if (filters.activeTo) q = q.where('starts_on', '<=', filters.activeTo);
      if (filters.activeFrom) q = q.where('ends_on', '>=', filters.activeFrom);
      if (filters.assetId) {
        const assetId = filters.assetId;
        q = q.where('id', 'in', db.selectFrom('contract_assets').select('contract_id').where('asset_id', '=', assetId));
      }
      const heads = await q.execute();
      const page = heads.slice(0, limit);
      const versions = page.length
        ? await db.selectFrom('contract_versions').selectAll().where('contract_id', 'in', page.map((h) => h.id)).execute()
        : [];
      const byContract = new Map<string, Selectable<ContractVersionsTable>[]>();
      for (const v of versions) byContract.set(v.contract_id, [...(byContract.get(v.contract_id) ?? []), v]);
      return {
        items: page.map((h) => contractFromRows(h, byContract.get(h.id) ?? [])),
        nextCursor: heads.length > limit ? page.at(-1)!.id : null,
      };
    },

    /** Contracts covering an asset on a day, from the coverage index. */
    async covering(assetId: string, day: string): Promise<{ contractId: string; kind: string; version: number }[]> {
      const rows = await db
        .selectFrom('contract_assets')
        .select(['contract_id', 'kind', 'version'])
        .where('asset_id', '=', assetId)
        .where('from_day', '<=', day)
        .where('to_day', '>=', day)
        .orderBy('contract_id')
        .execute();
      return rows.map((r) => ({ contractId: r.contract_id, kind: r.kind, version: Number(r.version) }));
    },
  };
}

export type ContractRepository = ReturnType<typeof contractRepository>;
