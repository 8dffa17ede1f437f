import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

/**
 * A component's probe: true when up. Throwing counts as down. A probe must
 * not queue behind data work (a store's write queue, a migration): it answers
 * from a path of its own, or from what the data work last reported.
 */
export type HealthCheck = () => Promise<boolean>;

const ComponentHealth = z.object({ status: z.enum(['up', 'down']), detail: z.string().optional() });
const HealthReport = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  uptimeSeconds: z.number(),
  components: z.record(z.string(), ComponentHealth),
});
const Liveness = z.object({ status: z.literal('ok') });
const Readiness = z.object({ status: z.enum(['ready', 'not_ready']), down: z.array(z.string()) });

/** Each probe's own budget: a component that does not answer within it is down for this request. */
export const PROBE_TIMEOUT_MS = 1_000;

type ComponentResult = z.infer<typeof ComponentHealth>;

/**
 * Runs one probe under its time budget. Concurrent requests share the probe
 * in flight, so a load balancer polling hard (or many of them) never stacks
 * probes onto a busy component.
 */
function sharedProbe(check: HealthCheck, timeoutMs: number): () => Promise<ComponentResult> {
  let inFlight: Promise<ComponentResult> | undefined;
  const run = async (): Promise<ComponentResult> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const up = await Promise.race([
        check(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return up ? { status: 'up' } : { status: 'down' };
    } catch (err) {
      return { status: 'down', detail: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
    }
  };
  return () => (inFlight ??= run().finally(() => (inFlight = undefined)));
}

/**
 * The liveness/readiness split, no auth:
 * - `GET /health/live`: 200 whenever the process answers (restart it only when this fails);
 * - `GET /health/ready`: 200 when every component is up, 503 naming the ones down (take it out of the load balancer);
 * - `GET /health`: each component's state and detail, 200 or 503 as ready.
 */
export function healthRoute(
  parent: FastifyInstance,
  checks: Readonly<Record<string, HealthCheck>>,
  version: string,
  opts: { probeTimeoutMs?: number } = {},
): void {
  const startedAt = Date.now();
  const names = Object.keys(checks);
  const probes = names.map((n) => sharedProbe(checks[n]!, opts.probeTimeoutMs ?? PROBE_TIMEOUT_MS));
  const probeAll = async () => {
    const results = await Promise.all(probes.map((p) => p()));
    return { components: Object.fromEntries(names.map((n, i) => [n, results[i]!])), down: names.filter((_, i) => results[i]!.status === 'down') };
  };
  const app = parent.withTypeProvider<ZodTypeProvider>();
  app.get('/health/live', {
    schema: { tags: ['health'], summary: 'Liveness: the process answers (no auth)', security: [], response: { 200: Liveness } },
    handler: async () => ({ status: 'ok' as const }),
  });
  app.get('/health/ready', {
    schema: { tags: ['health'], summary: 'Readiness: every component can take traffic (no auth)', security: [], response: { 200: Readiness, 503: Readiness } },
    handler: async (_req, reply) => {
      const { down } = await probeAll();
      return reply.status(down.length === 0 ? 200 : 503).send({ status: down.length === 0 ? 'ready' : 'not_ready', down });
    },
  });
  app.get('/health', {
    schema: { tags: ['health'], summary: 'State of each component (no auth)', security: [], response: { 200: HealthReport, 503: HealthReport } },
    handler: async (_req, reply) => {
      const { components, down } = await probeAll();
      return reply.status(down.length === 0 ? 200 : 503).send({
        status: down.length === 0 ? 'ok' : 'degraded',
        version,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        components,
      });
    },
  });
}
