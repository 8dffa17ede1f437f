import { dbTargets } from '@hourmeter/db/testing';
import { partitionLeaseRepository } from '@hourmeter/db';
import { waitFor } from '@hourmeter/testkit';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionCoordinator, type PartitionLeaseStore } from './lease-coordinator.js';

const PARTITIONS = 8;
const LEASE_MS = 600;
const silent = pino({ level: 'silent' });

/**
 * Who consumes which partition, across members: assigning a partition that
 * another member still consumes is the failure these tests look for.
 */
class Consumption {
  readonly holder = new Map<number, string>();
  readonly overlaps: string[] = [];
  handler(member: string) {
    return {
      assign: async (p: number) => {
        const other = this.holder.get(p);
        if (other !== undefined) this.overlaps.push(`partition ${p}: ${member} assigned while ${other} consumed it`);
        this.holder.set(p, member);
      },
      revoke: async (p: number) => {
        if (this.holder.get(p) === member) this.holder.delete(p);
      },
    };
  }
  of(member: string): number[] {
    return [...this.holder].filter(([, m]) => m === member).map(([p]) => p).sort((a, b) => a - b);
  }
}

/** A lease store that can be cut off, as a member partitioned from the database is. */
function cuttable(store: PartitionLeaseStore): PartitionLeaseStore & { cut(): void } {
  let cut = false;
  const guard = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> => (cut ? Promise.reject(new Error('lease store unreachable')) : fn(...a));
  return {
    heartbeat: guard(store.heartbeat),
    liveMembers: guard(store.liveMembers),
    acquire: guard(store.acquire),
    renew: guard(store.renew),
    release: guard(store.release),
    leave: guard(store.leave),
    cut: () => (cut = true),
  };
}

describe.each(dbTargets())('partition coordinator on $name', (target) => {
  let cleanup: () => Promise<void>;
  let store: PartitionLeaseStore;
  const running: PartitionCoordinator[] = [];
  const consumption = new Consumption();

  beforeEach(async (ctx) => {
    if (target.skip) ctx.skip(target.skip);
    const opened = await target.open();
    cleanup = opened.cleanup;
    store = partitionLeaseRepository(opened.db.kysely);
    consumption.holder.clear();
    consumption.overlaps.length = 0;
  });
  afterEach(async () => {
    for (const c of running.splice(0)) await c.stop();
    await cleanup?.();
  });

  function member(name: string, leases: PartitionLeaseStore = store): PartitionCoordinator {
    const c = new PartitionCoordinator({
      group: 'ingest',
      member: name,
      partitions: PARTITIONS,
      leaseMs: LEASE_MS,
      store: leases,
      handler: consumption.handler(name),
      logger: silent,
    });
    running.push(c);
    return c;
  }

  it('splits the partitions between live members and hands a leaver its share back at once', async () => {
    const a = member('a');
    await a.start();
    expect(consumption.of('a')).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    const b = member('b');
    await b.start();
    await waitFor('an even split', () => consumption.of('a').length === 4 && consumption.of('b').length === 4, { timeoutMs: 5_000 });
    expect([...consumption.of('a'), ...consumption.of('b')].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    const t0 = Date.now();
    await b.stop();
    running.splice(running.indexOf(b), 1);
    await waitFor('a to own every partition', () => consumption.of('a').length === PARTITIONS, { timeoutMs: 5_000 });
    // A graceful leaver releases its leases: no waiting for them to expire.
    expect(Date.now() - t0).toBeLessThan(LEASE_MS * 3);
    expect(consumption.overlaps).toEqual([]);
  });

  it('takes over the partitions of a member that stopped renewing, never while it still consumes them', async () => {
    const deadLeases = cuttable(store);
    const a = member('a', deadLeases);
    const b = member('b');
    await a.start();
    await b.start();
    await waitFor('an even split', () => consumption.of('a').length === 4 && consumption.of('b').length === 4, { timeoutMs: 5_000 });

    deadLeases.cut();
    await waitFor('b to own every partition', () => consumption.of('b').length === PARTITIONS, { timeoutMs: 10 * LEASE_MS });
    expect(a.ownedPartitions()).toEqual([]);
    expect(consumption.overlaps).toEqual([]);
  });

  it('gives a partition to one of two members racing for it', async () => {
    const wins = await Promise.all(
      ['x', 'y', 'z'].map((m) => store.acquire('prediction', 3, m, Date.now() + 60_000, Date.now())),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    // An expired lease is free again.
    const winner = ['x', 'y', 'z'][wins.indexOf(true)]!;
    expect(await store.acquire('prediction', 3, 'w', Date.now() + 60_000, Date.now())).toBe(false);
    await store.renew('prediction', winner, Date.now() - 1);
    expect(await store.acquire('prediction', 3, 'w', Date.now() + 60_000, Date.now())).toBe(true);
    expect(await store.renew('prediction', winner, Date.now() + 60_000)).toEqual([]);
  });
});
