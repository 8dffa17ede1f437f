import type { FailureCode, FailureCodeInput } from '@hourmeter/domain';
import { notFound } from '@hourmeter/runtime';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { workOrderWriter } from './work-orders-shared.js';

/** Each asset model's catalogue of symptom, cause and remedy codes. */
export function failureCodesRepository(db: Kysely<Database>) {
  const write = workOrderWriter(db);
  return {
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
  };
}
