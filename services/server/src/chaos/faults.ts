import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { waitFor } from '@hourmeter/testkit';
import mqtt from 'mqtt';
import type { FaultId } from './options.js';
import type { Member, Topology } from './topology.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a fault sees of the run around it. */
export interface FaultContext {
  topology: Topology;
  /** Acknowledged readings of the steady load so far. */
  acked: () => number;
  /** Answers of /health/ready per member since the fault started (true = 200). */
  readyAnswers: (member: Member) => boolean[];
  flooder: { username: string; password: string };
  revoked: { username: string; password: string };
  faultSeconds: number;
  log: (msg: string) => void;
}

export interface Fault {
  id: FaultId;
  name: string;
  /**
   * A fault that must take readiness down (a process killed, a store it
   * needs stopped, nowhere to spool): its window is not counted in the
   * readiness share. Every other fault must leave readiness up.
   */
  takesReadinessDown: boolean;
  /** Injects the fault, holds it, ends it and throws when its effect was not what it must be. */
  run: (ctx: FaultContext) => Promise<void>;
}

const isReady = async (m: Member) => (await fetch(`${m.address}/health/ready`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined))?.status === 200;

async function allReady(ctx: FaultContext, what: string): Promise<void> {
  await waitFor(`every process ready after ${what}`, async () => (await Promise.all(ctx.topology.members.map(isReady))).every(Boolean), { timeoutMs: 90_000, intervalMs: 200 });
}

/** Waits until `members` (one of them at least) answer /health/ready with 503: the fault really took effect. */
async function readinessWentDown(ctx: FaultContext, members: Member[], what: string): Promise<void> {
  await waitFor(`readiness to go down while ${what}`, () => members.some((m) => ctx.readyAnswers(m).includes(false)), { timeoutMs: 20_000, intervalMs: 100 });
}

/** Holds a store outage for the fault duration: readiness must go down, and devices keep being acknowledged into the spool. */
async function storeOutage(ctx: FaultContext, what: string, stop: () => Promise<{ end: () => Promise<void> }>, watch: Member[], expectAcks: boolean): Promise<void> {
  const outage = await stop();
  const before = ctx.acked();
  const started = Date.now();
  try {
    await readinessWentDown(ctx, watch, what);
    ctx.log(`${what}: readiness down after ${((Date.now() - started) / 1000).toFixed(1)} s, holding ${ctx.faultSeconds} s`);
    await sleep(Math.max(0, ctx.faultSeconds * 1000 - (Date.now() - started)));
  } finally {
    await outage.end();
  }
  const during = ctx.acked() - before;
  ctx.log(`${what}: ended, ${during} readings acknowledged during it`);
  if (expectAcks && during === 0) throw new Error(`no reading was acknowledged while ${what}: the spool must absorb them`);
  await allReady(ctx, what);
}

function killRole(role: string): Fault {
  return {
    id: 'kill-9',
    name: `kill -9 of the ${role === 'all' ? 'process' : `${role} role`}`,
    takesReadinessDown: true,
    run: async (ctx) => {
      const member = ctx.topology.members.find((m) => m.role === role)!;
      member.proc.child.kill('SIGKILL');
      const code = await member.proc.exited;
      if (member.proc.child.signalCode !== 'SIGKILL') throw new Error(`${member.name} was not killed by SIGKILL (exit ${code})`);
      await ctx.topology.restart(member);
      await allReady(ctx, `restarting ${member.name}`);
    },
  };
}

