import { describe, expect, it } from 'vitest';
import {
  AssetInput,
  CustomerInput,
  EXCLUSION_CAUSES,
  idOf,
  INTERNAL_DEPARTMENTS,
  MetricName,
  Money,
  newId,
  PbhTerms,
  PbhTermsInput,
  RunningRule,
  TelemetryReading,
  WorkOrderCompletionInput,
} from './index.js';

describe('ids', () => {
  it('are prefixed, valid for their kind only, and sort in creation order', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => newId('asset', 1_700_000_000_000 + Math.floor(i / 100)));
    expect(ids.every((id) => idOf('asset').safeParse(id).success)).toBe(true);
    expect(idOf('site').safeParse(ids[0]).success).toBe(false);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('sort by time across milliseconds', () => {
    const early = newId('workOrder', Date.UTC(2026, 0, 1));
    const late = newId('workOrder', Date.UTC(2026, 0, 2));
    expect(early < late).toBe(true);
    expect(early.startsWith('wo_')).toBe(true);
  });
});

describe('money', () => {
  it('accepts integer minor units with an ISO currency only', () => {
    expect(Money.safeParse({ amountMinor: 1999, currency: 'EUR' }).success).toBe(true);
    expect(Money.safeParse({ amountMinor: 19.99, currency: 'EUR' }).success).toBe(false);
    expect(Money.safeParse({ amountMinor: 1999, currency: 'eur' }).success).toBe(false);
    expect(Money.safeParse({ amountMinor: 2 ** 60, currency: 'EUR' }).success).toBe(false);
  });
});

describe('registry schemas', () => {
  it('fill customer value-index inputs with defaults and bound rates', () => {
    const c = CustomerInput.parse({ name: 'Acme', currency: 'USD' });
    expect(c.value).toMatchObject({ onTimePaymentRate: 1, size: 'medium' });
    expect(CustomerInput.safeParse({ name: 'Acme', currency: 'USD', value: { onTimePaymentRate: 1.2 } }).success).toBe(false);
  });

  it('reject impossible dates and unknown running rules', () => {
    const base = { serialNumber: 'SN-1', assetModelId: newId('assetModel'), siteId: newId('site'), commissionedOn: '2026-02-30' };
    expect(AssetInput.safeParse(base).success).toBe(false);
    expect(AssetInput.safeParse({ ...base, commissionedOn: '2026-02-28' }).success).toBe(true);
    expect(RunningRule.safeParse({ kind: 'vibes', metric: 'x' }).success).toBe(false);
    expect(RunningRule.parse({ kind: 'counter', metric: 'operating_hours' })).toEqual({ kind: 'counter', metric: 'operating_hours', unit: 'hours' });
    expect(MetricName.safeParse('time').error?.issues[0]?.message).toMatch(/"time" is a reserved name/);
    expect(MetricName.safeParse('asset_id').error?.issues[0]?.message).toMatch(/"asset_id" is a reserved name/);
    expect(MetricName.safeParse('device_id').success).toBe(false);
  });
});

