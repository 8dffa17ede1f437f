import './provided.js';
export { freePort, waitFor } from './servers.js';
export { tempDir } from './temp-dir.js';
export { pgDatabase } from './pg-database.js';
