import type { Repositories } from '@hourmeter/db';
import { AppError } from '@hourmeter/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describeRowErrors, parseMaintenanceHistory, type RowError } from './core/history-csv.js';
// Brings in the `config.allow` / `request.principal` augmentation of fastify.
import type {} from '@hourmeter/http';

export interface HistoryImportResult {
  rows: number;
  imported: number;
  /** Rows already imported before (same asset, kind, failure mode and time): skipped. */
  duplicateRows: number[];
  /** Asset models and failure modes that got new failures (for reliability refits). */
  failures: { assetId: string; failureMode: string }[];
}

/**
 * Imports past failures and maintenance as completed work orders: every row
 * is checked (format, serial number, part numbers and their fit) before
 * anything is written, then all rows go in one transaction. A bad file is
 * refused with every bad row named, and nothing of it is imported.
 */
export async function importMaintenanceHistory(repos: Pick<Repositories, 'historyImport'>, text: string, opts: { actor: string; now: number }): Promise<HistoryImportResult> {
  const { rows, errors } = parseMaintenanceHistory(text, opts.now);
  if (errors.length === 0) {
    const assets = await repos.historyImport.assetsBySerial([...new Set(rows.map((r) => r.assetSerial))]);
    const parts = new Map((await repos.historyImport.partsByNumber([...new Set(rows.flatMap((r) => r.parts.map((p) => p.partNumber)))])).map((p) => [p.partNumber, p]));
    const orders = [];
    for (const r of rows) {
      const bad = (column: string, message: string) => errors.push({ row: r.row, column, message } satisfies RowError);
      const candidates = assets.filter((a) => a.serialNumber === r.assetSerial && (r.assetModel === undefined || a.assetModelCode === r.assetModel));
      if (candidates.length === 0) {
        bad('asset_serial', `no asset with serial number ${r.assetSerial}${r.assetModel ? ` of model ${r.assetModel}` : ''}`);
        continue;
      }
      if (candidates.length > 1) {
        bad('asset_model', `serial number ${r.assetSerial} belongs to assets of ${candidates.map((c) => c.assetModelCode).join(', ')}: give asset_model`);
        continue;
      }
      const asset = candidates[0]!;
      const used = [];
      for (const p of r.parts) {
        const part = parts.get(p.partNumber);
        if (!part) bad('parts', `unknown part number ${p.partNumber}`);
        else if (!part.fitsAssetModelIds.includes(asset.assetModelId)) bad('parts', `part ${p.partNumber} does not fit asset model ${asset.assetModelCode}`);
        else used.push({ partId: part.partId, partNumber: part.partNumber, quantity: p.quantity, unitCostMinor: part.unitCostMinor, currency: part.currency });
      }
      const currencies = new Set(used.map((p) => p.currency));
      if (currencies.size > 1) bad('parts', `parts priced in different currencies (${[...currencies].join(', ')})`);
      orders.push({
        row: r.row,
        assetId: asset.assetId,
        at: r.at,
        kind: r.kind,
        failureMode: r.failureMode,
        symptomCode: r.symptomCode,
        causeCode: r.causeCode,
        remedyCode: r.remedyCode,
        responsibleDepartment: r.responsibleDepartment,
        labourHours: r.labourHours,
        parts: used,
        currency: used[0]?.currency ?? asset.currency,
        description: `imported from maintenance history, row ${r.row}`,
      });
    }
    if (errors.length === 0) {
      const res = await repos.historyImport.importCompleted(orders, opts.actor, opts.now);
      const dup = new Set(res.duplicateRows);
      const failures = orders.filter((o) => o.kind === 'corrective' && o.failureMode && !dup.has(o.row)).map((o) => ({ assetId: o.assetId, failureMode: o.failureMode! }));
      return { rows: rows.length, imported: res.imported, duplicateRows: res.duplicateRows, failures };
    }
  }
  errors.sort((a, b) => a.row - b.row);
  throw new AppError('VALIDATION_FAILED', `maintenance history refused, nothing imported: ${describeRowErrors(errors)}`, { errors });
}

export interface HistoryRouteDeps {
  repos: Pick<Repositories, 'historyImport'>;
  /** Told about the failures an import added (reliability refits). */
  onImported?: ((failures: HistoryImportResult['failures']) => void) | undefined;
  now?: () => number;
}

/** `POST /imports/maintenance-history` (text/csv). Register inside the authenticated /api/v1 scope. */
export function historyImportRoutes(parent: FastifyInstance, deps: HistoryRouteDeps): void {
  // Encapsulated: the CSV body parser applies to these routes only.
  void parent.register(async (scope) => {
    scope.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: 20 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    const app = scope.withTypeProvider<ZodTypeProvider>();
    app.post('/imports/maintenance-history', {
      config: { allow: ['planner', 'engineer'] },
      schema: {
        tags: ['work-orders'],
        summary: 'Import past failures and maintenance (CSV) as completed work orders, all rows or none',
        body: z.string().min(1).max(20 * 1024 * 1024).describe('CSV: asset_serial,asset_model,date,kind,failure_mode,symptom_code,cause_code,remedy_code,parts,labour_hours,responsible_department'),
        response: { 201: z.object({ rows: z.number().int(), imported: z.number().int(), duplicateRows: z.array(z.number().int()) }) },
      },
      handler: async (req, reply) => {
        const res = await importMaintenanceHistory(deps.repos, req.body, { actor: `import:${req.principal?.id ?? 'api'}`, now: (deps.now ?? Date.now)() });
        if (res.failures.length) deps.onImported?.(res.failures);
        return reply.status(201).send({ rows: res.rows, imported: res.imported, duplicateRows: res.duplicateRows });
      },
    });
  });
}
