import { WarehouseInput, type Warehouse } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import type { EntitySpec } from './crud.js';

const num = (v: unknown) => Number(v);

/** The parts repository's locations: central, regional and station warehouses and technicians' vans, each below one a level up. */
const LEVEL_RANK = { central: 0, regional: 1, station: 2, van: 3 } as const;

export const warehouseSpec: EntitySpec<Warehouse, WarehouseInput, { level: string; parentId: string }> = {
  table: 'warehouses',
  idKind: 'warehouse',
  label: 'warehouse',
  parseInput: (m) => WarehouseInput.parse(m),
  references: (w) => [{ table: 'warehouses', id: w.parentId, field: 'parentId', label: 'warehouse' }],
  toRow: async (w, tx) => {
    if (w.level === 'central' && w.parentId) {
      throw new AppError('VALIDATION_FAILED', 'parentId: a central warehouse has no parent', { field: 'parentId' });
    }
    if (w.level !== 'central' && !w.parentId) {
      throw new AppError('VALIDATION_FAILED', `parentId: a ${w.level} location needs a parent one level up`, { field: 'parentId' });
    }
    if (w.parentId) {
      const parent = await tx.selectFrom('warehouses').select('level').where('id', '=', w.parentId).executeTakeFirst();
      if (parent && LEVEL_RANK[parent.level as Warehouse['level']] >= LEVEL_RANK[w.level]) {
        throw new AppError('VALIDATION_FAILED', `parentId: a ${w.level} location cannot hang below a ${parent.level} one`, { field: 'parentId' });
      }
    }
    return { code: w.code, name: w.name, level: w.level, parent_id: w.parentId ?? null, lat: w.location.lat, lon: w.location.lon };
  },
  fromRow: (r) => ({
    id: String(r.id),
    code: String(r.code),
    name: String(r.name),
    level: r.level as Warehouse['level'],
    parentId: r.parent_id === null ? undefined : String(r.parent_id),
    location: { lat: num(r.lat), lon: num(r.lon) },
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  }),
  filters: { level: 'level', parentId: 'parent_id' },
};
