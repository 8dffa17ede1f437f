import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { importTelemetryHistory, type TelemetryImportDeps } from './telemetry-import.js';
// Brings in the `config.allow` / `request.principal` augmentation of fastify.
import type {} from '@hourmeter/http';

const MAX_BYTES = 50 * 1024 * 1024;

/**
 * `POST /imports/telemetry?format=csv|line-protocol&precision=ns|us|ms|s`:
 * historical telemetry through the ingest path. Register inside the
 * authenticated /api/v1 scope of a process that runs ingest.
 */
export function telemetryImportRoutes(parent: FastifyInstance, deps: TelemetryImportDeps): void {
  // Encapsulated: the text body parser applies to this route only.
  void parent.register(async (scope) => {
    scope.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: MAX_BYTES }, (_req, body, done) => done(null, body));
    const app = scope.withTypeProvider<ZodTypeProvider>();
    app.post('/imports/telemetry', {
      config: { allow: ['engineer'] },
      schema: {
        tags: ['telemetry'],
        summary: 'Import historical telemetry (CSV or InfluxDB line protocol) through ingest: validated, deduplicated, durable; all rows checked first',
        querystring: z.object({
          format: z.enum(['csv', 'line-protocol']).default('csv'),
          precision: z.enum(['ns', 'us', 'ms', 's']).default('ns').describe('line protocol timestamp unit'),
        }),
        body: z.string().min(1).max(MAX_BYTES),
        response: { 201: z.object({ readings: z.number().int(), accepted: z.number().int(), duplicates: z.number().int() }) },
      },
      handler: async (req, reply) => {
        const res = await importTelemetryHistory(deps, req.body, { format: req.query.format, precision: req.query.precision });
        return reply.status(201).send(res);
      },
    });
  });
}
