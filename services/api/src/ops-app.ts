import type { Metrics } from '@hourmeter/metrics';
import { installProblemHandler } from '@hourmeter/http';
import type { Logger } from '@hourmeter/runtime';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { deviceTelemetryRoutes, type DeviceTelemetryDeps } from './routes/device-telemetry.js';
import { healthRoute, type HealthCheck } from './routes/health.js';
import { metricsRoute } from './routes/metrics.js';

export interface OpsApiDeps {
  logger: Logger;
  version: string;
  health: Readonly<Record<string, HealthCheck>>;
  metrics: Pick<Metrics, 'scrape' | 'contentType'>;
  metricsToken?: string | undefined;
  /** HTTP ingest at POST /api/v1/telemetry, where the process runs ingest (broker, edge). */
  deviceTelemetry?: DeviceTelemetryDeps | undefined;
}

/**
 * The HTTP side of a process without the API (HM_ROLE broker, ingest,
 * prediction, edge): the same /health and /metrics as the API server, and
 * HTTP ingest where the process runs ingest.
 */
export async function buildOpsApi(deps: OpsApiDeps): Promise<FastifyInstance> {
  // Probes and scrapes every few seconds would drown the log: no per-request lines.
  // Typed as fastify's base logger so the instance keeps fastify's default generic.
  const loggerInstance: FastifyBaseLogger = deps.logger.child({ svc: 'http' });
  const app = Fastify({
    loggerInstance,
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installProblemHandler(app, { notFoundHint: 'this process serves only /health, /metrics and (where it runs ingest) POST /api/v1/telemetry; the API runs in the api role (HM_ROLE=api)' });
  healthRoute(app, deps.health, deps.version);
  metricsRoute(app, deps.metrics, { token: deps.metricsToken });
  const telemetry = deps.deviceTelemetry;
  if (telemetry) await app.register(async (devices) => deviceTelemetryRoutes(devices, telemetry), { prefix: '/api/v1' });
  return app;
}
