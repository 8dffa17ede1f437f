import type { Role } from '@hourmeter/domain';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.js';
import { mayCall } from './route-roles.js';

/** What the API needs to resolve a bearer key (the API key repository fits). */
export interface KeyAuthenticator {
  authenticate(key: string): Promise<{ id: string; role: Role } | undefined>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed besides admin; omitted = every role may call the route. */
    allow?: readonly Role[];
  }
  interface FastifyRequest {
    principal?: { keyId: string; role: Role };
  }
}

const BEARER = /^Bearer\s+(\S+)$/i;

/** Who did it, for audit trails: role and API key id. */
export function actorOf(request: FastifyRequest): string {
  return request.principal ? `${request.principal.role}:${request.principal.keyId}` : 'anonymous';
}

/**
 * Every route in the scope needs `Authorization: Bearer <key>`. Admin may do
 * everything; other roles only what a route's `config.allow` lists. Unknown,
 * malformed and revoked keys get the same 401 so a caller learns nothing about
 * which keys exist.
 */
export function requireApiKey(app: FastifyInstance, keys: KeyAuthenticator): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const header = request.headers.authorization;
    const match = header ? BEARER.exec(header) : null;
    if (!match) {
      reply.header('www-authenticate', 'Bearer');
      return sendProblem(reply, request, 401, 'UNAUTHENTICATED', 'missing or malformed Authorization: Bearer <api key>');
    }
    const principal = await keys.authenticate(match[1]!);
    if (!principal) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      return sendProblem(reply, request, 401, 'UNAUTHENTICATED', 'unknown or revoked API key');
    }
    request.principal = { keyId: principal.id, role: principal.role };
    const allow = request.routeOptions.config.allow;
    if (!mayCall(principal.role, allow)) {
      return sendProblem(
        reply,
        request,
        403,
        'FORBIDDEN',
        `role ${principal.role} may not ${request.method} ${request.routeOptions.url}; allowed: admin${allow?.length ? ', ' + allow.join(', ') : ''}`,
      );
    }
  });
}
