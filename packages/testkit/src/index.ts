import './provided.js';
export {
  freePort,
  waitFor,
  findOnPath,
  findPostgresBin,
  startInfluxd,
  startPostgres,
  startRedis,
  type RunningServer,
} from './servers.js';
export { tempDir } from './temp-dir.js';
export { suiteTitle } from './suite-title.js';
export { pgDatabase } from './pg-database.js';
export { startServer, listening, stopServers, metricValue, type ServerProcess, type Listening } from './server-process.js';
