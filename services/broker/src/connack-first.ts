import type { Aedes, Client, ConnectPacket } from 'aedes';

type Deliver = (packet: unknown, callback: (err?: Error) => void) => void;
type Deliverer = Client & { deliver0: Deliver; deliverQoS: Deliver };

/**
 * Holds back every delivery to a client until its CONNACK has been written.
 *
 * aedes resumes a persistent session by restoring its subscriptions and only
 * then writes the CONNACK (after more persistence round trips, in a cluster
 * to Redis). A message published to the session's topics in that window was
 * written to the client first, against MQTT-3.2.0-1. mqtt.js then handles
 * the PUBLISH, queues its PUBACK until it is connected, and stops reading
 * until that PUBACK is sent: it never reaches the CONNACK behind it, and the
 * connection times out. Under steady traffic a resuming session (an ingest
 * worker taking over a partition) could fail that way again and again.
 *
 * Wired as aedes' `preConnect`, which runs before the session is restored:
 * the client's deliver functions are wrapped there, before aedes hands them
 * to its subscriptions. Held deliveries are released in order once the
 * CONNACK is out, or when the connection closes first (their writes then
 * fail as for any closed client, and a persistent session keeps the message).
 */
export function connackFirst(aedes: Aedes): (client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void) => void {
  const held = new WeakMap<Client, (() => void)[]>();
  const release = (client: Client) => {
    const queue = held.get(client);
    if (!queue) return;
    held.delete(client);
    for (const deliver of queue) deliver();
  };
  aedes.on('connackSent', (_packet, client) => release(client));

  return (client, _packet, callback) => {
    held.set(client, []);
    const c = client as Deliverer;
    for (const key of ['deliver0', 'deliverQoS'] as const) {
      const deliver = c[key];
      c[key] = (packet, cb) => {
        const queue = held.get(client);
        if (queue) queue.push(() => deliver(packet, cb));
        else deliver(packet, cb);
      };
    }
    client.conn.once('close', () => release(client));
    callback(null, true);
  };
}
