/** What the broker needs from the device registry (`deviceRepository(db)` satisfies it). */
export interface DeviceAuthLookup {
  findForAuth(id: string): Promise<
    { id: string; assetId: string; secretHash: string; status: 'active' | 'revoked' | (string & {}) } | undefined
  >;
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
