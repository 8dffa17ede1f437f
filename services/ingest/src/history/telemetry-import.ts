import type { TelemetryIngress } from '@hourmeter/messages';
import { AppError } from '@hourmeter/runtime';
import { parseTelemetry } from '../core/parse-telemetry.js';
import { parseLineProtocol, parseTelemetryCsv, type DeviceRef, type FileReading, type FileRowError, type Precision } from './telemetry-file.js';

export interface ResolvedDevice {
  deviceId: string;
  assetId: string;
}

export interface TelemetryImportDeps {
  ingress: TelemetryIngress;
  /** Each reference to a device, or why it names none (unknown, revoked, ambiguous). */
  resolve(refs: readonly DeviceRef[]): Promise<Map<string, ResolvedDevice | string>>;
  now?: () => number;
}

export interface TelemetryImportOptions {
  format: 'csv' | 'line-protocol';
  precision?: Precision | undefined;
  /** Called after each batch reaches ingest. */
  onProgress?: ((sent: number, total: number) => void) | undefined;
}

export interface TelemetryImportResult {
  readings: number;
  accepted: number;
  /** Already stored (same device, ts and seq): a re-sent file costs nothing. */
  duplicates: number;
}

export const refKey = (r: DeviceRef) => ('deviceId' in r ? `d:${r.deviceId}` : `s:${r.assetSerial}\u0000${r.assetModel ?? ''}`);

const LIMITS = { maxPayloadBytes: 256 * 1024, maxReadingsPerMessage: 1000 };
/** Below the ingest limit, with room for the array brackets and commas. */
const CHUNK_BYTES = 200 * 1024;

interface Chunk {
  device: ResolvedDevice;
  rows: number[];
  payload: Uint8Array;
}

function describe(errors: FileRowError[]): string {
  const sorted = [...errors].sort((a, b) => a.row - b.row);
  const shown = sorted.slice(0, 10).map((e) => `row ${e.row}: ${e.message}`);
  return `${shown.join('; ')}${sorted.length > 10 ? `; and ${sorted.length - 10} more` : ''}`;
}

/**
 * Historical telemetry through the ingest path (the same validation, dedupe
 * and durable spool as MQTT): the whole file is read and every reading checked
 * with ingest's own parser first; a file with a bad row is refused naming the
 * rows and nothing of it is sent. Then readings go to ingest per device in
 * batches. If ingest refuses a batch midway (spool full), the batches before
 * it are stored and the error says so: sending the file again stores the rest,
 * the stored part counting as duplicates.
 */
export async function importTelemetryHistory(deps: TelemetryImportDeps, text: string, opts: TelemetryImportOptions): Promise<TelemetryImportResult> {
  const now = (deps.now ?? Date.now)();
  const parsed = opts.format === 'csv' ? parseTelemetryCsv(text) : parseLineProtocol(text, opts.precision ?? 'ns');
  const errors = [...parsed.errors];
  if (errors.length === 0 && parsed.readings.length === 0) errors.push({ row: 1, message: 'no readings in the file' });

  const byKey = new Map<string, FileReading[]>();
  for (const r of parsed.readings) {
    const k = refKey(r.ref);
    const list = byKey.get(k) ?? [];
    list.push(r);
    byKey.set(k, list);
  }
  const resolved = errors.length ? new Map() : await deps.resolve([...byKey.values()].map((l) => l[0]!.ref));

  const chunks: Chunk[] = [];
  for (const [k, readings] of byKey) {
    const device = resolved.get(k);
    if (typeof device === 'string') {
      errors.push(...readings.slice(0, 3).map((r) => ({ row: r.row, message: device })));
      continue;
    }
    if (!device) continue;
    let rows: number[] = [];
    let parts: string[] = [];
    let bytes = 2;
    const flush = () => {
      if (!parts.length) return;
      const payload = new TextEncoder().encode(`[${parts.join(',')}]`);
      // The ingest's own checks, on exactly what will be sent.
      const check = parseTelemetry(payload, { deviceId: device.deviceId, assetId: device.assetId, receivedAt: now }, LIMITS);
      for (const rej of check.rejections) errors.push({ row: rej.index === undefined ? rows[0]! : rows[rej.index]!, message: `${rej.code}: ${rej.message}` });
      chunks.push({ device, rows, payload });
      rows = [];
      parts = [];
      bytes = 2;
    };
    for (const r of readings) {
      const json = JSON.stringify({ ts: r.ts, ...(r.seq === undefined ? {} : { seq: r.seq }), metrics: r.metrics });
      if (parts.length >= LIMITS.maxReadingsPerMessage || bytes + json.length + 1 > CHUNK_BYTES) flush();
      parts.push(json);
      rows.push(r.row);
      bytes += json.length + 1;
    }
    flush();
  }
  if (errors.length) throw new AppError('VALIDATION_FAILED', `telemetry file refused, nothing imported: ${describe(errors)}`, { errors });

  const total = parsed.readings.length;
  let sent = 0;
  const result: TelemetryImportResult = { readings: total, accepted: 0, duplicates: 0 };
  for (const c of chunks) {
    const outcome = await deps.ingress.accept({
      deviceId: c.device.deviceId,
      assetId: c.device.assetId,
      topic: `hm/v1/${c.device.deviceId}/telemetry`,
      payload: c.payload,
      qos: 1,
      receivedAt: now,
    });
    if (outcome.status === 'refused') {
      throw new AppError(
        'UNAVAILABLE',
        `ingest refused the telemetry import after ${result.accepted + result.duplicates} of ${total} readings (${outcome.code}: ${outcome.message}); those are stored: send the file again to store the rest (stored readings count as duplicates)`,
      );
    }
    result.accepted += outcome.accepted;
    result.duplicates += outcome.duplicates;
    sent += c.rows.length;
    opts.onProgress?.(sent, total);
  }
  return result;
}
