import { randomBytes } from 'node:crypto';
import { allPartitionsFilter } from '@hourmeter/partitions';
import { AppError, redactUrl, type Logger } from '@hourmeter/runtime';
import mqtt, { type MqttClient } from 'mqtt';

/** Where every process's events travel between processes (`eventTopic` of @hourmeter/events). */
const ALL_EVENTS = 'hm/v1/events/#';

/**
 * The internal MQTT accounts of the split roles. Broker nodes accept them
 * (createBroker's `services`) with HM_SERVICE_SECRET, each limited to the
 * topics below. Their names cannot be mistaken for device ids (`dev_...`),
 * and the broker requires a service's client ids to start with its name.
 */
export const SERVICE_ACCOUNTS = {
  /** Sends device commands; hears every process's events for the live stream. */
  api: { username: 'hm-api', publish: ['hm/v1/+/commands'], subscribe: [ALL_EVENTS] },
  /** Consumes the telemetry partitions, passes stored readings on to prediction. */
  ingest: { username: 'hm-ingest', publish: [allPartitionsFilter('stored'), ALL_EVENTS], subscribe: [allPartitionsFilter('telemetry')] },
  /** Consumes the stored-readings partitions; its alerts and orders go out as events. */
  prediction: { username: 'hm-prediction', publish: [ALL_EVENTS], subscribe: [allPartitionsFilter('stored')] },
} as const;

export type ServiceAccount = (typeof SERVICE_ACCOUNTS)[keyof typeof SERVICE_ACCOUNTS];

/** Longest a publish waits for the broker's acknowledgement. */
const PUBLISH_TIMEOUT_MS = 5_000;

export interface ServiceLink {
  /** QoS 1 publish, resolved on the broker's PUBACK; rejects with UNAVAILABLE after 5 s. */
  publish(topic: string, payload: unknown): Promise<void>;
  publishCommand(deviceId: string, payload: unknown): Promise<void>;
  connected(): boolean;
  close(): Promise<void>;
}

/**
 * One process's connection to the broker cluster (or its load balancer) as
 * an internal service; it keeps reconnecting. Start-up does not wait for it:
 * /health reports the link.
 */
export function connectServiceLink(opts: {
  url: string;
  account: ServiceAccount;
  secret: string;
  nodeId: string;
  logger: Logger;
  /** Subscribes to every process's events and receives each envelope (unparsed JSON). */
  onEvent?: ((envelope: unknown) => void) | undefined;
}): ServiceLink {
  const { username } = opts.account;
  const log = opts.logger.child({ svc: 'service-link', account: username });
  const client: MqttClient = mqtt.connect(opts.url, {
    username,
    password: opts.secret,
    clientId: `${username}-${opts.nodeId}-${randomBytes(4).toString('hex')}`,
    clean: true,
    reconnectPeriod: 1_000,
    connectTimeout: 10_000,
  });
  let lastError = '';
  client.on('connect', () => {
    lastError = '';
    log.info({ url: redactUrl(opts.url) }, 'service link connected');
    // A clean session forgets subscriptions: subscribe again on every connect.
    if (opts.onEvent) client.subscribe(ALL_EVENTS, { qos: 1 });
  });
  client.on('message', (_topic, payload) => {
    try {
      opts.onEvent?.(JSON.parse(payload.toString('utf8')));
    } catch (err) {
      log.warn({ err }, 'unreadable event from the brokers dropped');
    }
  });
  client.on('error', (err) => {
    // Logged once per distinct message: a broker outage would repeat it every second.
    if (err.message !== lastError) log.warn({ err: err.message, url: redactUrl(opts.url) }, 'service link error');
    lastError = err.message;
  });
  client.on('offline', () => log.warn('service link offline; reconnecting'));

  async function publish(topic: string, payload: unknown): Promise<void> {
    const body = payload instanceof Uint8Array || typeof payload === 'string' ? payload : JSON.stringify(payload);
    let timer: NodeJS.Timeout | undefined;
    try {
      // mqtt.js keeps a QoS 1 message it could not send in its outgoing
      // queue and sends it after reconnecting; the caller only stops waiting.
      await Promise.race([
        client.publishAsync(topic, Buffer.from(body), { qos: 1 }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new AppError('UNAVAILABLE', `publish to ${topic} not acknowledged by the broker within ${PUBLISH_TIMEOUT_MS} ms`)),
            PUBLISH_TIMEOUT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    connected: () => client.connected,
    publish,
    publishCommand: (deviceId, payload) => publish(`hm/v1/${deviceId}/commands`, payload),
    async close() {
      await client.endAsync();
    },
  };
}
