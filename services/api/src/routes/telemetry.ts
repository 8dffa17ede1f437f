import type { Repositories } from '@hourmeter/db';
import { AppError } from '@hourmeter/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DeviceStatusSource, IngestCounterSource, TelemetryReader } from '../ports.js';
import { IdParams } from '@hourmeter/http';
import { MetricList, MIN_INSTANT_MS, QueryDuration, QueryInstant } from './query-params.js';

const DAY_MS = 86_400_000;
/** Raw points over longer ranges would be megabytes; ask for buckets instead. */
export const MAX_RAW_RANGE_MS = 2 * DAY_MS;
export const MAX_BUCKETS = 10_000;

const Series = z.object({ metric: z.string(), points: z.array(z.tuple([z.number(), z.number()])).describe('[ts, value] pairs') });
const TelemetryResponse = z.object({
  assetId: z.string(),
  from: z.number(),
  to: z.number(),
  stepMs: z.number().nullable(),
  agg: z.enum(['mean', 'min', 'max', 'last']).nullable(),
  series: z.array(Series),
});

const ConnectionState = z.object({
  deviceId: z.string(),
  online: z.boolean(),
  lastSeenAt: z.number().nullable(),
  clientAddress: z.string().nullable(),
  connectedSince: z.number().nullable(),
  disconnectedAt: z.number().nullable(),
  transport: z.enum(['tcp', 'ws']).nullable(),
});

const IngestCounters = z.object({
  deviceId: z.string(),
  accepted: z.number(),
  duplicates: z.number(),
  rejected: z.record(z.string(), z.number()).describe('rejected readings by reason code'),
  refused: z.number().describe('publishes refused unacknowledged (spool full, shutting down); the device resends them'),
  deadLettered: z.number().describe('acknowledged readings the telemetry store refused for good, kept in the spool directory\'s dead-letter.jsonl'),
  lastAcceptedAt: z.number().nullable(),
});

export interface TelemetryRouteDeps {
  repos: Repositories;
  telemetry: TelemetryReader;
  /** The broker's live view, when one runs in this process; otherwise what the broker nodes recorded. */
  deviceStatus?: DeviceStatusSource | undefined;
  ingestCounters: IngestCounterSource;
}

/** Telemetry of an asset (raw or bucketed), latest values, and each device's connection and ingest counters. */
export function telemetryRoutes(parent: FastifyInstance, deps: TelemetryRouteDeps): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();

  app.get('/assets/:id/telemetry', {
    schema: {
      tags: ['telemetry'],
      summary: 'Time series of an asset: raw points, or per-step buckets (mean/min/max/last)',
      params: IdParams,
      querystring: z.object({
        metrics: MetricList.describe('comma-separated metric names'),
        from: QueryInstant.optional().describe('inclusive; epoch ms or ISO 8601 with Z/offset, 1970 to 2262; default: `to` minus 24 h'),
        to: QueryInstant.optional().describe('exclusive; epoch ms or ISO 8601 with Z/offset, 1970 to 2262; default: now'),
        step: QueryDuration.optional().describe('bucket width (30s, 5m, 1h, 1d; at most 3650d); omit for raw points'),
        agg: z.enum(['mean', 'min', 'max', 'last']).optional().describe('with step only; default mean'),
      }),
      response: { 200: TelemetryResponse },
    },
    handler: async (req) => {
      await deps.repos.assets.get(req.params.id);
      const to = req.query.to ?? Date.now();
      // A `to` in 1970's first day must not default `from` to before what the stores hold.
      const from = req.query.from ?? Math.max(MIN_INSTANT_MS, to - DAY_MS);
      const stepMs = req.query.step;
      if (from >= to) throw new AppError('VALIDATION_FAILED', 'from must be before to');
      if (stepMs === undefined && to - from > MAX_RAW_RANGE_MS) {
        throw new AppError('VALIDATION_FAILED', `raw points are limited to ${MAX_RAW_RANGE_MS / DAY_MS} days; pass step (e.g. step=1h)`);
      }
      if (stepMs !== undefined && (to - from) / stepMs > MAX_BUCKETS) {
        throw new AppError('VALIDATION_FAILED', `at most ${MAX_BUCKETS} buckets per series; use a larger step`);
      }
      if (stepMs === undefined && req.query.agg !== undefined) {
        throw new AppError('VALIDATION_FAILED', 'agg applies to buckets: pass step with it (e.g. step=1h&agg=max), or leave it out for raw points');
      }
      const agg = stepMs === undefined ? undefined : (req.query.agg ?? 'mean');
      const series = await deps.telemetry.queryRange({ assetId: req.params.id, metrics: req.query.metrics, from, to, stepMs, agg });
      return {
        assetId: req.params.id,
        from,
        to,
        stepMs: stepMs ?? null,
        agg: agg ?? null,
        series: series.map((s) => ({ metric: s.metric, points: s.points.map((p) => [p.ts, p.value] as [number, number]) })),
      };
    },
  });

  app.get('/assets/:id/telemetry/latest', {
    schema: {
      tags: ['telemetry'],
      summary: 'Latest value of each metric of an asset',
      params: IdParams,
      querystring: z.object({ metrics: MetricList.optional() }),
      response: { 200: z.object({ assetId: z.string(), values: z.array(z.object({ metric: z.string(), ts: z.number(), value: z.number() })) }) },
    },
    handler: async (req) => {
      await deps.repos.assets.get(req.params.id);
      return { assetId: req.params.id, values: await deps.telemetry.latest(req.params.id, req.query.metrics) };
    },
  });

  app.get('/devices/:id/status', {
    schema: {
      tags: ['devices'],
      summary: 'Connection state of a device (online, last seen, address); "last seen" recorded by another process lags by up to 30 s',
      params: IdParams,
      response: { 200: ConnectionState },
    },
    handler: async (req) => {
      await deps.repos.devices.get(req.params.id);
      const s = deps.deviceStatus?.get(req.params.id) ?? (await deps.repos.deviceConnections.get(req.params.id));
      return {
        deviceId: req.params.id,
        online: s?.online ?? false,
        lastSeenAt: s?.lastSeenAt ?? null,
        clientAddress: s?.clientAddress ?? null,
        connectedSince: s?.connectedSince ?? null,
        disconnectedAt: s?.disconnectedAt ?? null,
        transport: s?.transport ?? null,
      };
    },
  });

  app.get('/devices/:id/ingest', {
    schema: { tags: ['devices'], summary: 'Ingest counters of a device: accepted, duplicates, rejected by reason', params: IdParams, response: { 200: IngestCounters } },
    handler: async (req) => {
      await deps.repos.devices.get(req.params.id);
      const c = deps.ingestCounters.forDevice(req.params.id);
      const rejected = Object.fromEntries(Object.entries(c?.rejected ?? {}).filter((e): e is [string, number] => e[1] !== undefined));
      return {
        deviceId: req.params.id,
        accepted: c?.accepted ?? 0,
        duplicates: c?.duplicates ?? 0,
        rejected,
        refused: c?.refused ?? 0,
        deadLettered: c?.deadLettered ?? 0,
        lastAcceptedAt: c?.lastAcceptedAt ?? null,
      };
    },
  });
}
