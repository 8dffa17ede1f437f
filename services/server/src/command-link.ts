import { randomBytes } from 'node:crypto';
import { AppError, type Logger } from '@hourmeter/runtime';
import mqtt, { type MqttClient } from 'mqtt';

/**
 * The internal MQTT service account the `api` role publishes device commands
 * with. Edge nodes accept it (createBroker's `services`) with HM_SERVICE_SECRET
 * and allow it to publish to every device's commands topic only. Its name
 * cannot be mistaken for a device id (`dev_...`).
 */
export const COMMAND_SERVICE = {
  username: 'hm-api',
  publish: ['hm/v1/+/commands'],
  // The edge nodes' events (alerts raised, devices connecting), for the API's live updates.
  subscribe: ['hm/v1/events/#'],
} as const;

/** Longest a completion waits for the broker to acknowledge a command. */
const PUBLISH_TIMEOUT_MS = 5_000;

export interface CommandLink {
  publishCommand(deviceId: string, payload: unknown): Promise<void>;
  connected(): boolean;
  close(): Promise<void>;
}

/**
 * Connects to the broker cluster (or its load balancer) as the command service
 * and keeps reconnecting. Start-up does not wait for it: the API is useful
 * while the brokers are down, and /health reports the link.
 */
export function connectCommandLink(opts: {
  url: string;
  secret: string;
  nodeId: string;
  logger: Logger;
  /** Receives each event envelope the edge nodes publish (unparsed JSON). */
  onEvent?: (envelope: unknown) => void;
}): CommandLink {
  const log = opts.logger.child({ svc: 'command-link' });
  const client: MqttClient = mqtt.connect(opts.url, {
    username: COMMAND_SERVICE.username,
    password: opts.secret,
    // The broker requires client ids of a service to start with its username.
    clientId: `${COMMAND_SERVICE.username}-${opts.nodeId}-${randomBytes(4).toString('hex')}`,
    clean: true,
    reconnectPeriod: 1_000,
    connectTimeout: 10_000,
  });
  let lastError = '';
  client.on('connect', () => {
    lastError = '';
    log.info({ url: redactUrl(opts.url) }, 'command link connected');
    // A clean session forgets subscriptions: subscribe again on every connect.
    if (opts.onEvent) client.subscribe(COMMAND_SERVICE.subscribe[0], { qos: 0 });
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
    if (err.message !== lastError) log.warn({ err: err.message, url: redactUrl(opts.url) }, 'command link error');
    lastError = err.message;
  });
  client.on('offline', () => log.warn('command link offline; reconnecting'));

  return {
    connected: () => client.connected,
    async publishCommand(deviceId, payload) {
      const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
      let timer: NodeJS.Timeout | undefined;
      try {
        // mqtt.js keeps a QoS 1 message it could not send in its outgoing
        // queue and sends it after reconnecting; the caller only stops waiting.
        await Promise.race([
          client.publishAsync(`hm/v1/${deviceId}/commands`, body, { qos: 1 }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new AppError('UNAVAILABLE', `command to ${deviceId} not acknowledged by the broker within ${PUBLISH_TIMEOUT_MS} ms`)),
              PUBLISH_TIMEOUT_MS,
            );
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await client.endAsync();
    },
  };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '[invalid url]';
  }
}
