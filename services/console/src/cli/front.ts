/**
 * Serves the built console and forwards `/api`, `/docs` and `/health` to a
 * running Hourmeter server: for trying the console (and testing it) against a
 * server that does not mount it itself.
 *
 *   npx tsx services/console/src/cli/front.ts --upstream http://127.0.0.1:8080 [--port 5173]
 *
 * Prints one JSON line `{"console": "<address>"}` when listening.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { registerConsole } from '../server/index.js';

const FORWARD_HEADERS = ['authorization', 'accept', 'content-type', 'x-request-id'];
const BACK_HEADERS = ['content-type', 'cache-control', 'content-disposition', 'x-request-id'];

export async function startFront(upstream: string, port = 0, host = '127.0.0.1'): Promise<{ app: FastifyInstance; address: string }> {
  const app = Fastify({ logger: false });
  // Forward bodies as they came.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const forward = async (req: FastifyRequest, reply: FastifyReply) => {
    const abort = new AbortController();
    // The response closing early means the client went away (the request emits 'close' once its body is read).
    reply.raw.on('close', () => abort.abort());
    const headers: Record<string, string> = {};
    for (const h of FORWARD_HEADERS) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const res = await fetch(`${upstream}${req.url}`, {
      method: req.method,
      headers,
      signal: abort.signal,
      ...(req.method !== 'GET' && req.method !== 'HEAD' && req.body ? { body: new Uint8Array(req.body as Buffer) } : {}),
    });
    reply.status(res.status);
    for (const h of BACK_HEADERS) {
      const v = res.headers.get(h);
      if (v) reply.header(h, v);
    }
    if (!res.body) return reply.send();
    return reply.send(Readable.fromWeb(res.body as unknown as NodeReadableStream));
  };
  for (const url of ['/api/*', '/docs', '/docs/*', '/health']) app.all(url, forward);
  await registerConsole(app);
  const address = await app.listen({ port, host });
  return { app, address };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const { values } = parseArgs({ options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } });
  if (!values.upstream) {
    process.stderr.write('--upstream <http://host:port> is required\n');
    process.exit(2);
  }
  const { app, address } = await startFront(values.upstream.replace(/\/$/, ''), Number(values.port), values.host);
  process.stdout.write(`${JSON.stringify({ console: address })}\n`);
  const stop = () => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
