import { isCustomerRole, type Principal } from '@hourmeter/domain';
import { AppError } from '@hourmeter/runtime';
import type { FastifyRequest } from 'fastify';

/**
 * The customer a request is confined to: the principal's customer for the
 * customer roles, undefined for staff. Every portal read passes it to its
 * repository query, so a customer's answer is built only from its own rows.
 */
export function customerScopeOf(principal: Principal | undefined): string | undefined {
  if (!principal || !isCustomerRole(principal.role)) return undefined;
  // requireApiKey refuses a customer principal without its customer; this keeps the rule if a caller forgets.
  if (!principal.customerId) throw new AppError('FORBIDDEN', `a ${principal.role} principal without its customer may read nothing`);
  return principal.customerId;
}

/**
 * The customer a portal route answers for: a customer principal's own (a
 * `customerId` in the query cannot widen it), or for staff the customer named
 * by `?customerId=`, so an admin can see exactly what a customer sees.
 */
export function portalCustomerOf(request: FastifyRequest): string {
  const own = customerScopeOf(request.principal);
  if (own) return own;
  const named = (request.query as { customerId?: unknown } | undefined)?.customerId;
  if (typeof named !== 'string' || named === '') {
    throw new AppError('VALIDATION_FAILED', 'staff name the customer whose portal to show: ?customerId=cus_...');
  }
  return named;
}
