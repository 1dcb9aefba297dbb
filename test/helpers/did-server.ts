import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestPki } from './pki.ts';

type Route = { status: number; body: string | Buffer; contentType?: string } | { hang: true } | { redirect: string };

/**
 * A real HTTPS server on 127.0.0.1 with its own CA, serving did.json files and
 * status lists for did:web tests; routes can also hang or redirect.
 */
export class DidServer {
  private readonly routes = new Map<string, Route>();
  private readonly server: Server;
  private readonly hanging = new Set<import('node:http').ServerResponse>();
  requests = 0;

  private constructor(pki: TestPki) {
    this.server = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
      this.requests++;
      const route = this.routes.get(new URL(req.url ?? '/', 'https://x').pathname);
      if (!route) {
        res.writeHead(404).end('not found');
      } else if ('hang' in route) {
        this.hanging.add(res);
      } else if ('redirect' in route) {
        res.writeHead(302, { location: route.redirect }).end();
      } else {
        res.writeHead(route.status, { 'content-type': route.contentType ?? 'application/json' }).end(route.body);
      }
    });
  }

  static async start(pki: TestPki): Promise<DidServer> {
    const server = new DidServer(pki);
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `127.0.0.1:port`, the domain part of this server's did:web identifiers. */
  get domain(): string {
    return `127.0.0.1:${this.port}`;
  }

  url(path: string): string {
    return `https://${this.domain}${path}`;
  }

  serve(path: string, body: unknown, status = 200, contentType?: string): void {
    const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    this.routes.set(path, { status, body: text, contentType });
  }

  hang(path: string): void {
    this.routes.set(path, { hang: true });
  }

  redirect(path: string, location: string): void {
    this.routes.set(path, { redirect: location });
  }

  remove(path: string): void {
    this.routes.delete(path);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A plain-HTTP server (no TLS) for the "did:web over http" cases; counts the requests it answers. */
export async function startPlainHttp(
  body: unknown,
): Promise<{ port: number; requests: () => number; serve: (body: unknown) => void; close: () => Promise<void> }> {
  let current = body;
  let requests = 0;
  const server: HttpServer = createHttpServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(typeof current === 'string' ? current : JSON.stringify(current));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests: () => requests,
    serve: (next) => {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
