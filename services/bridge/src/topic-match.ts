/**
 * The levels a topic filter's `+` wildcards matched, or undefined when the
 * topic does not match (MQTT-4.7.1: `+` one level, `#` the rest; topics
 * starting with `$` are not matched by a leading wildcard, MQTT-4.7.2-1).
 */
export function matchTopic(filter: string, topic: string): string[] | undefined {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return undefined;
  const captured: string[] = [];
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return captured;
    if (i >= t.length) return undefined;
    if (f[i] === '+') captured.push(t[i]!);
    else if (f[i] !== t[i]) return undefined;
  }
  return f.length === t.length ? captured : undefined;
}
