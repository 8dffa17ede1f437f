import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** A component's liveness probe: true when up. Throwing counts as down. */
export type HealthCheck = () => Promise<boolean>;

const ComponentHealth = z.object({ status: z.enum(['up', 'down']), detail: z.string().optional() });
const HealthReport = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  uptimeSeconds: z.number(),
  components: z.record(z.string(), ComponentHealth),
});

const CHECK_TIMEOUT_MS = 2_000;

async function probe(check: HealthCheck): Promise<z.infer<typeof ComponentHealth>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const up = await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return up ? { status: 'up' } : { status: 'down' };
  } catch (err) {
    return { status: 'down', detail: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** `GET /health`, no auth: 200 when every component is up, 503 otherwise, each component's state either way. */
export function healthRoute(parent: FastifyInstance, checks: Readonly<Record<string, HealthCheck>>, version: string): void {
  const startedAt = Date.now();
  parent.withTypeProvider<ZodTypeProvider>().get('/health', {
    schema: { tags: ['health'], summary: 'Liveness of each component (no auth)', security: [], response: { 200: HealthReport, 503: HealthReport } },
    handler: async (_req, reply) => {
      const names = Object.keys(checks);
      const results = await Promise.all(names.map((n) => probe(checks[n]!)));
      const components = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
      const ok = results.every((r) => r.status === 'up');
      return reply.status(ok ? 200 : 503).send({
        status: ok ? 'ok' : 'degraded',
        version,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        components,
      });
    },
  });
}
