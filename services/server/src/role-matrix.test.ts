import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { declaredRoutes, renderRoleMatrix, ROLE_MATRIX_FILE } from './role-matrix.js';

const ROOT = join(import.meta.dirname, '../../..');

describe('docs/roles.md', () => {
  it('equals the matrix generated from the routes\' declared roles (run `npm run docs:roles` after changing them)', async () => {
    const routes = await declaredRoutes();
    // Sanity: the matrix really covers the service routes, with their restrictions.
    expect(routes.length).toBeGreaterThan(80);
    expect(routes.find((r) => r.method === 'GET' && r.url === '/api/v1/work-orders/:id')?.allow).toEqual(['planner', 'engineer']);
    expect(readFileSync(join(ROOT, ROLE_MATRIX_FILE), 'utf8')).toBe(renderRoleMatrix(routes));
  }, 60_000);
});
