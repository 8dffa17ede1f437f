import { createLogger } from '@hourmeter/runtime';
import { createDuckDbTelemetryStore, type TelemetryStore } from '@hourmeter/telemetry-store';
import { tempDir } from '@hourmeter/testkit';
import { AppError } from '@hourmeter/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngest, type Ingest } from '../index.js';
import { parseLineProtocol, parseTelemetryCsv } from './telemetry-file.js';
import { importTelemetryHistory, refKey, type TelemetryImportDeps } from './telemetry-import.js';

const logger = createLogger({ level: 'silent' });
const T0 = Date.UTC(2026, 0, 1);
const NOW = Date.UTC(2026, 6, 1);

describe('telemetry files', () => {
  it('reads CSV rows with absent metrics, booleans and ISO or epoch timestamps', () => {
    const { readings, errors } = parseTelemetryCsv(`ts,device_id,seq,vibration_rms,running\n${T0},dev_a,1,2.5,true\n2026-01-01T00:01:00Z,dev_a,,,false\n`);
    expect(errors).toEqual([]);
    expect(readings).toEqual([
      { row: 2, ref: { deviceId: 'dev_a' }, ts: T0, seq: 1, metrics: { vibration_rms: 2.5, running: true } },
      { row: 3, ref: { deviceId: 'dev_a' }, ts: T0 + 60_000, metrics: { running: false } },
    ]);
  });

  it('reads line protocol: tags, escaped spaces, integers, booleans, ns timestamps', () => {
    const text = `# comment\npump,asset_serial=P\\ 1,site=x vibration_rms=2.5,starts=3i,running=t ${T0}000000\n\npump,device_id=dev_b temp=-1.5e1 ${T0 + 1000}000000`;
    const { readings, errors } = parseLineProtocol(text);
    expect(errors).toEqual([]);
    expect(readings).toEqual([
      { row: 2, ref: { assetSerial: 'P 1' }, ts: T0, metrics: { vibration_rms: 2.5, starts: 3, running: true } },
      { row: 4, ref: { deviceId: 'dev_b' }, ts: T0 + 1000, metrics: { temp: -15 } },
    ]);
    expect(parseLineProtocol(`m,device_id=d v=1 ${T0 / 1000}`, 's').readings[0]!.ts).toBe(T0);
  });

  it('names the bad rows', () => {
    expect(parseTelemetryCsv(`ts,device_id,v\nyesterday,dev_a,1\n${T0},,1\n${T0},dev_a,abc\n`).errors).toEqual([
      { row: 2, message: 'ts "yesterday" is not epoch ms or an ISO 8601 date-time with Z or an offset' },
      { row: 3, message: 'no device_id or asset_serial' },
      { row: 4, message: 'v "abc" is not a number or true/false' },
    ]);
    expect(parseLineProtocol(`m,device_id=d v="text" ${T0}\nm,device_id=d v=1\nm v=1 ${T0}`).errors.map((e) => e.row)).toEqual([1, 2, 3]);
  });
});

describe('telemetry history import through ingest', () => {
  const dir = tempDir('hm-import-');
  let store: TelemetryStore;
  let ingest: Ingest;
  let deps: TelemetryImportDeps;

  beforeAll(async () => {
    store = await createDuckDbTelemetryStore({ dataDir: `${dir.path}/store`, threads: 1 });
    ingest = await createIngest({ logger, store, config: { spoolDir: `${dir.path}/spool`, fsyncIntervalMs: 2, flushIntervalMs: 5, batchSize: 500 } });
    const devices = new Map<string, { deviceId: string; assetId: string } | string>([
      [refKey({ deviceId: 'dev_a' }), { deviceId: 'dev_a', assetId: 'ast_a' }],
      [refKey({ assetSerial: 'P-1' }), { deviceId: 'dev_p', assetId: 'ast_p' }],
      [refKey({ deviceId: 'dev_revoked' }), 'device dev_revoked is revoked'],
    ]);
    deps = { ingress: ingest, now: () => NOW, resolve: async (refs) => new Map(refs.map((r) => [refKey(r), devices.get(refKey(r)) ?? `unknown device ${JSON.stringify(r)}`])) };
  });
  afterAll(async () => {
    await ingest?.close();
    await store?.close();
    dir.cleanup();
  });

  const stored = async (assetId: string) => {
    await ingest.drained(10_000);
    const [series] = await store.queryRange({ assetId, metrics: ['v'], from: T0, to: NOW });
    return (series?.points ?? []).map((p) => [p.ts, p.value]);
  };

  it('refuses a file with a bad row, naming it, and stores nothing of it', async () => {
    const lines = [`ts,device_id,v`];
    for (let i = 0; i < 1500; i++) lines.push(`${T0 + i * 60_000},dev_a,${i}`);
    lines.push(`${NOW + 86_400_000},dev_a,1`); // in the future for ingest
    lines.push(`${T0},dev_revoked,1`);
    const err = await importTelemetryHistory(deps, lines.join('\n'), { format: 'csv' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('VALIDATION_FAILED');
    expect((err as AppError).message).toContain('nothing imported');
    expect((err as AppError).message).toContain('row 1502: FUTURE_TIMESTAMP');
    expect((err as AppError).message).toContain('row 1503: device dev_revoked is revoked');
    expect(await stored('ast_a')).toEqual([]);
  });

  it('stores a good file through ingest in batches, and a re-sent file only as duplicates', async () => {
    const lines = [`ts,device_id,asset_serial,v`];
    for (let i = 0; i < 2500; i++) lines.push(`${T0 + i * 60_000},dev_a,,${i}`);
    lines.push(`${T0},,P-1,42`);
    const progress: number[] = [];
    const res = await importTelemetryHistory(deps, lines.join('\n'), { format: 'csv', onProgress: (sent) => progress.push(sent) });
    expect(res).toEqual({ readings: 2501, accepted: 2501, duplicates: 0 });
    expect(progress.at(-1)).toBe(2501);
    expect(progress.length).toBeGreaterThanOrEqual(3); // 1000-reading batches
    const a = await stored('ast_a');
    expect(a).toHaveLength(2500);
    expect(a[2499]).toEqual([T0 + 2499 * 60_000, 2499]);
    expect(await stored('ast_p')).toEqual([[T0, 42]]);
    const again = await importTelemetryHistory(deps, lines.join('\n'), { format: 'csv' });
    expect(again).toEqual({ readings: 2501, accepted: 0, duplicates: 2501 });
    const lp = await importTelemetryHistory(deps, `pump,device_id=dev_a v=7 ${T0 + 3000 * 60_000}000000`, { format: 'line-protocol' });
    expect(lp.accepted).toBe(1);
    expect(await stored('ast_a')).toHaveLength(2501);
  });
});
