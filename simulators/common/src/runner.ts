import { createLogger, type Logger } from '@hourmeter/runtime';
import { DeviceLink, emptyCounters, type DeviceCounters } from './device-link.js';
import { FaultConfig, FaultPlanner, addFaultCounts, type FaultConfigInput } from './faults.js';
import { prngFor } from './prng.js';
import { usageMeter, type ProcessUsage } from './process-usage.js';
import type { ReadingSource } from './source.js';

export interface RunnerDevice {
  /** MQTT client id and user name (the platform's device id). */
  id: string;
  /** Device secret; omitted for a broker without authentication. */
  password?: string;
  source: ReadingSource;
}

export interface RunnerOptions {
  mqttUrl: string;
  devices: RunnerDevice[];
  /** Readings per device per wall-clock second. */
  rate: number;
  /** Seeds the fault and transport streams (the sources carry their own). */
  seed: number;
  faults?: FaultConfigInput;
  logger?: Logger;
  /** Connection attempts in progress at once while the fleet comes up. */
  connectConcurrency?: number;
  keepaliveSeconds?: number;
  maxBacklog?: number;
  maxBatch?: number;
  /** Subscribe each device to its commands and errors topics (default true). */
  subscribe?: boolean;
  /** Scheduler period; each tick sends every reading that has come due. */
  tickMs?: number;
}

export interface RunnerStats {
  devices: number;
  connected: number;
  /** Devices that have had a session at least once. */
  everConnected: number;
  /** Sources that have nothing more to send (replayed units at their end). */
  finished: number;
  /** Assets sitting failed right now, and failures so far. */
  failedNow: number;
  failures: number;
  /** Wall ms from start() until every device's first connection attempt had settled. */
  connectMs: number | undefined;
  /** Wall ms since the schedule started. */
  elapsedMs: number;
  /** How far the scheduler is behind its timetable, in readings. */
  behind: number;
  totals: DeviceCounters;
  /** Readings produced but not yet published (backlogs of offline devices). */
  pending: number;
  usage: ProcessUsage;
}

export interface Runner {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): RunnerStats;
  /** Per-device counters, e.g. to compare with the platform's per-device ingest counters. */
  perDevice(): Map<string, DeviceCounters>;
  /** Resolves when every source is exhausted (a replay at its end). */
  readonly allFinished: Promise<void>;
  readonly links: readonly DeviceLink[];
}

/** Runs `tasks` with at most `limit` in progress. */
async function withConcurrency(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

function sumCounters(links: readonly DeviceLink[]): DeviceCounters {
  const t = emptyCounters();
  for (const l of links) {
    const c = l.counters;
    t.produced += c.produced;
    t.readingsSent += c.readingsSent;
    t.readingsAcked += c.readingsAcked;
    t.messagesSent += c.messagesSent;
    t.backlogBatches += c.backlogBatches;
    t.backlogReadings += c.backlogReadings;
    t.resent += c.resent;
    t.backlogDropped += c.backlogDropped;
    t.connects += c.connects;
    t.connectFailures += c.connectFailures;
    t.authRefused += c.authRefused;
    for (const [k, v] of Object.entries(c.connackRefusals)) t.connackRefusals[k] = (t.connackRefusals[k] ?? 0) + v;
    t.errorsReceived += c.errorsReceived;
    for (const [k, v] of Object.entries(c.errorCodes)) t.errorCodes[k] = (t.errorCodes[k] ?? 0) + v;
    t.commands += c.commands;
    t.commandsRejected += c.commandsRejected;
    addFaultCounts(t.faults, c.faults);
  }
  return t;
}

/**
 * Drives many devices from one process. One timer for the whole fleet rather
 * than one per device: readings are due in a fixed round-robin order (device
 * i at (k + i/N) / rate seconds), so a cursor over that order is all the
 * scheduling 10k devices need, and the load is spread evenly over the period.
 */
export function createDeviceRunner(opts: RunnerOptions): Runner {
  if (!(opts.rate > 0)) throw new Error('rate must be > 0');
  const logger = opts.logger ?? createLogger({ level: 'silent' });
  const faults = FaultConfig.parse(opts.faults ?? {});
  const links = opts.devices.map(
    (d, i) =>
      new DeviceLink({
        id: d.id,
        ...(d.password !== undefined ? { password: d.password } : {}),
        mqttUrl: opts.mqttUrl,
        source: d.source,
        planner: new FaultPlanner(faults, prngFor(opts.seed, i, 'faults')),
        jitter: prngFor(opts.seed, i, 'transport'),
        logger,
        keepaliveSeconds: opts.keepaliveSeconds ?? 60,
        maxBacklog: opts.maxBacklog ?? 10_000,
        maxBatch: opts.maxBatch ?? 100,
        subscribe: opts.subscribe ?? true,
      }),
  );
  const n = links.length;
  const tickMs = opts.tickMs ?? 20;
  const meter = usageMeter();
  let connectMs: number | undefined;
  let scheduleStart: number | undefined;
  let emitted = 0;
  let behind = 0;
  let timer: NodeJS.Timeout | undefined;
  let resolveFinished: () => void = () => {};
  const allFinished = new Promise<void>((r) => (resolveFinished = r));
  let finishedCount = 0;

  const tick = (): void => {
    if (scheduleStart === undefined) return;
    const due = Math.floor(((performance.now() - scheduleStart) / 1000) * opts.rate * n);
    // Bounded work per tick keeps the event loop (PUBACKs, pings) alive when behind.
    const until = Math.min(due, emitted + Math.max(1000, n));
    for (; emitted < until; emitted++) {
      const link = links[emitted % n]!;
      const wasFinished = link.isFinished;
      link.tick();
      if (!wasFinished && link.isFinished && ++finishedCount === n) resolveFinished();
    }
    behind = due - emitted;
  };

  return {
    links,
    allFinished,
    async start() {
      const t0 = performance.now();
      await withConcurrency(
        links.map((l) => () => l.start()),
        opts.connectConcurrency ?? 200,
      );
      connectMs = performance.now() - t0;
      logger.info({ devices: n, connectMs: Math.round(connectMs), connected: links.filter((l) => l.isConnected).length }, 'fleet connected');
      scheduleStart = performance.now();
      timer = setInterval(tick, tickMs);
      if (n === 0) resolveFinished();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await Promise.all(links.map((l) => l.stop()));
    },
    stats() {
      let connected = 0;
      let failedNow = 0;
      let failures = 0;
      let pending = 0;
      let everConnected = 0;
      for (const l of links) {
        if (l.counters.connects > 0) everConnected++;
        pending += l.pending;
        if (l.isConnected) connected++;
        if (l.source.failed) failedNow++;
        failures += l.source.failures ?? 0;
      }
      return {
        devices: n,
        connected,
        everConnected,
        finished: finishedCount,
        failedNow,
        failures,
        connectMs,
        elapsedMs: scheduleStart === undefined ? 0 : performance.now() - scheduleStart,
        behind,
        totals: sumCounters(links),
        pending,
        usage: meter.read(),
      };
    },
    perDevice() {
      return new Map(links.map((l) => [l.id, l.counters]));
    },
  };
}
