/**
 * The device topic catalogue. Every topic a device touches is
 * `hm/v1/<device id>/<channel>`; the version segment lets a future payload
 * contract live beside this one.
 */
export const TOPIC_ROOT = 'hm/v1';

/** Device -> platform. */
export const DEVICE_PUBLISH_CHANNELS = ['telemetry'] as const;
/** Platform -> device. */
export const DEVICE_SUBSCRIBE_CHANNELS = ['commands', 'errors'] as const;

export type DevicePublishChannel = (typeof DEVICE_PUBLISH_CHANNELS)[number];
export type DeviceSubscribeChannel = (typeof DEVICE_SUBSCRIBE_CHANNELS)[number];
export type DeviceChannel = DevicePublishChannel | DeviceSubscribeChannel;

export function deviceTopic(deviceId: string, channel: DeviceChannel): string {
  return `${TOPIC_ROOT}/${deviceId}/${channel}`;
}

export const telemetryTopic = (deviceId: string) => deviceTopic(deviceId, 'telemetry');
export const commandsTopic = (deviceId: string) => deviceTopic(deviceId, 'commands');
export const errorsTopic = (deviceId: string) => deviceTopic(deviceId, 'errors');
