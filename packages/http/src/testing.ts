import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { parseCookies, requireApiKey, type KeyAuthenticator } from './auth.js';
import { installProblemHandler } from './problem.js';
import { refuseIllFormedText } from './well-formed-text.js';

/**
 * The API's /api/v1 scope exactly as the server builds it (zod compilers,
 * problem+json errors, bearer keys with roles), around one service's routes,
 * for that service's route tests.
 */
export async function testApi(keys: KeyAuthenticator, register: (api: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installProblemHandler(app);
  await parseCookies(app);
  await app.register(
    async (api) => {
      requireApiKey(api, keys);
      refuseIllFormedText(api);
      register(api);
    },
    { prefix: '/api/v1' },
  );
  return app;
}