describe('telemetry reading', () => {
  it('normalises ISO timestamps to epoch ms', () => {
    const r = TelemetryReading.parse({ ts: '2026-11-26T10:00:00.250+01:00', metrics: { temp_c: 41.5, running: true } });
    expect(r.ts).toBe(Date.UTC(2026, 10, 26, 9, 0, 0, 250));
  });

  it('rejects bad metric names, non-finite values, empty metrics and unknown fields', () => {
    const ts = Date.UTC(2026, 0, 1);
    expect(TelemetryReading.safeParse({ ts, metrics: { 'Bad Name': 1 } }).success).toBe(false);
    expect(TelemetryReading.safeParse({ ts, metrics: { temp: Number.NaN } }).success).toBe(false);
    expect(TelemetryReading.safeParse({ ts, metrics: { temp: Number.POSITIVE_INFINITY } }).success).toBe(false);
    expect(TelemetryReading.safeParse({ ts, metrics: {} }).success).toBe(false);
    expect(TelemetryReading.safeParse({ ts, metrics: { temp: 1 }, extra: 1 }).success).toBe(false);
    expect(TelemetryReading.safeParse({ ts, metrics: { temp: '1' } }).success).toBe(false);
    expect(TelemetryReading.safeParse({ ts: 'yesterday', metrics: { temp: 1 } }).success).toBe(false);
    expect(TelemetryReading.safeParse({ ts, seq: -1, metrics: { temp: 1 } }).success).toBe(false);
    const tooMany = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`m${i}`, i]));
    expect(TelemetryReading.safeParse({ ts, metrics: tooMany }).error?.issues[0]?.message).toBe('at most 256 metrics');
  });

  it('says why a metric is refused, for a name seen valid before as for a new one', () => {
    const ts = Date.UTC(2026, 0, 1);
    const issueOf = (metrics: Record<string, unknown>) => TelemetryReading.safeParse({ ts, metrics }).error?.issues[0];
    expect(TelemetryReading.safeParse({ ts, metrics: { temp: 1 } }).success).toBe(true);
    // "temp" is known valid now; its value is still checked every time.
    expect(issueOf({ temp: Number.POSITIVE_INFINITY })).toMatchObject({ path: ['metrics', 'temp'], message: 'must be a finite number or a boolean' });
    expect(issueOf({ temp: 'hot' })).toMatchObject({ path: ['metrics', 'temp'], message: 'must be a finite number or a boolean' });
    const badName = issueOf({ 'Bad Name': 1 }) as { path: unknown; issues?: { message: string }[] };
    expect(badName.path).toEqual(['metrics', 'Bad Name']);
    expect(badName.issues?.[0]?.message).toBe('lower-case letters, digits, _ and . starting with a letter');
    expect(issueOf({})).toMatchObject({ path: ['metrics'], message: 'must hold at least one metric' });
    // Reserved: InfluxDB would acknowledge the reading and drop the field.
    const reserved = issueOf({ time: 1, temp: 2 }) as { path: unknown; issues?: { message: string }[] };
    expect(reserved.path).toEqual(['metrics', 'time']);
    expect(reserved.issues?.[0]?.message).toMatch(/"time" is a reserved name/);
    expect(TelemetryReading.safeParse({ ts, metrics: { time_s: 1, uptime: 2 } }).success).toBe(true);
    // zod drops a "__proto__" key before any check: it never reaches the metrics or their prototype.
    const proto = TelemetryReading.parse(JSON.parse(`{"ts":${ts},"metrics":{"__proto__":{"polluted":1},"temp":2}}`));
    expect(proto.metrics).toEqual({ temp: 2 });
    expect(Object.getPrototypeOf(proto.metrics)).toBe(Object.prototype);
  });
});

describe('one catalogue of exclusion causes (issue 16 rule 4)', () => {
  // Read from the two schemas themselves, so a side that stops deriving from the catalogue fails here.
  const nameable: readonly string[] = PbhTermsInput.shape.excludedCauses.unwrap().element.options;
  const recordable: readonly string[] = WorkOrderCompletionInput.shape.responsibleDepartment.options;
  const completion = (responsibleDepartment: string) => ({
    symptomCode: 'S', causeCode: 'C', remedyCode: 'R', responsibleDepartment, labourHours: 1, downtimeFrom: 0, downtimeTo: 1, fixedOnFirstVisit: true,
  });
  const pbh = (excludedCauses: string[]) => ({
    kind: 'pbh', ratePerHourMinor: 100, availabilityGuaranteePercent: 98, creditSchedule: { percentPerStep: 1, capPercent: 10 }, excludedCauses,
  });

  it('every cause a contract can name can be recorded on a completion', () => {
    expect(nameable).toEqual(expect.arrayContaining(['customer_use', 'external_damage', 'force_majeure']));
    for (const cause of nameable) expect(WorkOrderCompletionInput.safeParse(completion(cause)).success, cause).toBe(true);
    // The contract default too: it used to name external_damage, which no completion could record.
    const defaults = PbhTerms.parse({ ...pbh([]), excludedCauses: undefined }).excludedCauses;
    expect(defaults.length).toBeGreaterThan(0);
    for (const cause of defaults) expect(recordable, cause).toContain(cause);
  });

  it('every recorded cause outside the manufacturer can be named by a contract', () => {
    const external = recordable.filter((d) => !(INTERNAL_DEPARTMENTS as readonly string[]).includes(d) && d !== 'none');
    expect(external.sort()).toEqual([...nameable].sort());
    for (const cause of external) expect(PbhTermsInput.safeParse(pbh([cause])).success, cause).toBe(true);
    expect(PbhTermsInput.safeParse(pbh(['design'])).success).toBe(false);
    expect(EXCLUSION_CAUSES).toEqual(nameable);
  });
});
