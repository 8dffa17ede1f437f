import type { SparkplugStats } from './sparkplug-edge-nodes.js';

/** Per-device security counters: what a device tried and was refused. */
export interface DeviceSecurityCounters {
  readonly deniedPublishes: number;
  readonly deniedSubscribes: number;
}

export type AuthFailureReason =
  | 'unknown_device'
  | 'bad_secret'
  | 'not_active'
  | 'client_id_mismatch'
  | 'missing_credentials'
  | 'throttled'
  | 'lookup_failed';

export interface BrokerStats {
  readonly connectedClients: number;
  readonly onlineDevices: number;
  readonly authFailures: Readonly<Record<AuthFailureReason, number>>;
  readonly authDelayedAttempts: number;
  /** Publishes refused because ingest could not take them (connection closed, no ack). */
  readonly ingestRefusals: number;
  readonly ingestErrors: number;
  /** Rejection notices not published because the device exceeded its notice rate. */
  readonly suppressedErrorNotices: number;
  /** Refused after connecting: device publishes and subscribes outside its topics, packets over the size limit. */
  readonly denied: Readonly<Record<'publish' | 'subscribe' | 'oversized_packet', number>>;
  /** Connected devices disconnected because they were revoked, deleted or re-keyed. */
  readonly withdrawnDisconnects: number;
  readonly sparkplug: SparkplugStats;
}

export class SecurityCounters {
  private readonly perDevice = new Map<string, { deniedPublishes: number; deniedSubscribes: number }>();
  private deniedPublishes = 0;
  private deniedSubscribes = 0;

  deniedPublish(deviceId: string): void {
    this.entry(deviceId).deniedPublishes++;
    this.deniedPublishes++;
  }

  deniedSubscribe(deviceId: string): void {
    this.entry(deviceId).deniedSubscribes++;
    this.deniedSubscribes++;
  }

  totals(): { publish: number; subscribe: number } {
    return { publish: this.deniedPublishes, subscribe: this.deniedSubscribes };
  }

  get(deviceId: string): DeviceSecurityCounters {
    const e = this.perDevice.get(deviceId);
    return e ? { ...e } : { deniedPublishes: 0, deniedSubscribes: 0 };
  }

  private entry(deviceId: string) {
    let e = this.perDevice.get(deviceId);
    if (!e) {
      e = { deniedPublishes: 0, deniedSubscribes: 0 };
      this.perDevice.set(deviceId, e);
    }
    return e;
  }
}
