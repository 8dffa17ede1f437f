/**
 * Connection state per device, kept in memory by the broker process that
 * holds the connection (a broker cluster would need a shared view; the
 * embedded mode has one broker). Lost on restart, which is fine: devices
 * reconnect and rebuild it.
 */
export interface DeviceConnectionState {
  readonly deviceId: string;
  readonly online: boolean;
  /** Last packet seen from the device (connect, publish, ping), epoch ms. */
  readonly lastSeenAt: number;
  /** Remote address of the current (or last) connection. */
  readonly clientAddress: string | undefined;
  /** Start of the current connection; undefined while offline. */
  readonly connectedSince: number | undefined;
  readonly disconnectedAt: number | undefined;
  readonly transport: 'tcp' | 'ws';
}

/** A device came online or went offline (a takeover by the same device reports `connected` again). */
export type ConnectionChange =
  | { readonly kind: 'connected'; readonly state: DeviceConnectionState }
  | { readonly kind: 'disconnected'; readonly state: DeviceConnectionState; /** Start of the connection that ended. */ readonly connectedSince: number | undefined };

/** What the API reads; the broker is the only writer. */
export interface ConnectionStateQuery {
  get(deviceId: string): DeviceConnectionState | undefined;
  list(filter?: { online?: boolean }): DeviceConnectionState[];
  onlineCount(): number;
  /**
   * Called synchronously after each change (keep it cheap: e.g. emit on the
   * event bus). A listener that throws is reported as a process warning and
   * never disturbs the broker. Returns the unsubscribe function.
   */
  onChange(listener: (change: ConnectionChange) => void): () => void;
}

type MutableState = { -readonly [K in keyof DeviceConnectionState]: DeviceConnectionState[K] };

export class ConnectionRegistry implements ConnectionStateQuery {
  private readonly states = new Map<string, MutableState>();
  // Which connection currently owns each device: a takeover (same client id)
  // disconnects the old connection after the new one registered, and that late
  // disconnect must not mark the device offline.
  private readonly owners = new Map<string, object>();
  private readonly listeners = new Set<(change: ConnectionChange) => void>();
  /** Connections still open whose device declared its session over (a Sparkplug NDEATH): a new birth resumes them. */
  private readonly ended = new Map<string, object>();

  constructor(private readonly now: () => number = Date.now) {}

  connected(deviceId: string, owner: object, clientAddress: string | undefined, transport: 'tcp' | 'ws'): void {
    const t = this.now();
    this.owners.set(deviceId, owner);
    this.ended.delete(deviceId);
    this.states.set(deviceId, {
      deviceId,
      online: true,
      lastSeenAt: t,
      clientAddress,
      connectedSince: t,
      disconnectedAt: undefined,
      transport,
    });
    this.notify({ kind: 'connected', state: { ...this.states.get(deviceId)! } });
  }

  seen(deviceId: string): void {
    const s = this.states.get(deviceId);
    if (s) s.lastSeenAt = this.now();
  }

  disconnected(deviceId: string, owner: object): void {
    if (this.ended.get(deviceId) === owner) this.ended.delete(deviceId);
    if (this.owners.get(deviceId) !== owner) return;
    this.owners.delete(deviceId);
    const s = this.states.get(deviceId);
    if (!s) return;
    const since = s.connectedSince;
    s.online = false;
    s.connectedSince = undefined;
    s.disconnectedAt = this.now();
    this.notify({ kind: 'disconnected', state: { ...s }, connectedSince: since });
  }

  /** The device ended its session itself (Sparkplug NDEATH) while its connection may still be open: offline. */
  sessionEnded(deviceId: string): void {
    const owner = this.owners.get(deviceId);
    if (!owner) return;
    this.disconnected(deviceId, owner);
    this.ended.set(deviceId, owner);
  }

  /** A new session on a connection whose session had ended (Sparkplug NBIRTH after NDEATH): online again. */
  sessionResumed(deviceId: string): void {
    const owner = this.ended.get(deviceId);
    const s = this.states.get(deviceId);
    if (!owner || !s) return;
    this.connected(deviceId, owner, s.clientAddress, s.transport);
  }

  get(deviceId: string): DeviceConnectionState | undefined {
    const s = this.states.get(deviceId);
    return s && { ...s };
  }

  list(filter: { online?: boolean } = {}): DeviceConnectionState[] {
    const out: DeviceConnectionState[] = [];
    for (const s of this.states.values()) {
      if (filter.online === undefined || s.online === filter.online) out.push({ ...s });
    }
    return out;
  }

  onlineCount(): number {
    return this.owners.size;
  }

  onChange(listener: (change: ConnectionChange) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private notify(change: ConnectionChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (err) {
        // The registry has no logger; a warning reaches the process log without touching connection handling.
        process.emitWarning(`connection change listener failed: ${err instanceof Error ? err.message : String(err)}`, 'HourmeterWarning');
      }
    }
  }
}
