/**
 * MQTT topic filter matching (MQTT-4.7). Used for the service ACLs; device
 * ACLs are exact topic comparisons and never reach this.
 */

/** Does `filter` (may hold + and #) match the concrete topic `topic`? */
export function filterMatches(filter: string, topic: string): boolean {
  // MQTT-4.7.2-1: filters starting with a wildcard do not match $-topics.
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Does the allowed filter cover every topic the requested filter could match?
 * A service allowed `hm/v1/+/errors` may subscribe to `hm/v1/+/errors` or
 * `hm/v1/dev_1/errors`, never to `hm/v1/#`.
 */
export function filterCovers(allowed: string, requested: string): boolean {
  const a = allowed.split('/');
  const r = requested.split('/');
  for (let i = 0; i < a.length; i++) {
    const level = a[i]!;
    if (level === '#') return true;
    if (i >= r.length) return false;
    const req = r[i]!;
    if (req === '#') return false;
    if (level === '+') continue;
    if (req === '+' || req !== level) return false;
  }
  return a.length === r.length;
}
