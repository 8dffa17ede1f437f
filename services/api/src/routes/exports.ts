import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Repositories } from '@hourmeter/db';
import { csvRow } from '@hourmeter/http';
import { AppError } from '@hourmeter/runtime';
import { createTelemetryParquetWriter, type ExportRow } from '@hourmeter/telemetry-store';
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

/** One asset's rows in [from, to), a window at a time: one row per timestamp, one value per metric. */
async function* assetRows(telemetry: TelemetryReader, asset: ExportAsset, metrics: readonly string[], from: number, to: number): AsyncGenerator<ExportRow[]> {
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
    if (rows.size > 0) yield [...rows.keys()].sort((a, b) => a - b).map((ts): ExportRow => [asset.serialNumber, asset.id, ts, ...rows.get(ts)!]);
  }
}

/** CSV: asset serial number and id, ISO time, epoch ms, one column per metric. */
async function* csvLines(rows: AsyncIterable<ExportRow[]>, metrics: readonly string[]): AsyncGenerator<string> {
  yield csvRow(['asset_serial_number', 'asset_id', 'time', 'ts', ...metrics]);
  for await (const window of rows) yield window.map(([serial, id, ts, ...values]) => csvRow([serial, id, new Date(ts).toISOString(), ts, ...values])).join('');
}

/** Parquet through a scratch file (its footer comes last), then streamed from disk; the scratch directory goes when the response ends. */
async function parquetFile(rows: AsyncIterable<ExportRow[]>, metrics: readonly string[]): Promise<Readable> {
  const writer = await createTelemetryParquetWriter(metrics);
  try {
    for await (const window of rows) await writer.append(window);
    const stream = createReadStream(await writer.finish());
    stream.once('close', () => writer.dispose());
    return stream;
  } catch (err) {
    writer.dispose();
    throw err;
  }
}

const ExportQuery = z.object({
  assetId: z.string().max(64).optional(),
  assetModelId: z.string().max(64).optional(),
  from: QueryInstant.describe('inclusive; epoch ms or ISO 8601 with Z/offset'),
  to: QueryInstant.describe('exclusive; at most 400 days after from'),
  metrics: MetricList.optional().describe('comma-separated; default: every metric the assets have'),
});

/**
 * `GET /exports/telemetry.csv` and `GET /exports/telemetry.parquet`: the
 * readings of one asset or of every asset of a model over a time range (asset
 * serial number and id, time, epoch ms, one column per metric). Read window
 * by window from the telemetry store: CSV is written as the client reads;
 * Parquet goes through a scratch file on disk first. Never held whole in memory.
 */
export function exportRoutes(parent: FastifyInstance, deps: { repos: Repositories; telemetry: TelemetryReader }): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();

  /** The assets, metrics and rows an export covers, after its checks. */
  async function exportOf(q: z.infer<typeof ExportQuery>) {
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
    async function* rows(): AsyncGenerator<ExportRow[]> {
      if (metrics.length === 0) return;
      for (const asset of assets) yield* assetRows(deps.telemetry, asset, metrics, from, to);
    }
    const name = (ext: string) => `telemetry-${q.assetId ?? q.assetModelId}-${new Date(from).toISOString().slice(0, 10)}.${ext}`;
    return { metrics, rows: rows(), name };
  }

  app.get('/exports/telemetry.csv', {
    schema: { tags: ['telemetry'], summary: 'Bulk export of telemetry as CSV (streamed): one asset or an asset model, a time range', querystring: ExportQuery },
    handler: async (req, reply) => {
      const e = await exportOf(req.query);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${e.name('csv')}"`).send(Readable.from(csvLines(e.rows, e.metrics)));
    },
  });

  app.get('/exports/telemetry.parquet', {
    schema: {
      tags: ['telemetry'],
      summary: 'Bulk export of telemetry as Parquet (streamed from a scratch file): one asset or an asset model, a time range',
      querystring: ExportQuery,
    },
    handler: async (req, reply) => {
      const e = await exportOf(req.query);
      const file = await parquetFile(e.rows, e.metrics);
      return reply.type('application/vnd.apache.parquet').header('content-disposition', `attachment; filename="${e.name('parquet')}"`).send(file);
    },
  });
}
