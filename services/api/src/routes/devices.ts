import { Device, DeviceCredentials, DeviceInput, DeviceStatus, idOf } from '@hourmeter/domain';
import type { DeviceRepository } from '@hourmeter/db';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { telemetryTopic, TOPIC_ROOT } from '@hourmeter/messages';
import type { DeviceSessionControl } from '../ports.js';
import { IdParams, PageQuery, pageOf } from '@hourmeter/http';

const WithCredentials = z.object({
  device: Device,
  credentials: DeviceCredentials.describe('MQTT username and password; the password is shown only in this response'),
});

/** Where devices reach the broker, for the connection example shown with new credentials. */
export interface DeviceConnectionInfo {
  /** The broker's MQTT TCP port in this process (devices use the console's host name with it). */
  mqttPort?: number | undefined;
  /** The broker's URL when it is elsewhere (HM_ROLE=api: HM_MQTT_URL). */
  mqttUrl?: string | undefined;
}

const ConnectionInfo = z.object({
  mqttUrl: z.string().nullable().describe('the broker URL when known; null: use mqttPort on the host this API is reached at'),
  mqttPort: z.int().nullable(),
  topicRoot: z.string(),
  telemetryTopic: z.string().describe('the topic pattern a device publishes readings on; {deviceId} is its id'),
  usernameIs: z.literal('device id'),
  clientIdIs: z.literal('device id'),
});

/** Devices: the MQTT identities of assets. Secrets are returned once, stored hashed. */
export function deviceRoutes(parent: FastifyInstance, devices: DeviceRepository, sessions?: DeviceSessionControl, connection: DeviceConnectionInfo = {}): void {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const tags = ['devices'];
  const write = { allow: ['engineer', 'planner'] as const };

  app.get('/devices', {
    schema: {
      tags,
      summary: 'List devices',
      querystring: PageQuery.extend({ assetId: idOf('asset').optional(), status: DeviceStatus.optional() }),
      response: { 200: pageOf(Device) },
    },
    handler: async (req) => {
      const { limit, cursor, ...filters } = req.query;
      return devices.list({ limit, cursor, filters });
    },
  });

  app.get('/devices/connection', {
    config: write,
    schema: { tags, summary: 'How a device connects: broker address and the topic it publishes telemetry on', response: { 200: ConnectionInfo } },
    handler: async () => ({
      mqttUrl: connection.mqttUrl ?? null,
      mqttPort: connection.mqttPort ?? null,
      topicRoot: TOPIC_ROOT,
      telemetryTopic: telemetryTopic('{deviceId}'),
      usernameIs: 'device id' as const,
      clientIdIs: 'device id' as const,
    }),
  });

  app.post('/devices', {
    config: write,
    schema: { tags, summary: 'Create a device and return its MQTT credentials (once)', body: DeviceInput, response: { 201: WithCredentials } },
    handler: async (req, reply) => reply.status(201).send(await devices.create(req.body)),
  });

  app.get('/devices/:id', {
    schema: { tags, summary: 'Read a device', params: IdParams, response: { 200: Device } },
    handler: async (req) => devices.get(req.params.id),
  });

  app.patch('/devices/:id', {
    config: write,
    schema: { tags, summary: 'Rename a device', params: IdParams, body: z.object({ name: z.string().trim().min(1).max(200) }), response: { 200: Device } },
    handler: async (req) => devices.update(req.params.id, req.body),
  });

  app.delete('/devices/:id', {
    config: write,
    schema: { tags, summary: 'Delete a device', params: IdParams },
    handler: async (req, reply) => {
      await devices.remove(req.params.id);
      sessions?.credentialsChanged(req.params.id);
      return reply.status(204).send();
    },
  });

  app.post('/devices/:id/revoke', {
    config: write,
    schema: { tags, summary: 'Revoke a device for good: it can no longer connect, and a live connection is closed', params: IdParams, response: { 200: Device } },
    handler: async (req) => {
      const device = await devices.revoke(req.params.id);
      sessions?.credentialsChanged(device.id);
      return device;
    },
  });

  app.post('/devices/:id/rotate-secret', {
    config: write,
    schema: { tags, summary: 'Issue a new secret; the old one stops working and a live connection made with it is closed', params: IdParams, response: { 200: WithCredentials } },
    handler: async (req) => {
      const rotated = await devices.rotateSecret(req.params.id);
      sessions?.credentialsChanged(rotated.device.id);
      return rotated;
    },
  });
}
