import { existsSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';

/** Where `vite build` writes the SPA (services/console/dist/web). */
export const CONSOLE_DIST = new URL('../../dist/web/', import.meta.url).pathname;

/** Paths the console never answers: the API, its docs, probes and MQTT over WebSocket. */
const RESERVED = /^\/(api|docs|health|metrics|mqtt)(\/|$|\?)/;

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Hourmeter console</title>
<p>The console has not been built. Run <code>npm run build</code> and reload. The API is at <a href="/docs">/docs</a>.</p>`;

/** Resolves a URL path to a file inside `root`, or undefined (no traversal, no directories). */
function fileIn(root: string, urlPath: string): string | undefined {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.split('?')[0]!);
  } catch {
    return undefined;
  }
  const full = normalize(join(root, rel));
  if (!full.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  try {
    return statSync(full).isFile() ? full.slice(root.length).replace(/^[/\\]+/, '') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves the web console at `/`: the built files of `dist/web` (hashed assets
 * cached for a year, `index.html` never cached), and `index.html` for any other
 * GET that asks for HTML (client-side routes such as `/assets/ast_...`).
 * Routes registered by the API (`/api`, `/docs`, `/health`, `/metrics`) win
 * over this catch-all; those prefixes and `/mqtt` are never answered here.
 */
export async function registerConsole(app: FastifyInstance, opts: { root?: string } = {}): Promise<void> {
  const root = opts.root ?? CONSOLE_DIST;
  const built = existsSync(join(root, 'index.html'));
  if (!built) app.log.warn({ root }, 'web console not built: run `npm run build`; serving a notice at /');
  await app.register(fastifyStatic, { root, serve: false });

  const sendIndex = (reply: FastifyReply) => {
    reply.header('cache-control', 'no-cache').header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
    return built ? reply.sendFile('index.html', { cacheControl: false }) : reply.type('text/html; charset=utf-8').send(NOT_BUILT);
  };

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url;
    if (RESERVED.test(path)) return reply.callNotFound();
    const file = built && path !== '/' ? fileIn(root, path) : undefined;
    if (file === 'index.html' || (!file && path === '/')) return sendIndex(reply);
    if (file) {
      const immutable = file.startsWith('assets/');
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      return reply.sendFile(file, { cacheControl: false });
    }
    // A client-side route: the SPA decides. Anything else (a missing script, an image) is a plain 404.
    const wantsHtml = /text\/html/.test(req.headers.accept ?? '') && !/\.[a-z0-9]{1,8}$/i.test(path.split('?')[0]!);
    return wantsHtml ? sendIndex(reply) : reply.callNotFound();
  };

  // Not part of the API: kept out of the OpenAPI document (@fastify/swagger reads `hide`).
  const schema = { hide: true } as FastifySchema;
  app.get('/', { schema }, handler);
  app.get('/*', { schema }, handler);
}
