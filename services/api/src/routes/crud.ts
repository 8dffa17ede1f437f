import type { Role } from '@hourmeter/domain';
import type { ListOptions, Page } from '@hourmeter/db';
import { IdParams, PageQuery, pageOf } from '@hourmeter/http';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';

/** The repository shape every registry entity shares. */
export interface CrudRepo<T, In, F> {
  create(input: In): Promise<T>;
  get(id: string): Promise<T>;
  list(opts: ListOptions<F>): Promise<Page<T>>;
  update(id: string, patch: Partial<In>): Promise<T>;
  remove(id: string): Promise<void>;
}

type IdParams = z.infer<typeof IdParams>;

export interface CrudRoutes<T, In, F> {
  /** URL segment under /api/v1, e.g. `customers`. */
  path: string;
  tag: string;
  entity: z.ZodType;
  input: z.ZodObject;
  filters: z.ZodObject;
  repo: CrudRepo<T, In, F>;
  /** Roles besides admin that may create, update and delete; everyone may read. */
  writers: readonly Role[];
}

/**
 * List (cursor-paginated, filtered), create, read, partial update and delete
 * for one registry entity. PATCH applies only the fields the client sent: a
 * parsed partial would otherwise fill omitted fields with their defaults.
 */
export function registerCrud<T, In, F>(app: FastifyInstance, spec: CrudRoutes<T, In, F>): void {
  // The zod compilers validate and serialise; the generic entity type cannot
  // flow through the type provider, so handlers cast what the schemas checked.
  const base = `/${spec.path}`;
  const tags = [spec.tag];
  const write = { allow: spec.writers };

  app.get(base, {
    schema: { tags, summary: `List ${spec.tag}`, querystring: PageQuery.extend(spec.filters.shape), response: { 200: pageOf(spec.entity) } },
    handler: async (req) => {
      const { limit, cursor, ...filters } = req.query as { limit: number; cursor?: string } & Record<string, string>;
      return spec.repo.list({ limit, cursor, filters: filters as Partial<F> });
    },
  });

  app.post(base, {
    config: write,
    schema: { tags, summary: `Create a ${spec.tag} record`, body: spec.input, response: { 201: spec.entity } },
    handler: async (req, reply) => reply.status(201).send(await spec.repo.create(req.body as In)),
  });

  app.get(`${base}/:id`, {
    schema: { tags, summary: `Read one ${spec.tag} record`, params: IdParams, response: { 200: spec.entity } },
    handler: async (req) => spec.repo.get((req.params as IdParams).id),
  });

  app.patch(`${base}/:id`, {
    config: write,
    preValidation: async (req) => {
      sentKeys.set(req, new Set(Object.keys((req.body as object | null) ?? {})));
    },
    schema: { tags, summary: `Update fields of a ${spec.tag} record`, params: IdParams, body: spec.input.partial(), response: { 200: spec.entity } },
    handler: async (req) => {
      const sent = sentKeys.get(req) ?? new Set();
      const patch = Object.fromEntries(Object.entries(req.body as object).filter(([k]) => sent.has(k)));
      return spec.repo.update((req.params as IdParams).id, patch as Partial<In>);
    },
  });

  app.delete(`${base}/:id`, {
    config: write,
    schema: { tags, summary: `Delete a ${spec.tag} record (refused while referenced)`, params: IdParams },
    handler: async (req, reply) => {
      await spec.repo.remove((req.params as IdParams).id);
      return reply.status(204).send();
    },
  });
}

const sentKeys = new WeakMap<object, Set<string>>();
