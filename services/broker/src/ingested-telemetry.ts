import type { Aedes, Client, PublishPacket } from 'aedes';

/**
 * Device telemetry ends at the broker: ingest takes it in authorizePublish,
 * and no MQTT client can subscribe to a device's telemetry topic (a device
 * reads only its own commands and errors, and no service account lists
 * telemetry). aedes would still run every such publish through its delivery
 * path after the PUBACK: a new packet, retained-message handling, the topic
 * matcher and, in a cluster, one Redis PUBLISH per message that every other
 * node receives only to match it to no one (~12 % of the main thread in the
 * ingest bench). Packets marked here end after their PUBACK instead; aedes
 * writes the PUBACK before it publishes, so acknowledgements are unchanged.
 */
type InternalPublish = (packet: PublishPacket, client?: Client | null | ((err?: Error) => void), done?: (err?: Error) => void) => void;

export function endIngestedTelemetryAtBroker(aedes: Aedes): { markIngested(packet: PublishPacket): void } {
  const ingested = new WeakSet<PublishPacket>();
  // aedes' own handlers call publish(packet, client, done); its typings show only publish(packet, done).
  const broker = aedes as unknown as { publish: InternalPublish };
  const publish = broker.publish.bind(aedes);
  broker.publish = (packet, client, done) => {
    if (client && typeof client === 'object' && ingested.delete(packet)) return done?.();
    publish(packet, client, done);
  };
  return { markIngested: (packet) => ingested.add(packet) };
}
