import type { Client } from 'aedes';
import type { Logger } from 'pino';
import { addressOf } from './client-address.js';
import type { DeviceAuthLookup } from './ports.js';

/** Devices looked up per registry query when re-checking credentials. */
const RECHECK_CHUNK = 500;

export interface CredentialRecheckDeps {
  readonly logger: Logger;
  readonly devices: DeviceAuthLookup;
  /** aedes' connected clients by client id, read at each check. */
  readonly clients: () => Readonly<Record<string, Client | undefined>>;
  readonly isDevice: (client: Client) => boolean;
  /** The secret digest the device connected with. */
  readonly connectedWith: (client: Client) => string | undefined;
}

export interface CredentialRecheck {
  /**
   * Disconnects connected devices (all, or those ids) that were revoked,
   * deleted or re-keyed since they connected. Resolves to how many.
   */
  recheck(deviceIds?: readonly string[]): Promise<number>;
  /** Re-checks every `everyMs` until stopped; a failed check is logged and retried at the next tick. */
  start(everyMs: number): () => void;
  withdrawnDisconnects(): number;
}

/**
 * The registry decides who may stay connected, whichever process changed it:
 * the broker compares its connected devices with the registry's records.
 */
export function createCredentialRecheck(deps: CredentialRecheckDeps): CredentialRecheck {
  const log = deps.logger;
  let withdrawn = 0;

  async function recheck(deviceIds?: readonly string[]): Promise<number> {
    const clients = deps.clients();
    const connected = (deviceIds ?? Object.keys(clients))
      .map((id) => clients[id])
      .filter((c): c is Client => c !== undefined && deps.isDevice(c));
    let closed = 0;
    for (let i = 0; i < connected.length; i += RECHECK_CHUNK) {
      const chunk = connected.slice(i, i + RECHECK_CHUNK);
      const records = new Map((await deps.devices.findManyForAuth(chunk.map((c) => c.id))).map((r) => [r.id, r]));
      for (const client of chunk) {
        const record = records.get(client.id);
        const why = !record
          ? 'deleted'
          : record.status !== 'active'
            ? record.status
            : record.secretHash !== deps.connectedWith(client)
              ? 'secret rotated'
              : undefined;
        if (!why) continue;
        // The same client may have reconnected meanwhile with valid credentials: close only the one checked.
        if (deps.clients()[client.id] !== client) continue;
        closed++;
        withdrawn++;
        log.warn({ deviceId: client.id, address: addressOf(client), why }, 'device credentials withdrawn; disconnected');
        client.close();
      }
    }
    return closed;
  }

  return {
    recheck,
    start(everyMs) {
      const timer = setInterval(() => {
        recheck().catch((err: unknown) => log.warn({ err }, 'could not re-check connected devices; will retry'));
      }, everyMs);
      timer.unref();
      return () => clearInterval(timer);
    },
    withdrawnDisconnects: () => withdrawn,
  };
}
