import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP receiver whose behaviour the test switches: answer 200, fail with 500, or never answer. */
export interface Receiver {
  mode: 'ok' | 'fail' | 'hang';
  readonly url: string;
  readonly received: { headers: IncomingHttpHeaders; body: string; answered: number | 'none' }[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const hanging = new Set<() => void>();
  const r = { mode: 'ok' as Receiver['mode'] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered: 'none' as number | 'none' };
      received.push(entry);
      if (r.mode === 'hang') {
        hanging.add(() => res.destroy());
        return;
      }
      entry.answered = r.mode === 'ok' ? 200 : 500;
      res.writeHead(entry.answered).end(r.mode === 'ok' ? 'thanks' : 'receiver broken');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(r, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    close: async () => {
      for (const end of hanging) end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
