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
// The project's one seeded generator (it lives in @hourmeter/domain because training and the simulators use it too).
export { seededRandom, shuffled } from '@hourmeter/domain';
export { suiteTitle } from './suite-title.js';
export { pgDatabase } from './pg-database.js';
export { startServer, listening, stopServers, metricValue, type ServerProcess, type Listening } from './server-process.js';
