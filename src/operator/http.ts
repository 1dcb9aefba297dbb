import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registry } from '../runtime/metrics.ts';

export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface OperatorHttp {
  address: string;
  close(): Promise<void>;
}

/**
 * /healthz (the process answers), /readyz (`ready()`: leading with synced
 * caches, or standing by), /metrics (Prometheus), plus extra routes.
 */
export async function startHttp(options: { host: string; port: number; ready: () => boolean; routes?: Record<string, Route> }): Promise<OperatorHttp> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => res.writeHead(status, { 'content-type': type }).end(body);
    void (async () => {
      try {
        if (path === '/healthz') return reply(200, 'ok\n');
        if (path === '/readyz') return options.ready() ? reply(200, 'ok\n') : reply(503, 'not ready\n');
        if (path === '/metrics') return reply(200, await registry.metrics(), registry.contentType);
        const route = options.routes?.[path];
        if (route) return await route(req, res);
        reply(404, 'not found\n');
      } catch (error) {
        if (!res.headersSent) reply(500, `${(error as Error).message}\n`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    address: `${address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
