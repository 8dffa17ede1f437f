import { Password, Principal, SignInInput, User, UserInput, UserUpdate } from '@hourmeter/domain';
import { clearSessionCookie, EVERY_ROLE, IdParams, setSessionCookie } from '@hourmeter/http';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AccountService } from '../accounts.js';

const SignedIn = z.object({ user: User, csrfToken: z.string(), expiresAt: z.number() });

/** POST /auth/sign-in: outside the authenticated scope (it is how a session starts). */
export function signInRoute(parent: FastifyInstance, accounts: AccountService): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  app.post('/auth/sign-in', {
    schema: {
      tags: ['users'],
      summary: 'Sign in with e-mail and password: sets the httpOnly session cookie and returns the CSRF token writes must send as x-csrf-token',
      security: [],
      body: SignInInput,
      response: { 200: SignedIn },
    },
    handler: async (req, reply) => {
      const s = await accounts.signIn(req.body.email, req.body.password, req.ip);
      setSessionCookie(reply, s.token, s.expiresAt);
      return { user: s.user, csrfToken: s.csrfToken, expiresAt: s.expiresAt };
    },
  });
}

/** Sign-out, who am I, and the admin's user management (inside the authenticated scope). */
export function userRoutes(parent: FastifyInstance, accounts: AccountService): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const tags = ['users'];
  const adminOnly = { allow: [] as const };
  const { users } = accounts;

  app.post('/auth/sign-out', {
    config: { allow: EVERY_ROLE },
    schema: { tags, summary: 'End the session of the presented cookie (a no-op for an API key)', response: { 204: z.null() } },
    handler: async (req, reply) => {
      if (req.credential?.kind === 'user') await accounts.signOut(req.credential.secret);
      clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  });

  app.get('/me', {
    config: { allow: EVERY_ROLE },
    schema: {
      tags,
      summary: "Who is calling: a signed-in person or an API key, with role and name (every role); for a session also its CSRF token",
      response: { 200: Principal.extend({ keyId: z.string().optional(), csrfToken: z.string().optional() }) },
    },
    // keyId stays for clients written before people signed in. Another site cannot read this answer (same-origin policy), so handing out the token is safe.
    handler: async (req) => ({
      ...req.principal!,
      ...(req.principal!.kind === 'api-key' ? { keyId: req.principal!.id } : { csrfToken: req.credential?.csrfToken }),
    }),
  });

  app.get('/users', {
    config: adminOnly,
    schema: { tags, summary: 'List users (never their password hashes)', response: { 200: z.object({ items: z.array(User) }) } },
    handler: async () => ({ items: await users.list() }),
  });

  app.get('/people', {
    schema: {
      tags,
      summary: 'Names and roles of the people who may sign in (every role: assignees and history entries show names); no e-mail addresses',
      response: { 200: z.object({ items: z.array(User.pick({ id: true, name: true, role: true })) }) },
    },
    handler: async () => ({ items: (await users.list()).filter((u) => u.disabledAt === null).map(({ id, name, role }) => ({ id, name, role })) }),
  });

  app.post('/users', {
    config: adminOnly,
    schema: { tags, summary: 'Create a user with an initial password', body: UserInput, response: { 201: User } },
    handler: async (req, reply) => reply.status(201).send(await accounts.createUser(req.body)),
  });

  app.patch('/users/:id', {
    config: adminOnly,
    schema: { tags, summary: 'Rename, change role, disable or enable a user (disabling or a role change ends their sessions)', params: IdParams, body: UserUpdate, response: { 200: User } },
    handler: async (req) => accounts.updateUser(req.params.id, req.body),
  });

  app.post('/users/:id/password', {
    config: adminOnly,
    schema: { tags, summary: "Reset a user's password: lifts a lockout and ends their sessions", params: IdParams, body: z.object({ password: Password }), response: { 200: User } },
    handler: async (req) => accounts.resetPassword(req.params.id, req.body.password),
  });
}
