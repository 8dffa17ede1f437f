import type { Duplex } from 'node:stream';

/**
 * Closes a connection as soon as an MQTT packet announces a remaining length
 * above the connection's current limit. aedes 1.2 has no packet size limit and
 * buffers a whole packet before parsing it, so one unauthenticated client
 * announcing 256 MiB and sending it would make the broker hold all of it.
 *
 * It only reads the fixed headers (MQTT-2.2): one type byte, then the remaining
 * length as up to four 7-bit groups; packet bodies are skipped without copying.
 * Attach it after `aedes.handle(stream)`: aedes reads in paused mode, and a
 * 'data' listener then sees each chunk aedes reads without changing the flow.
 */
export function guardPacketSize(stream: Duplex, limit: () => number, onTooLarge: (announced: number, limit: number) => void): void {
  let phase: 'type' | 'length' | 'body' = 'type';
  let length = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  let toSkip = 0;

  stream.on('data', (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (phase === 'type') {
        i++;
        phase = 'length';
        length = 0;
        multiplier = 1;
        lengthBytes = 0;
      } else if (phase === 'length') {
        const b = chunk[i++]!;
        length += (b & 0x7f) * multiplier;
        multiplier *= 128;
        lengthBytes++;
        if ((b & 0x80) !== 0 && lengthBytes < 4) continue;
        const max = limit();
        // A continuation bit on the fourth length byte is malformed (MQTT-2.2.3): no limit admits it.
        if ((b & 0x80) !== 0 || length > max) {
          onTooLarge(length, max);
          stream.destroy();
          return;
        }
        toSkip = length;
        phase = toSkip === 0 ? 'type' : 'body';
      } else {
        const take = Math.min(toSkip, chunk.length - i);
        i += take;
        toSkip -= take;
        if (toSkip === 0) phase = 'type';
      }
    }
  });
}
