import { Role } from '@hourmeter/domain';
import Fastify, { type FastifyInstance, type HTTPMethods, type LightMyRequestResponse } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { expect } from 'vitest';
import { parseCookies, requireApiKey, type KeyAuthenticator } from './auth.js';
import { installProblemHandler } from './problem.js';
import { mayCall, recordRouteRoles, RouteRoles } from './route-roles.js';
import { refuseIllFormedText } from './well-formed-text.js';

/**
 * The API's /api/v1 scope exactly as the server builds it (zod compilers,
 * problem+json errors, bearer keys with roles), around one service's routes,
 * for that service's route tests. The routes' declared roles are recorded in
 * `app.routeRoles`, as the API app records them.
 */
export async function testApi(keys: KeyAuthenticator, register: (api: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify();
  const routeRoles = new RouteRoles();
  app.decorate('routeRoles', routeRoles);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installProblemHandler(app);
  await parseCookies(app);
  await app.register(
    async (api) => {
      requireApiKey(api, keys);
      refuseIllFormedText(api);
      recordRouteRoles(api, routeRoles);
      register(api);
    },
    { prefix: '/api/v1' },
  );
  return app;
}

export interface RouteResponse {
  readonly status: number;
  /** Parsed JSON where the response is JSON, else the raw text. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever shape the route answers
  readonly body: any;
  readonly headers: Record<string, string | string[] | number | undefined>;
}

export interface CallOptions {
  /** Whose bearer key to send (default: the harness's role); `null` sends none. */
  readonly as?: Role | null | undefined;
  readonly body?: unknown;
  readonly headers?: Record<string, string> | undefined;
}

/** One service's routes in the /api/v1 scope with a bearer key per role: what every route test needs. */
export interface RouteHarness {
  readonly app: FastifyInstance;
  readonly keys: Readonly<Record<Role, string>>;
  /** `url` is relative to /api/v1 (a full /api/v1/... path is taken as it is). */
  call(method: HTTPMethods, url: string, opts?: CallOptions): Promise<RouteResponse>;
  /** The same request, answered with fastify's raw inject response (`statusCode`, `json()`, `payload`). */
  request(method: HTTPMethods, url: string, opts?: CallOptions): Promise<LightMyRequestResponse>;
  /** A problem+json answer with this status and stable code. */
  expectProblem(res: RouteResponse, status: number, code: string): void;
  /**
   * Every route the service declared, called as each role: 401 without a
   * key, 403 for each role its declared roles leave out, neither for the
   * roles it declares (docs/roles.md is generated from the same declarations).
   * Returns how many routes it checked.
   */
  expectRoleMatrix(): Promise<number>;
  close(): Promise<void>;
}

export interface RouteHarnessOptions {
  readonly auth: KeyAuthenticator;
  /** Issues a bearer key for a role (`roleKeyIssuer(repos)` in @hourmeter/db/testing does it on the key repository). */
  readonly issueKey: (role: Role) => Promise<string>;
  readonly register: (api: FastifyInstance) => void;
  /** The role calls are made as unless they say otherwise (default admin). */
  readonly as?: Role | undefined;
}

export async function routeHarness(opts: RouteHarnessOptions): Promise<RouteHarness> {
  const keys = {} as Record<Role, string>;
  for (const role of Role.options) keys[role] = await opts.issueKey(role);
  const app = await testApi(opts.auth, opts.register);
  const defaultRole = opts.as ?? 'admin';

  const request: RouteHarness['request'] = (method, url, o = {}) => {
    const as = o.as === undefined ? defaultRole : o.as;
    return app.inject({
      method,
      url: url.startsWith('/api/') ? url : `/api/v1${url}`,
      headers: { ...(as === null ? {} : { authorization: `Bearer ${keys[as]}` }), ...o.headers },
      ...(o.body === undefined ? {} : { payload: o.body as object }),
    });
  };
  const call: RouteHarness['call'] = async (method, url, o = {}) => {
    const res = await request(method, url, o);
    const json = res.headers['content-type']?.toString().includes('json');
    return { status: res.statusCode, body: json && res.body ? res.json() : res.body, headers: res.headers };
  };

  return {
    app,
    keys,
    call,
    request,
    expectProblem(res, status, code) {
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(String(res.headers['content-type'])).toContain('application/problem+json');
      expect(res.body.code).toBe(code);
    },
    async expectRoleMatrix() {
      await app.ready();
      const routes = app.routeRoles!.list().filter((r) => !r.url.endsWith('*'));
      expect(routes.length, 'routes recorded').toBeGreaterThan(0);
      for (const route of routes) {
        // Authentication and roles are checked on request, before the parameters: any value will do.
        const url = route.url.replace(/:[A-Za-z]+/g, 'x');
        const method = route.method;
        const answers: Record<string, number> = { anonymous: (await call(method, url, { as: null })).status };
        for (const role of Role.options) answers[role] = (await call(method, url, { as: role })).status;
        const expected = Object.fromEntries(
          Object.entries(answers).map(([who, status]) => {
            if (who === 'anonymous') return [who, 401];
            // A role the route declares gets past authorisation: whatever the route answers but 401 or 403.
            return [who, mayCall(who as Role, route.allow) ? (status === 401 || status === 403 ? 'allowed' : status) : 403];
          }),
        );
        expect(answers, `${route.method} ${route.url} (allow: ${route.allow?.join(', ') ?? 'every role'})`).toEqual(expected);
      }
      return routes.length;
    },
    close: () => app.close(),
  };
}
