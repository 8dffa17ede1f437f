import { deviceTopic } from '@hourmeter/messages';
import { edgeNodeMayPublish, edgeNodeMaySubscribe, isSparkplugTopic } from './sparkplug-topics.js';
import { filterCovers, filterMatches } from './topic-filter.js';

/** Who an authenticated MQTT connection is. */
export type Principal =
  | { readonly kind: 'device'; readonly deviceId: string; readonly assetId: string }
  | {
      readonly kind: 'service';
      readonly name: string;
      readonly publish: readonly string[];
      readonly subscribe: readonly string[];
    };

export type PublishDecision =
  | { readonly allowed: true; readonly telemetry: boolean; /** A Sparkplug B message of the device as edge node. */ readonly sparkplug?: boolean }
  | { readonly allowed: false; readonly reason: string };

/**
 * Deny by default. A device may publish only to its own telemetry topic and,
 * as a Sparkplug B edge node, to its own Sparkplug topics; a service only to
 * the filters its role lists.
 */
export function decidePublish(p: Principal, topic: string): PublishDecision {
  if (p.kind === 'service') {
    return p.publish.some((f) => filterMatches(f, topic))
      ? { allowed: true, telemetry: false }
      : { allowed: false, reason: `service ${p.name} may not publish to ${topic}` };
  }
  // Compared as whole strings: this runs for every reading a device sends.
  if (topic === deviceTopic(p.deviceId, 'telemetry')) return TELEMETRY;
  if (isSparkplugTopic(topic) && edgeNodeMayPublish(p.deviceId, topic)) return SPARKPLUG;
  return { allowed: false, reason: `device may publish only to its own telemetry or Sparkplug topics, not ${topic}` };
}

const TELEMETRY: PublishDecision = { allowed: true, telemetry: true };
const SPARKPLUG: PublishDecision = { allowed: true, telemetry: false, sparkplug: true };

/** A device may subscribe to exactly its commands and errors topics (no wildcards), and to its Sparkplug commands. */
export function maySubscribe(p: Principal, filter: string): boolean {
  if (p.kind === 'service') return p.subscribe.some((allowed) => filterCovers(allowed, filter));
  return filter === deviceTopic(p.deviceId, 'commands') || filter === deviceTopic(p.deviceId, 'errors') || edgeNodeMaySubscribe(p.deviceId, filter);
}
