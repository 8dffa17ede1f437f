import type { Socket } from 'node:net';

/**
 * PROXY protocol (HAProxy's spec, versions 1 and 2) on the MQTT TCP listener.
 * Behind a TCP load balancer every connection comes from the balancer's
 * address; the header it prepends carries the client's. The broker keys its
 * authentication throttle by address, so without it one device with a wrong
 * secret would slow down logins for the whole fleet behind the balancer.
 *
 * When enabled, a header is required: accepting connections without one
 * would let any client that reaches the broker directly claim an address.
 */

/** v2 signature, spec section 2.2. */
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** Longest v1 header, CRLF included (spec section 2.1). */
const V1_MAX = 107;
/** Longest v2 header we accept: 16 fixed bytes + addresses + TLVs. */
const V2_MAX = 16 + 2048;

export type ProxyHeader =
  /** Addresses of the proxied connection. */
  | { readonly kind: 'proxied'; readonly sourceAddress: string; readonly sourcePort: number }
  /** The proxy speaking for itself (health checks, `PROXY UNKNOWN`): use the socket's own address. */
  | { readonly kind: 'local' };

export type ParseResult =
  | { readonly status: 'incomplete' }
  | { readonly status: 'invalid'; readonly reason: string }
  | { readonly status: 'ok'; readonly header: ProxyHeader; readonly length: number };

/** Parses a PROXY header at the start of `buf` (v1 or v2). */
export function parseProxyHeader(buf: Buffer): ParseResult {
  const sigLen = Math.min(buf.length, V2_SIGNATURE.length);
  if (buf.subarray(0, sigLen).equals(V2_SIGNATURE.subarray(0, sigLen))) {
    return sigLen < V2_SIGNATURE.length ? { status: 'incomplete' } : parseV2(buf);
  }
  const prefix = 'PROXY ';
  const n = Math.min(buf.length, prefix.length);
  if (buf.toString('latin1', 0, n) !== prefix.slice(0, n)) return { status: 'invalid', reason: 'no PROXY header' };
  return parseV1(buf);
}

function parseV1(buf: Buffer): ParseResult {
  const end = buf.indexOf('\r\n', 0, 'latin1');
  if (end === -1) return buf.length >= V1_MAX ? { status: 'invalid', reason: 'v1 header too long' } : { status: 'incomplete' };
  if (end + 2 > V1_MAX) return { status: 'invalid', reason: 'v1 header too long' };
  const parts = buf.toString('latin1', 0, end).split(' ');
  const length = end + 2;
  if (parts[1] === 'UNKNOWN') return { status: 'ok', header: { kind: 'local' }, length };
  if (parts.length !== 6 || (parts[1] !== 'TCP4' && parts[1] !== 'TCP6')) {
    return { status: 'invalid', reason: 'malformed v1 header' };
  }
  const [, family, source, , sourcePort] = parts as [string, string, string, string, string, string];
  const port = Number(sourcePort);
  const validAddress = family === 'TCP4' ? /^\d{1,3}(\.\d{1,3}){3}$/.test(source) : /^[0-9a-fA-F:.]+$/.test(source);
  if (!validAddress || !Number.isInteger(port) || port < 0 || port > 65535) {
    return { status: 'invalid', reason: 'malformed v1 addresses' };
  }
  return { status: 'ok', header: { kind: 'proxied', sourceAddress: source, sourcePort: port }, length };
}

function parseV2(buf: Buffer): ParseResult {
  if (buf.length < 16) return { status: 'incomplete' };
  const verCmd = buf[12]!;
  if (verCmd >> 4 !== 2) return { status: 'invalid', reason: 'unsupported v2 version' };
  const command = verCmd & 0x0f;
  const family = buf[13]!;
  const addrLen = buf.readUInt16BE(14);
  const length = 16 + addrLen;
  if (length > V2_MAX) return { status: 'invalid', reason: 'v2 header too long' };
  if (buf.length < length) return { status: 'incomplete' };
  if (command === 0x0) return { status: 'ok', header: { kind: 'local' }, length };
  if (command !== 0x1) return { status: 'invalid', reason: 'unsupported v2 command' };
  // 0x11 TCP over IPv4, 0x21 TCP over IPv6 (section 2.2); anything else (UDP, unix) is not ours.
  if (family === 0x11 && addrLen >= 12) {
    const a = buf.subarray(16, 20);
    return { status: 'ok', header: { kind: 'proxied', sourceAddress: a.join('.'), sourcePort: buf.readUInt16BE(24) }, length };
  }
  if (family === 0x21 && addrLen >= 36) {
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(16 + i * 2).toString(16));
    return { status: 'ok', header: { kind: 'proxied', sourceAddress: groups.join(':'), sourcePort: buf.readUInt16BE(48) }, length };
  }
  if (family === 0x00) return { status: 'ok', header: { kind: 'local' }, length };
  return { status: 'invalid', reason: `unsupported v2 address family 0x${family.toString(16)}` };
}

/**
 * Reads the PROXY header off a fresh socket, puts back whatever followed it
 * (the start of the MQTT CONNECT) and resolves with the header; rejects (and
 * destroys the socket) on a missing or malformed header or after `timeoutMs`.
 */
export function readProxyHeader(socket: Socket, timeoutMs = 5_000): Promise<ProxyHeader> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const finish = (err: Error | undefined, header?: ProxyHeader, rest?: Buffer) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (err) {
        socket.destroy();
        reject(err);
        return;
      }
      socket.pause();
      if (rest && rest.length > 0) socket.unshift(rest);
      resolve(header!);
    };
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const r = parseProxyHeader(buf);
      if (r.status === 'incomplete') return;
      if (r.status === 'invalid') return finish(new Error(`PROXY protocol: ${r.reason}`));
      finish(undefined, r.header, buf.subarray(r.length));
    };
    const onError = (err: Error) => finish(err);
    const onClose = () => finish(new Error('PROXY protocol: connection closed before the header'));
    const timer = setTimeout(() => finish(new Error(`PROXY protocol: no header within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}
