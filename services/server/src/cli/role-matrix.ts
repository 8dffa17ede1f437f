import { writeFileSync } from 'node:fs';
import { declaredRoutes, renderRoleMatrix, ROLE_MATRIX_FILE } from '../role-matrix.js';

// `npm run docs:roles`: writes docs/roles.md from the routes' declared roles.
const text = renderRoleMatrix(await declaredRoutes());
writeFileSync(ROLE_MATRIX_FILE, text);
process.stdout.write(`roles: ${text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| method')).length} routes written to ${ROLE_MATRIX_FILE}\n`);
