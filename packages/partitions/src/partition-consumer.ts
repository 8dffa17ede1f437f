import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { PoisonMessageError } from './reading-batch.js';

export interface PartitionConsumerOptions {
  /** The broker (or its load balancer). */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /**
   * The partition's session name, the same for whichever member owns it
   * (e.g. `hm-ingest-p7`): the broker keeps its subscription and queued
   * messages between owners.
   */
  readonly clientId: string;
  readonly topic: string;
  /**
   * Processes one message; the PUBACK is sent when it resolves. A rejection
   * is retried with capped backoff for as long as this member owns the
   * partition; PoisonMessageError is logged and acknowledged instead.
   */
  readonly handle: (payload: Buffer) => Promise<void>;
  readonly logger: Logger;
  readonly retryBaseMs?: number | undefined;
  readonly retryMaxMs?: number | undefined;
}

export interface PartitionConsumer {
  /** Messages acknowledged since start. */
  processed(): number;
  connected(): boolean;
  /**
   * Lets the message in hand finish (or abandons its retries), then
   * disconnects without ending the session: whatever was not acknowledged
   * is delivered to the partition's next owner.
   */
  close(): Promise<void>;
}

/**
 * Consumes one partition stream through a persistent MQTT session (clean =
 * false, QoS 1) and acknowledges each message only after `handle` finished,
 * so a member that dies mid-message leaves it to the next owner. Messages
 * are handled one at a time in order, and a slow handler stops reading from
 * the socket: the backlog stays in the broker, not in this process.
 */
export function startPartitionConsumer(opts: PartitionConsumerOptions): PartitionConsumer {
  const log = opts.logger.child({ consumer: opts.clientId });
  const retryBase = opts.retryBaseMs ?? 200;
  const retryMax = opts.retryMaxMs ?? 5_000;
  let closing = false;
  let processed = 0;
  let inHand: Promise<void> = Promise.resolve();
  let wakeRetry: () => void = () => {};

  async function process(payload: Buffer): Promise<boolean> {
    for (let attempt = 0; !closing; attempt++) {
      try {
        await opts.handle(payload);
        return true;
      } catch (err) {
        if (err instanceof PoisonMessageError) {
          log.error({ err: err.message, bytes: payload.length }, 'unreadable partition message acknowledged and dropped');
          return true;
        }
        if (attempt === 0) log.warn({ err }, 'partition message failed; retrying');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(retryBase * 2 ** attempt, retryMax));
          wakeRetry = () => (clearTimeout(timer), resolve());
        });
      }
    }
    return false;
  }

  const client: MqttClient = mqtt.connect(opts.url, {
    clientId: opts.clientId,
    username: opts.username,
    password: opts.password,
    clean: false,
    reconnectPeriod: 1_000,
    connectTimeout: 10_000,
  });
  // mqtt.js sends a QoS 1 PUBACK when handleMessage calls back (its
  // customHandleAcks option works with MQTT 5 only, which aedes does not
  // speak), and reads the next packet only then.
  client.handleMessage = (packet, callback) => {
    const run = process(Buffer.from(packet.payload as Uint8Array)).then((ok) => {
      if (!ok) return; // closing: no PUBACK, the next owner gets it again
      processed++;
      callback();
    });
    inHand = run.catch(() => {});
  };
  let lastError = '';
  client.on('connect', (connack) => {
    lastError = '';
    log.info({ sessionPresent: connack.sessionPresent }, 'partition consumer connected');
    // A session the broker kept has the subscription; a new one needs it.
    if (!connack.sessionPresent) {
      client.subscribe(opts.topic, { qos: 1 }, (err) => {
        if (err) log.error({ err }, 'partition subscription failed');
      });
    }
  });
  client.on('error', (err) => {
    if (err.message !== lastError) log.warn({ err: err.message }, 'partition consumer error');
    lastError = err.message;
  });

  return {
    processed: () => processed,
    connected: () => client.connected,
    async close() {
      const finishing = inHand;
      closing = true;
      wakeRetry();
      await finishing;
      await client.endAsync(true);
    },
  };
}
