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

/** What the API reads; the broker is the only writer. */
export interface ConnectionStateQuery {
  get(deviceId: string): DeviceConnectionState | undefined;
  list(filter?: { online?: boolean }): DeviceConnectionState[];
  onlineCount(): number;
}

type MutableState = { -readonly [K in keyof DeviceConnectionState]: DeviceConnectionState[K] };

export class ConnectionRegistry implements ConnectionStateQuery {
  private readonly states = new Map<string, MutableState>();
  // Which connection currently owns each device: a takeover (same client id)
  // disconnects the old connection after the new one registered, and that late
  // disconnect must not mark the device offline.
  private readonly owners = new Map<string, object>();

  constructor(private readonly now: () => number = Date.now) {}

  connected(deviceId: string, owner: object, clientAddress: string | undefined, transport: 'tcp' | 'ws'): void {
    const t = this.now();
    this.owners.set(deviceId, owner);
    this.states.set(deviceId, {
      deviceId,
      online: true,
      lastSeenAt: t,
      clientAddress,
      connectedSince: t,
      disconnectedAt: undefined,
      transport,
    });
  }

  seen(deviceId: string): void {
    const s = this.states.get(deviceId);
    if (s) s.lastSeenAt = this.now();
  }

  disconnected(deviceId: string, owner: object): void {
    if (this.owners.get(deviceId) !== owner) return;
    this.owners.delete(deviceId);
    const s = this.states.get(deviceId);
    if (!s) return;
    s.online = false;
    s.connectedSince = undefined;
    s.disconnectedAt = this.now();
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
}
