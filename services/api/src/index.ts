export { buildApi, API_PREFIX, type ApiDeps } from './app.js';
export type { HealthCheck } from './routes/health.js';
export { sendProblem, installProblemHandler, type Problem } from './plugins/problem.js';
export { requireApiKey, type KeyAuthenticator } from './plugins/auth.js';
export { registerCrud, PageQuery, pageOf, IdParams } from './routes/crud.js';
export type { TelemetryReader, DeviceStatusSource, IngestCounterSource, HourMeterControl } from './ports.js';
