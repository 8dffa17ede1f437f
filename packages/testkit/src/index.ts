import './provided.js';
export { freePort, waitFor, findOnPath, startInfluxd, startRedis, type RunningServer } from './servers.js';
export { tempDir } from './temp-dir.js';
export { pgDatabase } from './pg-database.js';
