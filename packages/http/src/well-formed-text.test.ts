import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { testApi } from './testing.js';

const keys = { authenticate: async (k: string) => (k === 'key' ? { id: 'key', role: 'admin' as const } : undefined) };
let app: FastifyInstance;
const stored: string[] = [];

beforeAll(async () => {
  app = await testApi(keys, (api) => {
    api.withTypeProvider<ZodTypeProvider>().post('/notes', {
      schema: { body: z.object({ text: z.string(), tags: z.array(z.string()).default([]) }), querystring: z.object({ q: z.string().optional() }) },
      handler: async (req, reply) => {
        stored.push(req.body.text);
        return reply.status(201).send({ text: req.body.text });
      },
    });
  });
});
afterAll(() => app.close());

const post = (payload: string | Buffer, url = '/api/v1/notes') =>
  app.inject({ method: 'POST', url, headers: { authorization: 'Bearer key', 'content-type': 'application/json' }, payload });

describe('text must be well-formed Unicode at the HTTP boundary', () => {
  it('refuses a lone surrogate escape in a body string, naming the field, and stores nothing', async () => {
    const before = stored.length;
    for (const [payload, field] of [
      ['{"text":"pump \\ud800 left"}', 'body.text'],
      ['{"text":"ok","tags":["a","\\udc00"]}', 'body.tags[1]'],
      ['{"text":"ok","\\ud83d":1}', 'body (a key)'],
    ] as const) {
      const res = await post(payload);
      expect(res.statusCode, payload).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', detail: `${field}: contains a lone surrogate; text must be well-formed Unicode` });
    }
    expect(stored.length).toBe(before);
  });

  it('refuses a body that is not valid UTF-8 (a surrogate encoded as bytes) instead of replacing it', async () => {
    const res = await post(Buffer.concat([Buffer.from('{"text":"a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringContaining('not valid UTF-8') });
  });

  it('refuses a lone surrogate in the query string', async () => {
    const res = await post('{"text":"ok"}', '/api/v1/notes?q=%ED%A0%80');
    expect(res.statusCode).toBe(400);
  });

  it('accepts well-formed text, surrogate pairs included', async () => {
    const res = await post('{"text":"Lüfter \\ud83d\\udd27 ok 🔧"}');
    expect(res.statusCode).toBe(201);
    expect(res.json().text).toBe('Lüfter 🔧 ok 🔧');
  });
});
