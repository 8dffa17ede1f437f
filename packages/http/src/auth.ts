import { timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import { isCustomerRole, type Principal, type Role } from '@hourmeter/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.js';
import { mayCall } from './route-roles.js';

/** The console's session cookie (httpOnly, SameSite=Strict) and the header that must echo its CSRF token on writes. */
export const SESSION_COOKIE = 'hm_session';
export const CSRF_HEADER = 'x-csrf-token';

/** How the API resolves credentials: bearer API keys (the key repository fits) and, where people sign in, session cookies. */
export interface KeyAuthenticator {
  /** `name` is what history shows for the key; without one, history shows `API key <id>`. */
  authenticate(key: string): Promise<{ id: string; role: Role; name?: string; customerId?: string | null } | undefined>;
  /** The session behind a cookie value, with the CSRF token its writes must carry. */
  session?(token: string): Promise<{ principal: Principal; csrfToken: string } | undefined>;
}

/** The secret a request authenticated with, so a long-lived stream can check it again later. */
export interface Credential {
  kind: Principal['kind'];
  secret: string;
  /** A session's CSRF token (GET /me hands it to the console after a reload). */
  csrfToken?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed besides admin; omitted = every role may call the route. */
    allow?: readonly Role[];
  }
  interface FastifyRequest {
    principal?: Principal;
    credential?: Credential;
  }
}

const BEARER = /^Bearer\s+(\S+)$/i;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ACTOR_NAME_MAX = 60;

/**
 * Who did it, for history and audit trails: the person's (or key's) name with
 * the id in brackets, stored as written so a later rename or deletion never
 * rewrites history. The console shows the name; the id stays for audits.
 */
export function actorOf(request: FastifyRequest): string {
  const p = request.principal;
  return p ? `${p.name.slice(0, ACTOR_NAME_MAX)} [${p.id}]` : 'anonymous';
}

/** Whether a credential still authenticates (a revoked key, an ended or expired session do not). */
export async function stillAuthenticated(auth: KeyAuthenticator, credential: Credential): Promise<boolean> {
  if (credential.kind === 'api-key') return (await auth.authenticate(credential.secret)) !== undefined;
  return (await auth.session?.(credential.secret)) !== undefined;
}

function sameToken(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Session cookies are for the API only, never readable by scripts, and never sent on a request another site starts. */
const SESSION_COOKIE_PATH = '/api/';

export function setSessionCookie(reply: FastifyReply, token: string, expiresAt: number): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: reply.request.protocol === 'https',
    path: SESSION_COOKIE_PATH,
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: SESSION_COOKIE_PATH });
}

/** Registers cookie parsing on the app (call once, before the scopes that use requireApiKey). */
export async function parseCookies(app: FastifyInstance): Promise<void> {
  await app.register(cookie);
}

/**
 * Every route in the scope needs `Authorization: Bearer <key>` or a session
 * cookie. Admin may do everything; other roles only what a route's
 * `config.allow` lists. Unknown, malformed and revoked credentials get the
 * same 401 so a caller learns nothing about which exist. A cookie is an
 * ambient credential (the browser sends it whoever made the page), so writes
 * with it must also echo the session's CSRF token in `x-csrf-token`; a bearer
 * key is never sent by a browser on its own and needs no such token.
 */
export function requireApiKey(app: FastifyInstance, keys: KeyAuthenticator): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('credential', undefined);
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const header = request.headers.authorization;
    const sessionToken = keys.session ? request.cookies?.[SESSION_COOKIE] : undefined;
    if (header || !sessionToken) {
      const match = header ? BEARER.exec(header) : null;
      if (!match) {
        reply.header('www-authenticate', 'Bearer');
        return sendProblem(reply, request, 401, 'UNAUTHENTICATED', 'sign in, or send Authorization: Bearer <api key>');
      }
      const key = await keys.authenticate(match[1]!);
      if (!key) {
        reply.header('www-authenticate', 'Bearer error="invalid_token"');
        return sendProblem(reply, request, 401, 'UNAUTHENTICATED', 'unknown or revoked API key');
      }
      request.principal = { kind: 'api-key', id: key.id, role: key.role, name: key.name ?? `API key ${key.id}`, ...(key.customerId ? { customerId: key.customerId } : {}) };
      request.credential = { kind: 'api-key', secret: match[1]! };
    } else {
      const session = await keys.session!(sessionToken);
      if (!session) return sendProblem(reply, request, 401, 'UNAUTHENTICATED', 'your session has ended; sign in again');
      if (!SAFE_METHODS.has(request.method) && !sameToken(request.headers[CSRF_HEADER] as string | undefined, session.csrfToken)) {
        return sendProblem(reply, request, 403, 'CSRF_REFUSED', `a change made with a session cookie needs the session's ${CSRF_HEADER} header`);
      }
      request.principal = session.principal;
      request.credential = { kind: 'user', secret: sessionToken, csrfToken: session.csrfToken };
    }
    const { role } = request.principal;
    if (isCustomerRole(role) && !request.principal.customerId) {
      return sendProblem(reply, request, 403, 'FORBIDDEN', `a ${role} credential must belong to a customer`);
    }
    const allow = request.routeOptions.config.allow;
    if (!mayCall(role, allow)) {
      return sendProblem(
        reply,
        request,
        403,
        'FORBIDDEN',
        `role ${role} may not ${request.method} ${request.routeOptions.url}; allowed: admin${allow?.length ? ', ' + allow.join(', ') : ''}`,
      );
    }
  });
}
