/**
 * Which Sparkplug B topics an edge node may use on Hourmeter's broker
 * (Sparkplug 3.0, `spBv1.0/<group>/<type>/<edge node>[/<device>]`).
 *
 * A device credential is one edge node: its Sparkplug edge node id is the
 * Hourmeter device id (the MQTT username and client id, as on the JSON
 * topic), in any group. So a credential can only ever speak for itself, and
 * the devices behind it are parts of its asset (docs/integrations.md).
 */
export const SPARKPLUG_NAMESPACE = 'spBv1.0';

const NODE_TYPES = new Set(['NBIRTH', 'NDATA', 'NDEATH']);
const DEVICE_TYPES = new Set(['DBIRTH', 'DDATA', 'DDEATH']);

/** A group, edge node or device id: one non-empty topic level without wildcards (Sparkplug 3.0, tck-id-topic-structure). */
const isId = (level: string | undefined): level is string => !!level && !level.includes('+') && !level.includes('#');

export function isSparkplugTopic(topic: string): boolean {
  return topic.startsWith(`${SPARKPLUG_NAMESPACE}/`);
}

/** May the edge node `deviceId` publish to `topic`? Only births, data and deaths of itself and of its devices. */
export function edgeNodeMayPublish(deviceId: string, topic: string): boolean {
  const [ns, group, type, edge, device, ...rest] = topic.split('/');
  if (ns !== SPARKPLUG_NAMESPACE || !isId(group) || edge !== deviceId || rest.length > 0 || type === undefined) return false;
  return device === undefined ? NODE_TYPES.has(type) : DEVICE_TYPES.has(type) && isId(device);
}

/** May the edge node subscribe to `filter`? Only to commands addressed to itself (NCMD) or its devices (DCMD). */
export function edgeNodeMaySubscribe(deviceId: string, filter: string): boolean {
  const [ns, group, type, edge, device, ...rest] = filter.split('/');
  if (ns !== SPARKPLUG_NAMESPACE || !group || group === '#' || edge !== deviceId || rest.length > 0) return false;
  if (type === 'NCMD') return device === undefined;
  return type === 'DCMD' && device !== undefined && device !== '';
}
