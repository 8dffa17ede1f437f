import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** How a message's payload becomes Hourmeter readings. */
const PayloadMapping = z.discriminatedUnion('format', [
  /** The payload is already Hourmeter's telemetry contract (one reading or an array). */
  z.object({ format: z.literal('hourmeter') }),
  /** A flat JSON object: a timestamp field and fields renamed to metrics (`{"our_metric": "theirField"}`). */
  z.object({
    format: z.literal('fields'),
    ts: z.string().min(1).default('ts'),
    seq: z.string().min(1).optional(),
    metrics: z.record(z.string(), z.string().min(1)).refine((m) => Object.keys(m).length > 0, 'at least one metric'),
  }),
  /**
   * Sparkplug B (`spBv1.0/<group>/<type>/<edge node>[/<device>]`): births,
   * data, deaths, aliases, seq/bdSeq, rebirth requests. `deviceIds` maps
   * `<group>/<edge node>` and `<group>/<edge node>/<device>` to devices.
   */
  z.object({ format: z.literal('sparkplug') }),
]);

export const BridgeMapping = z.object({
  /** MQTT topic filter subscribed to at QoS 1 (`+` and `#` allowed). */
  topic: z.string().min(1).max(256),
  /**
   * Where the device is named: `{1}` (the first `+` level of the topic, `{2}`
   * the second...) or `payload.<field>`.
   */
  device: z
    .string()
    .regex(/^(\{[1-9]\}|payload\.[A-Za-z0-9_.-]+)$/, 'must be {n} (a + level of the topic) or payload.<field>')
    .optional()
    .describe('not used by sparkplug mappings (the topic names the node and device)'),
  /** External device names -> Hourmeter device ids; without it the name must be the device id (`dev_...`). */
  deviceIds: z.record(z.string(), z.string()).optional(),
  payload: PayloadMapping.default({ format: 'hourmeter' }),
}).refine((m) => m.payload.format === 'sparkplug' || m.device !== undefined, { message: 'device is required unless the payload format is sparkplug', path: ['device'] });
export type BridgeMapping = z.infer<typeof BridgeMapping>;

export const BridgeConfig = z.object({
  /** The external broker: mqtt://, mqtts://, ws:// or wss://. */
  url: z.string().regex(/^(mqtts?|wss?):\/\/[^\s]+$/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
  /** Client id of the persistent session: keep it stable, the broker queues for it while Hourmeter is away. */
  clientId: z.string().min(1).max(64).default('hourmeter-bridge'),
  username: z.string().optional(),
  password: z.string().optional(),
  /** PEM file of the CA that signed the broker's certificate (mqtts/wss with a private CA). */
  caFile: z.string().optional(),
  /** PEM client certificate and key, for brokers that authenticate clients by certificate. */
  certFile: z.string().optional(),
  keyFile: z.string().optional(),
  mappings: z.array(BridgeMapping).min(1).max(100),
});
export type BridgeConfig = z.infer<typeof BridgeConfig>;

/** Reads and validates `HM_BRIDGE_CONFIG` (a JSON file); throws with the failing fields named. */
export function loadBridgeConfig(path: string): BridgeConfig {
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const parsed = BridgeConfig.safeParse(raw);
  if (!parsed.success) throw new Error(`HM_BRIDGE_CONFIG ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
