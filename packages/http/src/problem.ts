import { isAppError, ERROR_CODES, type ErrorCode } from '@hourmeter/runtime';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { ZodError } from 'zod';

/** RFC 9457 problem details, with our stable `code` and the request id. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode | string;
  detail: string;
  requestId: string;
  errors?: { path: string; message: string }[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: string,
  detail: string,
  errors?: Problem['errors'],
  /** RFC 9457 extension members beside the standard ones (e.g. per-item outcomes). */
  extensions?: Readonly<Record<string, unknown>>,
): FastifyReply {
  const body: Problem = {
    type: `https://hourmeter.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    requestId: request.id,
    ...(errors ? { errors } : {}),
    ...extensions,
  };
  return reply.status(status).type('application/problem+json').send(body);
}

/**
 * The one place that maps failures to HTTP: expected errors by their code,
 * schema validation with every failing field, fastify's own 4xx by status,
 * anything else a 500 whose detail never carries a stack or message.
 */
export function installProblemHandler(app: FastifyInstance, opts: { notFoundHint?: string } = {}): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isAppError(error)) {
      // A refusal that names its field (`{ field: 'kind' }`) is a field error too, so a form shows it under that field.
      const field = typeof error.details?.field === 'string' ? error.details.field : undefined;
      const errors = field ? [{ path: field, message: error.message.replace(`${field}: `, '') }] : undefined;
      return sendProblem(reply, request, ERROR_CODES[error.code].status, error.code, error.message, errors);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = error.validation.map((v) => ({
        path: `${error.validationContext ?? 'body'}${v.instancePath.replaceAll('/', '.')}`,
        message: v.message ?? 'invalid',
      }));
      return sendProblem(reply, request, 400, 'VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
    }
    if (error instanceof ZodError) {
      const errors = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return sendProblem(reply, request, 400, 'VALIDATION_FAILED', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response failed its schema');
      return sendProblem(reply, request, 500, 'INTERNAL', 'internal error');
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // fastify's own client errors: bad JSON, wrong content type, body too large.
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST';
      return sendProblem(reply, request, status, code, error.message);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, request, 500, 'INTERNAL', 'internal error');
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, 404, 'NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}${opts.notFoundHint ? `: ${opts.notFoundHint}` : ''}`),
  );
}
