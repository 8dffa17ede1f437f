import type { ConnectionStateQuery } from '@hourmeter/broker';
import type { ConnectionRecord, DeviceConnectionRepository } from '@hourmeter/db';
import type { Logger } from '@hourmeter/runtime';

export interface ConnectionStateRecorderOptions {
  readonly connections: ConnectionStateQuery;
  readonly store: Pick<DeviceConnectionRepository, 'record' | 'nodeStarted'>;
  /** This broker node's name: it writes (and on start clears) only its own rows. */
  readonly node: string;
  readonly logger: Logger;
  /** How often connects and disconnects are written, batched (default 1 s). */
  readonly flushIntervalMs?: number;
  /** How often "last seen" of connected devices is written (default 30 s): every packet would be a write. */
  readonly seenIntervalMs?: number;
  readonly now?: () => number;
}

export interface ConnectionStateRecorder {
  /** Writes what is buffered now (and the current "last seen" with `withSeen`). */
  flush(opts?: { withSeen?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** Changes kept while the store is unreachable; beyond it the oldest are dropped (and logged). */
const MAX_BUFFERED = 100_000;

/**
 * Copies a broker node's device connection state into the relational store,
 * so the API of every process (an `api` process has no broker) shows it and
 * it outlives a restart. The broker's in-memory registry stays the live view.
 */
export async function startConnectionStateRecorder(opts: ConnectionStateRecorderOptions): Promise<ConnectionStateRecorder> {
  const log = opts.logger.child({ svc: 'connection-state' });
  const now = opts.now ?? Date.now;
  const cleared = await opts.store.nodeStarted(opts.node, now());
  if (cleared > 0) log.info({ node: opts.node, devices: cleared }, 'devices this node held before its restart marked offline');

  let buffer: ConnectionRecord[] = [];
  /** Last "seen" time written per connected device, to write only what moved. */
  const seenWritten = new Map<string, number>();
  let dropped = 0;

  const push = (r: ConnectionRecord) => {
    buffer.push(r);
    if (buffer.length > MAX_BUFFERED) {
      dropped += buffer.length - MAX_BUFFERED;
      buffer = buffer.slice(buffer.length - MAX_BUFFERED);
    }
  };

  const unsubscribe = opts.connections.onChange((change) => {
    const s = change.state;
    if (change.kind === 'connected') {
      seenWritten.set(s.deviceId, s.lastSeenAt);
      push({ kind: 'connected', deviceId: s.deviceId, at: s.connectedSince ?? s.lastSeenAt, clientAddress: s.clientAddress, transport: s.transport });
    } else {
      seenWritten.delete(s.deviceId);
      push({ kind: 'seen', deviceId: s.deviceId, at: s.lastSeenAt });
      push({ kind: 'disconnected', deviceId: s.deviceId, at: s.disconnectedAt ?? now(), connectedSince: change.connectedSince });
    }
  });

  function collectSeen(): void {
    for (const s of opts.connections.list({ online: true })) {
      if ((seenWritten.get(s.deviceId) ?? 0) >= s.lastSeenAt) continue;
      seenWritten.set(s.deviceId, s.lastSeenAt);
      push({ kind: 'seen', deviceId: s.deviceId, at: s.lastSeenAt });
    }
  }

  let writing: Promise<void> = Promise.resolve();
  function flush({ withSeen = false } = {}): Promise<void> {
    writing = writing.then(async () => {
      if (withSeen) collectSeen();
      if (dropped > 0) {
        log.warn({ dropped }, 'connection changes dropped while the database was unreachable');
        dropped = 0;
      }
      const batch = buffer;
      buffer = [];
      try {
        await opts.store.record(opts.node, batch);
      } catch (err) {
        // Kept, in order, ahead of what arrived meanwhile: the next flush retries.
        buffer = batch.concat(buffer);
        log.warn({ err, changes: batch.length }, 'could not record device connection state; will retry');
      }
    });
    return writing;
  }

  const flushTimer = setInterval(() => void flush(), opts.flushIntervalMs ?? 1_000);
  const seenTimer = setInterval(() => void flush({ withSeen: true }), opts.seenIntervalMs ?? 30_000);
  flushTimer.unref();
  seenTimer.unref();

  return {
    flush,
    async close() {
      clearInterval(flushTimer);
      clearInterval(seenTimer);
      unsubscribe();
      await flush({ withSeen: true });
    },
  };
}
