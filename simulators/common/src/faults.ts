import { z } from 'zod';
import type { Prng } from './prng.js';

/**
 * Fault injection: the misbehaviour real devices show (docs/domain.md, "Assets and telemetry": late,
 * duplicated, out-of-order data, drifting clocks, backlogs after outages).
 * Every injected fault is counted per device and kind, so a test can compare
 * the platform's ingest counters with exactly what the simulator did.
 *
 * The planner is pure (seeded decisions only); the MQTT link carries them out.
 */

/** What is counted. `malformed_*` and `duplicate` are extra messages, never in place of a reading. */
export const FAULT_KINDS = [
  /** connection torn down by the device (socket destroyed), then reconnected */
  'disconnect',
  /** offline episodes begun: the device buffers and later sends one backlog batch */
  'offline',
  /** readings sent with a skewed clock */
  'skew',
  /** ...of which the timestamp was more than the platform's tolerance in the future when sent */
  'skew_future',
  /** extra copies of a reading already sent (same ts, seq and metrics) */
  'duplicate',
  /** readings sent after their successor */
  'out_of_order',
  /** extra payloads that are not JSON at all */
  'malformed_json',
  /** extra payloads that are JSON but violate the telemetry schema */
  'malformed_schema',
  /** connection attempts made with a wrong password */
  'wrong_secret',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultCounts = Record<FaultKind, number>;

export function emptyFaultCounts(): FaultCounts {
  return Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as FaultCounts;
}

export function addFaultCounts(into: FaultCounts, from: FaultCounts): FaultCounts {
  for (const k of FAULT_KINDS) into[k] += from[k];
  return into;
}

const Rate = z.number().min(0).max(1).default(0);

/** Probabilities per reading (per connection attempt for `wrongSecret`); all 0 = no faults. */
export const FaultConfig = z.strictObject({
  drop: Rate,
  offline: Rate,
  skew: Rate,
  duplicate: Rate,
  outOfOrder: Rate,
  malformed: Rate,
  wrongSecret: Rate,
  /** Length of an offline period, in readings. */
  offlineReadings: z.int().positive().max(100_000).default(10),
  /** Length of a clock-skew episode, in readings. */
  skewReadings: z.int().positive().max(100_000).default(5),
  /** Clock offset during a skew episode, ms (positive = device clock ahead). */
  skewMs: z.int().min(-365 * 86_400_000).max(365 * 86_400_000).default(10 * 60_000),
});
export type FaultConfig = z.infer<typeof FaultConfig>;
export type FaultConfigInput = z.input<typeof FaultConfig>;

export const NO_FAULTS: FaultConfig = FaultConfig.parse({});

export function faultsEnabled(cfg: FaultConfig): boolean {
  return cfg.drop + cfg.offline + cfg.skew + cfg.duplicate + cfg.outOfOrder + cfg.malformed + cfg.wrongSecret > 0;
}

/** What to do with one reading. */
export interface ReadingPlan {
  /** Tear the connection down before this reading (it then goes to the backlog). */
  drop: boolean;
  /** Start an offline period of this many readings, this one included. */
  offlineFor: number;
  /** Clock offset to add to this reading's timestamp. */
  skewMs: number;
  /** Send one extra copy. */
  duplicate: boolean;
  /** Hold this reading back and send it after the next one. */
  holdBack: boolean;
  /** Send an extra malformed payload. */
  malformed: 'json' | 'schema' | undefined;
}

/**
 * Seeded per-device fault decisions. Draws a fixed number of random values per
 * reading whatever the outcome, so the decision sequence of one kind does not
 * shift when another kind's rate changes.
 */
export class FaultPlanner {
  private skewLeft = 0;

  constructor(
    private readonly cfg: FaultConfig,
    private readonly prng: Prng,
  ) {}

  get enabled(): boolean {
    return faultsEnabled(this.cfg);
  }

  planReading(): ReadingPlan {
    const r = this.prng;
    const [drop, offline, skew, dup, ooo, mal, malKind] = [r.next(), r.next(), r.next(), r.next(), r.next(), r.next(), r.next()];
    if (this.skewLeft === 0 && skew < this.cfg.skew) this.skewLeft = this.cfg.skewReadings;
    const skewMs = this.skewLeft > 0 ? this.cfg.skewMs : 0;
    if (this.skewLeft > 0) this.skewLeft--;
    return {
      drop: drop < this.cfg.drop,
      offlineFor: offline < this.cfg.offline ? this.cfg.offlineReadings : 0,
      skewMs,
      duplicate: dup < this.cfg.duplicate,
      holdBack: ooo < this.cfg.outOfOrder,
      malformed: mal < this.cfg.malformed ? (malKind < 0.5 ? 'json' : 'schema') : undefined,
    };
  }

  /** Whether this connection attempt uses a wrong password. */
  planConnect(): boolean {
    return this.prng.next() < this.cfg.wrongSecret;
  }
}

/**
 * Malformed payloads of the two kinds the platform must tell apart: bytes that
 * are not JSON, and JSON that breaks the telemetry schema (an upper-case metric
 * name, which `MetricName` refuses).
 */
export function malformedPayload(kind: 'json' | 'schema', ts: number): string {
  return kind === 'json' ? `{"ts":${ts},"metrics":{"broken` : JSON.stringify({ ts, metrics: { 'Bad Metric!': 1 } });
}
