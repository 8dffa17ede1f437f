import { Readable } from 'node:stream';
import type { Repositories } from '@hourmeter/db';
import { csvRow } from '@hourmeter/http';
import { AppError } from '@hourmeter/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TelemetryReader } from '../ports.js';
import { MetricList, QueryInstant } from './query-params.js';

const DAY_MS = 86_400_000;
/** Longest range one export covers. */
export const MAX_EXPORT_RANGE_MS = 400 * DAY_MS;
/** Readings are read a window at a time, so memory holds one window of one asset, never the export. */
export const EXPORT_WINDOW_MS = 6 * 3_600_000;

interface ExportAsset {
  id: string;
  serialNumber: string;
}

/** CSV lines of one asset's readings in [from, to): one row per timestamp, one column per metric. */
async function* assetRows(telemetry: TelemetryReader, asset: ExportAsset, metrics: readonly string[], from: number, to: number): AsyncGenerator<string> {
  for (let start = from; start < to; start += EXPORT_WINDOW_MS) {
    const end = Math.min(start + EXPORT_WINDOW_MS, to);
    const series = await telemetry.queryRange({ assetId: asset.id, metrics, from: start, to: end });
    const rows = new Map<number, (number | undefined)[]>();
    for (const s of series) {
      const column = metrics.indexOf(s.metric);
      if (column < 0) continue;
      for (const p of s.points) {
        let row = rows.get(p.ts);
        if (!row) rows.set(p.ts, (row = new Array<number | undefined>(metrics.length)));
        row[column] = p.value;
      }
    }
    let chunk = '';
    for (const ts of [...rows.keys()].sort((a, b) => a - b)) chunk += csvRow([asset.serialNumber, asset.id, new Date(ts).toISOString(), ts, ...rows.get(ts)!]);
    if (chunk) yield chunk;
  }
}

/**
 * `GET /exports/telemetry.csv`: the readings of one asset or of every asset
 * of a model over a time range, streamed as CSV (asset serial number and id,
 * time, epoch ms, one column per metric). Read window by window from the
 * telemetry store and written as the client reads: never held whole.
 */
export function exportRoutes(parent: FastifyInstance, deps: { repos: Repositories; telemetry: TelemetryReader }): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  app.get('/exports/telemetry.csv', {
    schema: {
      tags: ['telemetry'],
      summary: 'Bulk export of telemetry as CSV (streamed): one asset or an asset model, a time range',
      querystring: z.object({
        assetId: z.string().max(64).optional(),
        assetModelId: z.string().max(64).optional(),
        from: QueryInstant.describe('inclusive; epoch ms or ISO 8601 with Z/offset'),
        to: QueryInstant.describe('exclusive; at most 400 days after from'),
        metrics: MetricList.optional().describe('comma-separated; default: every metric the assets have'),
      }),
    },
    handler: async (req, reply) => {
      const q = req.query;
      if ((q.assetId === undefined) === (q.assetModelId === undefined)) throw new AppError('VALIDATION_FAILED', 'pass exactly one of assetId and assetModelId');
      if (q.from >= q.to) throw new AppError('VALIDATION_FAILED', 'from must be before to');
      if (q.to - q.from > MAX_EXPORT_RANGE_MS) throw new AppError('VALIDATION_FAILED', `an export covers at most ${MAX_EXPORT_RANGE_MS / DAY_MS} days; split the range`);
      const assets: ExportAsset[] = [];
      if (q.assetId) assets.push(await deps.repos.assets.get(q.assetId));
      else {
        await deps.repos.assetModels.get(q.assetModelId!);
        for (let cursor: string | undefined; ; ) {
          const page = await deps.repos.assets.list({ limit: 500, cursor, filters: { assetModelId: q.assetModelId } });
          assets.push(...page.items);
          if (!page.nextCursor) break;
          cursor = page.nextCursor;
        }
      }
      // The columns must be known before the first row: the metrics the assets have (their latest values name them).
      const metrics = q.metrics ? [...q.metrics] : [...new Set((await Promise.all(assets.map((a) => deps.telemetry.latest(a.id)))).flat().map((l) => l.metric))].sort();
      const { from, to } = q;
      async function* csv(): AsyncGenerator<string> {
        yield csvRow(['asset_serial_number', 'asset_id', 'time', 'ts', ...metrics]);
        if (metrics.length === 0) return;
        for (const asset of assets) yield* assetRows(deps.telemetry, asset, metrics, from, to);
      }
      const name = `telemetry-${q.assetId ?? q.assetModelId}-${new Date(from).toISOString().slice(0, 10)}.csv`;
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(Readable.from(csv()));
    },
  });
}
