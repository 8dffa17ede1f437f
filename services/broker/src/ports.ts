/** What the broker needs from the device registry (`deviceRepository(db)` satisfies it). */
export interface DeviceAuthLookup {
  findForAuth(id: string): Promise<DeviceAuthRecord | undefined>;
  /** The records of those ids that exist: the broker re-checks its connected devices with it. */
  findManyForAuth(ids: readonly string[]): Promise<DeviceAuthRecord[]>;
}

export interface DeviceAuthRecord {
  readonly id: string;
  readonly assetId: string;
  readonly secretHash: string;
  readonly status: 'active' | 'revoked' | (string & {});
}

/**
 * An internal service that connects over MQTT with its own credentials. Its
 * role is the list of topic filters it may publish to and subscribe to; a
 * requested subscription must be covered by one of them.
 */
export interface ServiceCredential {
  /** MQTT username; its client ids must start with it. Must not look like a device id. */
  readonly username: string;
  readonly secret: string;
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}
