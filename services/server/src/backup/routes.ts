import { AppError } from '@hourmeter/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { takeBackup, type BackupDeps } from './backup.js';

const Manifest = z.object({
  format: z.literal(1),
  version: z.string(),
  startedAt: z.number(),
  finishedAt: z.number(),
  files: z.array(z.object({ name: z.string(), bytes: z.number() })),
});

/** `POST /api/v1/backups` (admin only): what `npm run backup -- <dir>` calls on the running process. */
export function backupRoutes(parent: FastifyInstance, deps: BackupDeps): void {
  let running: Promise<unknown> | undefined;
  parent.withTypeProvider<ZodTypeProvider>().post('/backups', {
    config: { allow: [] },
    schema: {
      tags: ['operations'],
      summary: 'Online backup of the embedded stores into an empty directory on the server (admin only)',
      body: z.object({ dir: z.string().min(1).max(4096) }),
      response: { 201: Manifest },
    },
    handler: async (req, reply) => {
      if (running) throw new AppError('CONFLICT', 'a backup is already running');
      const taking = takeBackup(deps, req.body.dir);
      running = taking;
      try {
        return reply.status(201).send({ ...(await taking), files: [...(await taking).files] });
      } finally {
        running = undefined;
      }
    },
  });
}
