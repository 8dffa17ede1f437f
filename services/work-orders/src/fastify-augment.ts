import type { Role } from '@hourmeter/domain';

// The same declarations as services/api/src/plugins/auth.ts (identical types
// merge), so these routes type-check without a runtime import of the API service.
declare module 'fastify' {
  interface FastifyContextConfig {
    allow?: readonly Role[];
  }
  interface FastifyRequest {
    principal?: { keyId: string; role: Role };
  }
}

import type { FastifyRequest } from 'fastify';

/** Who did it, for the audit trail: role and API key id. */
export function actorOf(req: FastifyRequest): string {
  return req.principal ? `${req.principal.role}:${req.principal.keyId}` : 'anonymous';
}
