import { newId, PartInput, type Part } from '@hourmeter/domain';
import { AppError, notFound } from '@hourmeter/runtime';
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../schema.js';
import { DEFAULT_PAGE, MAX_PAGE, type Executor, type Page } from './crud.js';
import { num, partsWriter } from './parts-rows.js';

export interface PartFilters {
  assetModelId?: string | undefined;
  partNumber?: string | undefined;
}

/** The parts catalogue: part numbers, their cost and the asset models they fit. */
export function partCatalogueRepository(db: Kysely<Database>) {
  const write = partsWriter(db);

  async function partFromRow(ex: Executor, r: Selectable<Database['parts']>): Promise<Part> {
    const fits = await ex.selectFrom('part_fits').select('asset_model_id').where('part_id', '=', r.id).orderBy('asset_model_id').execute();
    return {
      id: r.id,
      partNumber: r.part_number,
      description: r.description,
      unitCost: { amountMinor: num(r.unit_cost_minor), currency: r.currency },
      fitsAssetModelIds: fits.map((f) => f.asset_model_id),
      supersededBy: r.superseded_by ?? undefined,
      createdAt: num(r.created_at),
      updatedAt: num(r.updated_at),
    };
  }

  async function findPart(id: string, ex: Executor = db): Promise<Part | undefined> {
    const row = await ex.selectFrom('parts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? partFromRow(ex, row) : undefined;
  }
  async function getPart(id: string, ex: Executor = db): Promise<Part> {
    const p = await findPart(id, ex);
    if (!p) throw notFound('part', id);
    return p;
  }

  async function writeFits(tx: Executor, partId: string, modelIds: readonly string[]): Promise<void> {
    for (const modelId of new Set(modelIds)) {
      const found = await tx.selectFrom('asset_models').select('id').where('id', '=', modelId).executeTakeFirst();
      if (!found) {
        throw new AppError('REFERENCE_NOT_FOUND', `fitsAssetModelIds: asset model ${modelId} does not exist`, { field: 'fitsAssetModelIds', id: modelId });
      }
      await tx.insertInto('part_fits').values({ part_id: partId, asset_model_id: modelId }).execute();
    }
  }

  return {
    find: findPart,
    get: getPart,
    async findByNumber(partNumber: string, ex: Executor = db): Promise<Part | undefined> {
      const row = await ex.selectFrom('parts').selectAll().where('part_number', '=', partNumber).executeTakeFirst();
      return row ? partFromRow(ex, row) : undefined;
    },
    /** Every part number with the models it fits: the dictionary for "did you mean". */
    async index(): Promise<{ id: string; partNumber: string; fitsAssetModelIds: string[] }[]> {
      const rows = await db.selectFrom('parts').select(['id', 'part_number']).orderBy('part_number').execute();
      const fits = await db.selectFrom('part_fits').selectAll().execute();
      const byPart = new Map<string, string[]>();
      for (const f of fits) byPart.set(f.part_id, [...(byPart.get(f.part_id) ?? []), f.asset_model_id]);
      return rows.map((r) => ({ id: r.id, partNumber: r.part_number, fitsAssetModelIds: byPart.get(r.id) ?? [] }));
    },
    create(input: PartInput, now = Date.now()): Promise<Part> {
      return write('part', async (tx) => {
        const id = newId('part', now);
        await tx
          .insertInto('parts')
          .values({
            id,
            part_number: input.partNumber,
            description: input.description,
            unit_cost_minor: input.unitCost.amountMinor,
            currency: input.unitCost.currency,
            superseded_by: input.supersededBy ?? null,
            created_at: now,
            updated_at: now,
          })
          .execute();
        await writeFits(tx, id, input.fitsAssetModelIds);
        return getPart(id, tx);
      });
    },
    async list(opts: { limit?: number | undefined; cursor?: string | undefined; filters?: PartFilters | undefined } = {}): Promise<Page<Part>> {
      const limit = Math.min(Math.max(opts.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
      let q = db.selectFrom('parts').selectAll().orderBy('id').limit(limit + 1);
      if (opts.cursor) q = q.where('id', '>', opts.cursor);
      const f = opts.filters ?? {};
      if (f.partNumber) q = q.where('part_number', '=', f.partNumber);
      if (f.assetModelId) {
        const modelId = f.assetModelId;
        q = q.where('id', 'in', (eb) => eb.selectFrom('part_fits').select('part_id').where('asset_model_id', '=', modelId));
      }
      const rows = await q.execute();
      const items = await Promise.all(rows.slice(0, limit).map((r) => partFromRow(db, r)));
      return { items, nextCursor: rows.length > limit ? rows[limit - 1]!.id : null };
    },
    update(id: string, patch: Partial<PartInput>, now = Date.now()): Promise<Part> {
      return write('part', async (tx) => {
        const existing = await getPart(id, tx);
        const input = PartInput.parse({ ...existing, ...patch });
        await tx
          .updateTable('parts')
          .set({
            part_number: input.partNumber,
            description: input.description,
            unit_cost_minor: input.unitCost.amountMinor,
            currency: input.unitCost.currency,
            superseded_by: input.supersededBy ?? null,
            updated_at: now,
          })
          .where('id', '=', id)
          .execute();
        await tx.deleteFrom('part_fits').where('part_id', '=', id).execute();
        await writeFits(tx, id, input.fitsAssetModelIds);
        return getPart(id, tx);
      });
    },
    remove(id: string): Promise<void> {
      return write('part', async (tx) => {
        const res = await tx.deleteFrom('parts').where('id', '=', id).executeTakeFirst();
        if (Number(res.numDeletedRows) === 0) throw notFound('part', id);
      });
    },
  };
}
