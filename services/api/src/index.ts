export { buildApi, API_PREFIX, type ApiDeps } from './app.js';
export type { HealthCheck } from './routes/health.js';
export { registerCrud } from './routes/crud.js';
export type { TelemetryReader, DeviceStatusSource, DeviceSessionControl, IngestCounterSource, HourMeterControl, FleetRiskSource } from './ports.js';
export { dbCountSources } from './routes/metrics.js';
export { buildOpsApi, type OpsApiDeps } from './ops-app.js';
export { deviceTelemetryRoutes, type DeviceTelemetryDeps, type DeviceCredentialLookup } from './routes/device-telemetry.js';
export { accountService, bootstrapAdminUser, DEFAULT_ACCOUNT_OPTIONS, type AccountService, type AccountOptions } from './accounts.js';