/** The faults for one topology, in the order they run. */
export function faultsFor(topology: Topology, wanted: readonly FaultId[]): Fault[] {
  const broker = topology.members.find((m) => m.role === 'broker' || m.role === 'all')!;
  const storeWatchers = topology.members.filter((m) => ['all', 'ingest'].includes(m.role));
  const dbWatchers = topology.members.filter((m) => m.role !== 'broker');
  const all: Fault[] = [
    {
      id: 'malformed-flood',
      name: 'malformed flood (20,000 payloads)',
      takesReadinessDown: false,
      run: async (ctx) => {
        const c = await mqtt.connectAsync(topology.mqttUrl, { username: ctx.flooder.username, password: ctx.flooder.password, clientId: ctx.flooder.username });
        const bad = ['{"ts":', 'not json', '{"ts":1,"metrics":{"Bad Name":1}}', '[{"metrics":{}}]'];
        for (let i = 0; i < 20_000; i++) {
          c.publish(`hm/v1/${ctx.flooder.username}/telemetry`, bad[i % bad.length]!, { qos: 0 });
          if (i % 1000 === 0) await sleep(5);
        }
        await c.endAsync();
      },
    },
    {
      id: 'garbage-packet',
      name: '10 MB garbage packet',
      takesReadinessDown: false,
      run: async () => {
        const s = tcpConnect(topology.mqttPort, '127.0.0.1');
        s.on('error', () => undefined);
        await new Promise<void>((r) => s.once('connect', () => r()));
        s.write(Buffer.concat([Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]), randomBytes(10 * 1024 * 1024)]));
        const closedByServer = await new Promise<boolean>((r) => {
          s.once('close', () => r(true));
          setTimeout(() => r(false), 10_000);
        });
        s.destroy();
        if (!closedByServer) throw new Error('the broker kept the connection of a 10 MB garbage packet open for 10 s');
      },
    },
    {
      id: 'retry-storm',
      name: 'revoked-device retry storm (10 connections, 10 s)',
      takesReadinessDown: false,
      run: async (ctx) => {
        const until = Date.now() + 10_000;
        let accepted = 0;
        await Promise.all(Array.from({ length: 10 }, async () => {
          while (Date.now() < until) {
            await mqtt
              .connectAsync(topology.mqttUrl, { username: ctx.revoked.username, password: ctx.revoked.password, clientId: ctx.revoked.username, reconnectPeriod: 0, connectTimeout: 5_000 })
              .then((c) => { accepted++; c.end(true); }, () => undefined);
            await sleep(50);
          }
        }));
        if (accepted > 0) throw new Error(`a revoked device was let in ${accepted} times`);
      },
    },
    {
      id: 'device-clock-jump',
      name: 'device clock jump (readings a day ahead, then back)',
      takesReadinessDown: false,
      run: async (ctx) => {
        const c = await mqtt.connectAsync(topology.mqttUrl, { username: ctx.flooder.username, password: ctx.flooder.password, clientId: ctx.flooder.username });
        await c.publishAsync(`hm/v1/${ctx.flooder.username}/telemetry`, JSON.stringify({ ts: Date.now() + 86_400_000, metrics: { running: true } }), { qos: 1 });
        await c.publishAsync(`hm/v1/${ctx.flooder.username}/telemetry`, JSON.stringify({ ts: Date.now(), metrics: { running: true } }), { qos: 1 });
        await c.endAsync();
      },
    },
    {
      id: 'server-clock-jump',
      name: 'server clock jump (2 h ahead, then back)',
      takesReadinessDown: false,
      run: async (ctx) => {
        const clock = topology.clock!;
        const serverClockAhead = async () => {
          const res = await fetch(`${broker.address}/health/live`);
          return (Date.parse(res.headers.get('date') ?? '') - Date.now()) / 1000;
        };
        const hold = Math.max(3_000, (ctx.faultSeconds * 1000) / 3);
        clock.set(7_200);
        try {
          await waitFor('the server clock 2 h ahead', async () => (await serverClockAhead()) > 7_000, { timeoutMs: 10_000, intervalMs: 200 });
          const before = ctx.acked();
          await sleep(hold);
          if (ctx.acked() === before) throw new Error('no reading was acknowledged while the server clock was 2 h ahead');
        } finally {
          clock.set(0);
        }
        await waitFor('the server clock back', async () => Math.abs(await serverClockAhead()) < 60, { timeoutMs: 10_000, intervalMs: 200 });
        const before = ctx.acked();
        await sleep(hold);
        if (ctx.acked() === before) throw new Error('no reading was acknowledged after the server clock stepped back 2 h');
      },
    },
    {
      id: 'telemetry-store-stopped',
      name: `telemetry store stopped (${topology.mode === 'cluster' ? 'influxd' : 'DuckDB calls failing'})`,
      takesReadinessDown: true,
      run: (ctx) => storeOutage(ctx, 'the telemetry store is stopped', () => topology.stopTelemetryStore(), storeWatchers, true),
    },
    {
      id: 'database-stopped',
      name: `relational database stopped (${topology.mode === 'cluster' ? 'PostgreSQL, pg_ctl stop' : 'SQLite write lock held by another process'})`,
      takesReadinessDown: true,
      run: async (ctx) => {
        if (topology.mode === 'cluster') return storeOutage(ctx, 'PostgreSQL is stopped', () => topology.stopDatabase(), dbWatchers, true);
        // SQLite cannot be stopped; a foreign write lock is its outage. Readers still read (WAL), so
        // the proof it took effect is the server's own writes failing with SQLITE_BUSY.
        const logged = () => topology.output().split('database is locked').length;
        const before = { acked: ctx.acked(), busy: logged() };
        const outage = await topology.stopDatabase();
        try {
          // Longer than the server's 5 s SQLite busy timeout, or its writes would only wait, not fail.
          await sleep(Math.max(ctx.faultSeconds * 1000, 8_000));
        } finally {
          await outage.end();
        }
        ctx.log(`SQLite locked: ${logged() - before.busy} writes refused with SQLITE_BUSY, ${ctx.acked() - before.acked} readings acknowledged meanwhile`);
        if (logged() === before.busy) throw new Error('the server never met the SQLite write lock: the fault did not take effect');
        if (ctx.acked() === before.acked) throw new Error('no reading was acknowledged while SQLite was locked');
        await allReady(ctx, 'the SQLite lock');
      },
    },
    {
      id: 'redis-stopped',
      name: 'Redis stopped',
      takesReadinessDown: true,
      run: (ctx) => storeOutage(ctx, 'Redis is stopped', () => topology.stopRedis!(), topology.members, false),
    },
    {
      id: 'spool-disk-full',
      name: "spool's disk full",
      takesReadinessDown: true,
      run: async (ctx) => {
        const fs = topology.spoolFs!;
        const refusals = () => topology.output().split('spool write failed').length;
        const before = { acked: ctx.acked(), refused: refusals() };
        const bytes = fs.fill();
        try {
          // A node whose spool refuses every write cannot take traffic: readiness says so.
          await readinessWentDown(ctx, [broker], "the spool's disk is full");
          await sleep(Math.max(3_000, (ctx.faultSeconds * 1000) / 3));
          // A reading may still be acknowledged when its append fits a page the segment already has, or
          // space a drained segment just freed: it is on disk. What must not happen is acking without
          // the write: the spool must have met ENOSPC and refused, and the final count finds every ack.
          ctx.log(`spool disk full (ballast ${(bytes / 1024 / 1024).toFixed(1)} MB): ${refusals() - before.refused} spool writes refused, ${ctx.acked() - before.acked} readings acknowledged while full`);
          if (refusals() === before.refused) throw new Error("no spool write was refused while the spool's disk was full: the fault did not take effect");
          if (broker.proc.child.exitCode !== null) throw new Error(`${broker.name} exited when its spool's disk was full`);
        } finally {
          fs.free();
        }
        const freed = ctx.acked();
        await waitFor('readings acknowledged again after the disk was freed', () => ctx.acked() > freed, { timeoutMs: 60_000, intervalMs: 100 });
        await allReady(ctx, 'freeing the disk');
      },
    },
  ];
  const kills = topology.mode === 'cluster' ? ['broker', 'ingest', 'prediction', 'api'] : ['all'];
  return [...all, ...kills.map(killRole)].filter((f) => wanted.includes(f.id));
}
