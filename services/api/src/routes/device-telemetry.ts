import { sendProblem } from '@hourmeter/http';
import { telemetryTopic, type ReadingRejection, type TelemetryIngress } from '@hourmeter/messages';
import { secretMatches } from '@hourmeter/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** What HTTP ingest needs to authenticate a device (the device repository fits). */
export interface DeviceCredentialLookup {
  findForAuth(id: string): Promise<{ id: string; assetId: string; secretHash: string; status: string } | undefined>;
}

export interface DeviceTelemetryDeps {
  /** Ingest of this process: the same validation, dedupe and durable spool the broker feeds. */
  readonly ingress: TelemetryIngress;
  readonly devices: DeviceCredentialLookup;
  readonly now?: (() => number) | undefined;
}

/**
 * Largest request body read. Ingest itself refuses payloads over its own
 * limit (256 KiB) with PAYLOAD_TOO_LARGE, exactly as over MQTT; this bound
 * matches the broker's largest device packet so nothing bigger is buffered.
 */
export const DEVICE_TELEMETRY_BODY_LIMIT = 1024 * 1024;

/** Whole-payload rejections (no reading was looked at) and their HTTP status. */
const WHOLE_PAYLOAD_STATUS: Partial<Record<ReadingRejection['code'], number>> = {
  PAYLOAD_TOO_LARGE: 413,
  MALFORMED_JSON: 400,
  INVALID_SHAPE: 400,
  TOO_MANY_READINGS: 400,
};

const BASIC = /^Basic\s+([A-Za-z0-9+/=]+)$/i;
const REALM = 'Basic realm="hourmeter-devices", charset="UTF-8"';

const Rejection = z.object({
  code: z.string().describe('ingest rejection code, as on hm/v1/<id>/errors'),
  message: z.string(),
  index: z.number().optional().describe('position in the posted array'),
  seq: z.number().optional(),
});
const IngestResult = z.object({
  accepted: z.number().describe('readings now in the durable spool'),
  duplicates: z.number().describe('readings already taken before (same device, ts and seq): stored once'),
  rejected: z.number(),
  rejections: z.array(Rejection),
});

type Device = { id: string; assetId: string };

async function authenticateDevice(deps: DeviceTelemetryDeps, request: FastifyRequest, reply: FastifyReply): Promise<Device | undefined> {
  const match = BASIC.exec(request.headers.authorization ?? '');
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0) {
    reply.header('www-authenticate', REALM);
    sendProblem(reply, request, 401, 'UNAUTHENTICATED', 'missing or malformed Authorization: Basic <device id:secret>');
    return undefined;
  }
  const [id, secret] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  const record = await deps.devices.findForAuth(id);
  // Unknown device and wrong secret answer alike, as the broker's CONNACK does.
  if (!record || !secretMatches(secret, record.secretHash)) {
    reply.header('www-authenticate', REALM);
    sendProblem(reply, request, 401, 'UNAUTHENTICATED', 'unknown device or wrong secret');
    return undefined;
  }
  if (record.status !== 'active') {
    sendProblem(reply, request, 403, 'FORBIDDEN', `device ${id} is ${record.status}`);
    return undefined;
  }
  return { id: record.id, assetId: record.assetId };
}

/**
 * `POST /api/v1/telemetry`: devices without an MQTT stack send the telemetry
 * payload of `hm/v1/<id>/telemetry` over HTTP, authenticated with the same
 * device id and secret (HTTP Basic). The body goes through the broker's path
 * into ingest (`TelemetryIngress.accept` as a QoS 1 publish), so the answer
 * comes only once the accepted readings are in the durable spool; a refusal
 * (spool full, shutting down) is a 503 and nothing was taken.
 *
 * Registered in its own scope: API keys do not apply, and the body is read
 * raw so ingest sees the bytes an MQTT payload would carry.
 */
export async function deviceTelemetryRoutes(app: FastifyInstance, deps: DeviceTelemetryDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  // Self-contained: the same zod compilers whichever app mounts it (API, ops app, bench).
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: DEVICE_TELEMETRY_BODY_LIMIT }, (_req, body, done) => done(null, body));

  app.post('/telemetry', {
    schema: {
      tags: ['telemetry'],
      summary: 'Telemetry from a device over HTTP (HTTP Basic: device id and secret); same payload as MQTT',
      security: [{ deviceBasic: [] }],
      response: { 200: IngestResult },
    },
    handler: async (request, reply) => {
      const device = await authenticateDevice(deps, request, reply);
      if (!device) return reply;
      const receivedAt = now();
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      let outcome;
      try {
        outcome = await deps.ingress.accept({
          deviceId: device.id,
          assetId: device.assetId,
          topic: telemetryTopic(device.id),
          payload: body,
          qos: 1,
          receivedAt,
        });
      } catch (err) {
        request.log.error({ err, deviceId: device.id }, 'ingest failed; HTTP telemetry not stored');
        reply.header('retry-after', '1');
        return sendProblem(reply, request, 503, 'UNAVAILABLE', 'readings not stored; send them again');
      }
      if (outcome.status === 'refused') {
        reply.header('retry-after', outcome.code === 'OVERLOADED' ? '1' : '5');
        return sendProblem(reply, request, 503, outcome.code, `${outcome.message}; nothing was stored, send again`);
      }
      const rejections = outcome.rejections.map((r) => ({ code: r.code, message: r.message, index: r.index, seq: r.seq }));
      const wholeStatus = rejections.length === 1 && rejections[0]!.index === undefined ? WHOLE_PAYLOAD_STATUS[rejections[0]!.code] : undefined;
      if (wholeStatus) return sendProblem(reply, request, wholeStatus, rejections[0]!.code, rejections[0]!.message, undefined, { rejections });
      const result = { accepted: outcome.accepted, duplicates: outcome.duplicates, rejected: rejections.length, rejections };
      if (outcome.accepted + outcome.duplicates === 0) {
        return sendProblem(reply, request, 422, 'READINGS_REJECTED', `every reading was rejected (${rejections.map((r) => r.code).join(', ')})`, undefined, result);
      }
      return reply.status(200).send(result);
    },
  });
}
