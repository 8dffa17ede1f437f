import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Client } from 'aedes';

/** Client addresses carried by PROXY protocol headers, by the connection they arrived on. */
const proxiedAddresses = new WeakMap<object, string>();

/** Client addresses of WebSocket connections taken from the proxy's X-Forwarded-For, by their request. */
const forwardedAddresses = new WeakMap<object, string>();

export function rememberProxiedAddress(connection: object, address: string): void {
  proxiedAddresses.set(connection, address);
}

export function rememberForwardedAddress(req: IncomingMessage, address: string): void {
  forwardedAddresses.set(req, address);
}

/** The address used for throttling and connection state: the proxy's word where one is trusted, else the socket's. */
export function addressOf(client: Client): string {
  const viaWs = client.req && (forwardedAddresses.get(client.req) ?? client.req.socket?.remoteAddress);
  return viaWs ?? proxiedAddresses.get(client.conn) ?? (client.conn as Socket).remoteAddress ?? 'unknown';
}

/** The address the trusted proxy appended last; earlier entries are whatever the client sent. */
export function lastForwardedFor(req: IncomingMessage): string | undefined {
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.at(-1) : header;
  const last = value?.split(',').at(-1)?.trim();
  return last ? last : undefined;
}
