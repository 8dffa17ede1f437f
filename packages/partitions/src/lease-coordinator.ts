import type { Logger } from 'pino';

/**
 * Where partition leases and group membership live: a table every member can
 * reach (the relational store; `partitionLeaseRepository` in @hourmeter/db).
 * Times are epoch ms; an entry whose `expiresAt` has passed is free.
 */
export interface PartitionLeaseStore {
  /** Records that `member` is alive until `expiresAt`. */
  heartbeat(group: string, member: string, expiresAt: number): Promise<void>;
  /** Members alive at `now`, sorted. */
  liveMembers(group: string, now: number): Promise<string[]>;
  /** Takes the partition if it is free, expired or already ours; true when we hold it now. */
  acquire(group: string, partition: number, owner: string, expiresAt: number, now: number): Promise<boolean>;
  /** Extends every lease `owner` still holds; returns their partitions. */
  renew(group: string, owner: string, expiresAt: number): Promise<number[]>;
  /** Gives up the listed leases (all of them if omitted). */
  release(group: string, owner: string, partitions?: readonly number[]): Promise<void>;
  /** Removes the member entry, so the others rebalance at once instead of after its expiry. */
  leave(group: string, member: string): Promise<void>;
}

/** What owning a partition means for the caller: start and stop consuming it. */
export interface PartitionHandler {
  assign(partition: number): Promise<void>;
  revoke(partition: number): Promise<void>;
}

export interface CoordinatorOptions {
  /** The role whose partitions these are (`ingest`, `prediction`). */
  readonly group: string;
  /** This process's unique member id. */
  readonly member: string;
  readonly partitions: number;
  /** A lease not renewed for this long is free for another member (the takeover time). */
  readonly leaseMs: number;
  readonly store: PartitionLeaseStore;
  readonly handler: PartitionHandler;
  readonly logger: Logger;
  readonly now?: (() => number) | undefined;
}

/**
 * Spreads a role's partitions over its live members and moves the partitions
 * of a member that stopped renewing to the others. Every member computes the
 * same assignment from the sorted member list (partition p belongs to member
 * p mod n); the lease table is the arbiter while views differ for a moment,
 * so a partition never has two owners that both hold a valid lease.
 *
 * A member revokes before it releases, and acquires before it assigns: a
 * partition's consumer stops before another member can take the lease.
 */
export class PartitionCoordinator {
  private readonly owned = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Until when the leases renewed last are valid; after it, another member may own them. */
  private validUntil = 0;
  private readonly log: Logger;
  private readonly now: () => number;
  /** Three rounds per lease: one failed renewal leaves time to stop before the lease lapses. */
  private readonly intervalMs: number;

  constructor(private readonly opts: CoordinatorOptions) {
    if (!(opts.partitions >= 1)) throw new Error('partitions must be >= 1');
    this.log = opts.logger.child({ svc: 'partitions', group: opts.group, member: opts.member });
    this.now = opts.now ?? Date.now;
    this.intervalMs = Math.max(50, Math.floor(opts.leaseMs / 3));
  }

  /** Joins the group and takes a first share (awaited), then rebalances every leaseMs / 3. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => {
      // One tick at a time: a slow store must not stack them.
      this.ticking = this.ticking.then(() => this.tick());
    }, this.intervalMs);
    this.timer.unref();
  }

  ownedPartitions(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }

  /** Stops every consumer, then gives the leases back so the others take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    for (const p of this.ownedPartitions()) await this.revoke(p, 'stopping');
    const { store, group, member } = this.opts;
    try {
      await store.release(group, member);
      await store.leave(group, member);
    } catch (err) {
      this.log.warn({ err }, 'could not hand back partition leases; they expire on their own');
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const { store, group, member, partitions, leaseMs } = this.opts;
    try {
      const now = this.now();
      const expiresAt = now + leaseMs;
      await store.heartbeat(group, member, expiresAt);
      const renewed = new Set(await store.renew(group, member, expiresAt));
      this.validUntil = expiresAt;
      for (const p of this.ownedPartitions()) {
        if (!renewed.has(p)) await this.revoke(p, 'lease lost');
      }

      const members = await store.liveMembers(group, now);
      const index = members.indexOf(member);
      const target = new Set<number>();
      if (index >= 0) for (let p = index; p < partitions; p += members.length) target.add(p);

      for (const p of this.ownedPartitions()) {
        if (target.has(p)) continue;
        await this.revoke(p, 'rebalanced');
        await store.release(group, member, [p]);
      }
      for (const p of target) {
        if (this.owned.has(p) || this.stopped) continue;
        if (!(await store.acquire(group, p, member, this.now() + leaseMs, this.now()))) continue;
        this.owned.add(p);
        try {
          await this.opts.handler.assign(p);
          this.log.info({ partition: p, members: members.length }, 'partition assigned');
        } catch (err) {
          this.owned.delete(p);
          await store.release(group, member, [p]);
          this.log.error({ err, partition: p }, 'could not start consuming partition; lease released');
        }
      }
    } catch (err) {
      this.log.warn({ err }, 'partition lease round failed');
      // Without a renewal the leases lapse and another member may take them:
      // stop consuming while they are still ours (the next round would come
      // too late), so two members never read the same partition.
      if (this.now() + this.intervalMs >= this.validUntil) {
        for (const p of this.ownedPartitions()) await this.revoke(p, 'leases expired while the lease store was unreachable');
      }
    }
  }

  private async revoke(partition: number, reason: string): Promise<void> {
    this.owned.delete(partition);
    try {
      await this.opts.handler.revoke(partition);
    } catch (err) {
      this.log.error({ err, partition }, 'stopping partition consumer failed');
    }
    this.log.info({ partition, reason }, 'partition revoked');
  }
}
