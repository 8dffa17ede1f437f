import { isCustomerRole, Role } from '@hourmeter/domain';
import type { FastifyInstance } from 'fastify';

/** A route as declared: its method, full path and the roles it allows besides admin (undefined = every role). */
export interface DeclaredRoute {
  readonly method: string;
  readonly url: string;
  readonly allow: readonly Role[] | undefined;
}

/**
 * The one rule for a route's declared roles: admin always; otherwise the
 * route's `allow`, or every staff role without one. A customer role reaches
 * only the routes that name it, so a route written without the portal in mind
 * is closed to customers by default (403) and cannot leak across customers.
 */
export function mayCall(role: Role, allow: readonly Role[] | undefined): boolean {
  if (role === 'admin') return true;
  return allow ? allow.includes(role) : !isCustomerRole(role);
}

/** `config.allow` of the few routes every principal needs (who am I, sign out). */
export const EVERY_ROLE: readonly Role[] = Role.options;

/**
 * The routes of a scope with their declared roles, recorded as they are
 * registered (call `recordRouteRoles` before registering them). The live
 * event stream asks it who may read what, and the role matrix in the docs is
 * generated from it, so neither can drift from the routes.
 */
export class RouteRoles {
  private readonly byKey = new Map<string, DeclaredRoute>();

  add(route: DeclaredRoute): void {
    this.byKey.set(`${route.method} ${route.url}`, route);
  }

  /** Whether `role` may call the route; false when no such route is registered. */
  may(role: Role, method: string, url: string): boolean {
    const route = this.byKey.get(`${method} ${url}`);
    return route !== undefined && mayCall(role, route.allow);
  }

  list(): DeclaredRoute[] {
    return [...this.byKey.values()].sort((a, b) => (a.url === b.url ? a.method.localeCompare(b.method) : a.url.localeCompare(b.url)));
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The API scope's routes with their declared roles (set by the API app). */
    routeRoles?: RouteRoles;
  }
}

export function recordRouteRoles(app: FastifyInstance, into = new RouteRoles()): RouteRoles {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      into.add({ method, url: route.url, allow: (route.config)?.allow });
    }
  });
  return into;
}
