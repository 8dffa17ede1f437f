import type { Role } from '@hourmeter/domain';
import { ERROR_CODES, isAppError } from '@hourmeter/runtime';
import Fastify, { type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import '../fastify-augment.js';

/**
 * A fastify app shaped like services/api's /api/v1 scope (zod compilers,
 * problem+json with AppError codes, bearer keys with `config.allow` roles), for
 * route tests. @hourmeter/api does not export its problem handler and auth hook
 * yet; this mirrors their behaviour.
 */
export async function apiHarness(
  keys: { authenticate(key: string): Promise<{ id: string; role: Role } | undefined> },
  register: (api: FastifyInstance) => void,
): Promise<FastifyInstance> {
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, request, reply) => {
    const problem = (status: number, code: string, detail: string) =>
      reply.status(status).type('application/problem+json').send({ type: `https://hourmeter.dev/problems/${code.toLowerCase()}`, status, code, detail, requestId: request.id });
    if (isAppError(error)) return problem(ERROR_CODES[error.code].status, error.code, error.message);
    if (hasZodFastifySchemaValidationErrors(error)) return problem(400, 'VALIDATION_FAILED', error.message);
    const e = error as { statusCode?: number; message?: string };
    if (e.statusCode && e.statusCode < 500) return problem(e.statusCode, 'BAD_REQUEST', e.message ?? '');
    request.log.error({ err: error }, 'unhandled');
    return problem(500, 'INTERNAL', 'internal error');
  });
  await app.register(
    async (api) => {
      api.decorateRequest('principal', undefined);
      api.addHook('onRequest', async (request, reply) => {
        const m = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
        const who = m ? await keys.authenticate(m[1]!) : undefined;
        if (!who) return reply.status(401).type('application/problem+json').send({ status: 401, code: 'UNAUTHENTICATED' });
        request.principal = { keyId: who.id, role: who.role };
        const allow = request.routeOptions.config.allow;
        if (who.role !== 'admin' && allow && !allow.includes(who.role)) {
          return reply.status(403).type('application/problem+json').send({ status: 403, code: 'FORBIDDEN' });
        }
      });
      register(api);
    },
    { prefix: '/api/v1' },
  );
  return app;
}
