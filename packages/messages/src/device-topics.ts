/**
 * The device topic catalogue. Every topic a device touches is
 * `hm/v1/<device id>/<channel>`; the version segment lets a future payload
 * contract live beside this one.
 */
export const TOPIC_ROOT = 'hm/v1';

/** Device -> platform. */
export const DEVICE_PUBLISH_CHANNELS = ['telemetry', 'events'] as const;
/** Platform -> device. */
export const DEVICE_SUBSCRIBE_CHANNELS = ['commands', 'errors'] as const;

export type DevicePublishChannel = (typeof DEVICE_PUBLISH_CHANNELS)[number];
export type DeviceSubscribeChannel = (typeof DEVICE_SUBSCRIBE_CHANNELS)[number];
export type DeviceChannel = DevicePublishChannel | DeviceSubscribeChannel;

const CHANNELS: ReadonlySet<string> = new Set<string>([...DEVICE_PUBLISH_CHANNELS, ...DEVICE_SUBSCRIBE_CHANNELS]);

export function deviceTopic(deviceId: string, channel: DeviceChannel): string {
  return `${TOPIC_ROOT}/${deviceId}/${channel}`;
}

export const telemetryTopic = (deviceId: string) => deviceTopic(deviceId, 'telemetry');
export const eventsTopic = (deviceId: string) => deviceTopic(deviceId, 'events');
export const commandsTopic = (deviceId: string) => deviceTopic(deviceId, 'commands');
export const errorsTopic = (deviceId: string) => deviceTopic(deviceId, 'errors');

/** `hm/v1/+/<channel>`: what a platform service subscribes to for all devices. */
export function allDevicesFilter(channel: DeviceChannel): string {
  return `${TOPIC_ROOT}/+/${channel}`;
}

export interface ParsedDeviceTopic {
  readonly deviceId: string;
  readonly channel: DeviceChannel;
}

/** Splits a concrete (wildcard-free) device topic; anything else is undefined. */
export function parseDeviceTopic(topic: string): ParsedDeviceTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 4 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return undefined;
  const deviceId = parts[2]!;
  const channel = parts[3]!;
  if (deviceId.length === 0 || deviceId.includes('+') || deviceId.includes('#')) return undefined;
  if (!CHANNELS.has(channel)) return undefined;
  return { deviceId, channel: channel as DeviceChannel };
}
