import type { FastifyInstance } from 'fastify';
import type { Bridge } from './bridge.js';

/** `GET /bridge`: the bridge's connection and counters (unmatched topics and devices, unmappable payloads, refusals). */
export function bridgeRoutes(app: FastifyInstance, bridge: Bridge | undefined): void {
  app.get('/bridge', async () =>
    bridge ? { configured: true, connected: bridge.connected(), ...bridge.stats() } : { configured: false },
  );
}
