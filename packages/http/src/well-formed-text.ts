import { AppError } from '@hourmeter/runtime';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.js';

/** A UTF-16 surrogate without its partner: not a Unicode character, and silently turned into U+FFFD by every store. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a string is well-formed Unicode (String.prototype.isWellFormed, which ES2023 typings lack). */
export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** The path of the first string (value or key) in `value` that is not well-formed, or undefined. */
export function illFormedTextAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return isWellFormedText(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = illFormedTextAt(v, `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (!isWellFormedText(k)) return `${path} (a key)`;
      const found = illFormedTextAt(v, `${path}.${k}`);
      if (found) return found;
    }
  }
  return undefined;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Text entering the API must be well-formed Unicode: a JSON body that is not
 * valid UTF-8, or a body, query or path string holding a lone surrogate
 * (`"\ud800"` escapes), is refused with 400 VALIDATION_FAILED naming the
 * field, instead of being stored with the character silently replaced.
 */
export function refuseIllFormedText(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      text = STRICT_UTF8.decode(body as Buffer);
    } catch {
      done(new AppError('VALIDATION_FAILED', 'body: not valid UTF-8; text must be well-formed Unicode'), undefined);
      return;
    }
    // The default parser answers through `done`; its return value carries nothing.
    void parseJson(req, text, done);
  });
  app.addHook('preValidation', async (req: FastifyRequest, reply) => {
    // The query parser turns percent-encoded bytes that are not UTF-8 into U+FFFD; decodeURIComponent refuses them.
    try {
      decodeURIComponent(req.url);
    } catch {
      return sendProblem(reply, req, 400, 'VALIDATION_FAILED', 'url: percent-encoded bytes that are not valid UTF-8; text must be well-formed Unicode');
    }
    const at = illFormedTextAt(req.body, 'body') ?? illFormedTextAt(req.query, 'querystring') ?? illFormedTextAt(req.params, 'params');
    if (at) return sendProblem(reply, req, 400, 'VALIDATION_FAILED', `${at}: contains a lone surrogate; text must be well-formed Unicode`);
  });
}
