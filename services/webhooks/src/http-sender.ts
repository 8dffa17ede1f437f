import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { AttemptOutcome } from '@hourmeter/db';
import { BlockedAddressError, guardedLookup, isPrivateAddress } from './network-guard.js';

export interface SendRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly allowPrivateNetwork: boolean;
}

/** Bytes of the receiver's answer kept in the delivery log. */
const EXCERPT_BYTES = 1024;

/**
 * One POST to a receiver. Never throws: connection errors, timeouts and
 * blocked addresses come back as the outcome's `error`. Redirects are not
 * followed (a 3xx is a failure): following one would let a receiver point
 * the request at an address the guard refused.
 */
export function sendWebhook(req: SendRequest): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (statusCode: number | null, error: string | null, excerpt: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ statusCode, error, durationMs: elapsed(), responseExcerpt: excerpt });
    };
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      settled = true;
      resolve({ statusCode: null, error: `invalid url ${req.url}`, durationMs: 0, responseExcerpt: null });
      return;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // Node connects to an IP literal without calling `lookup`: check it here.
    if (!req.allowPrivateNetwork && isIP(host) && isPrivateAddress(host)) {
      settled = true;
      resolve({ statusCode: null, error: `${host} is a loopback, private or link-local address`, durationMs: 0, responseExcerpt: null });
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...req.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(req.body) },
        ...(req.allowPrivateNetwork ? {} : { lookup: guardedLookup }),
        agent: false,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          if (kept < EXCERPT_BYTES) {
            chunks.push(chunk.subarray(0, EXCERPT_BYTES - kept));
            kept += Math.min(chunk.length, EXCERPT_BYTES - kept);
          }
        });
        res.on('end', () => finish(res.statusCode ?? null, null, Buffer.concat(chunks).toString('utf8') || null));
        res.on('error', (err) => finish(res.statusCode ?? null, `response: ${err.message}`, null));
      },
    );
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer within ${req.timeoutMs} ms`));
    }, req.timeoutMs);
    request.on('error', (err) => finish(null, err instanceof BlockedAddressError ? err.message : err.message || String(err), null));
    request.end(req.body);
  });
}
