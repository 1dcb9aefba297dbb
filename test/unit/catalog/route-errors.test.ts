// /catalog is served to unauthenticated callers: an API-server failure behind
// it must come out as a generic 503, with the details in the operator's log.
import { KubeConfig } from '@kubernetes/client-node';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { catalogRoute } from '../../../src/catalog/route.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { newIdentity } from '../../../src/trust/issue.ts';

const FORBIDDEN = {
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  message: 'gpupools.cloudempire.eu is forbidden: User "system:serviceaccount:cloud-empire:operator" cannot list resource "gpupools" at the cluster scope',
  reason: 'Forbidden',
  code: 403,
};

let apiServer: Server;
let catalogServer: Server;
const logLines: string[] = [];

beforeAll(async () => {
  apiServer = createServer((_req, res) => res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify(FORBIDDEN)));
  await new Promise<void>((r) => apiServer.listen(0, '127.0.0.1', r));
  const host = new KubeConfig();
  host.loadFromOptions({
    clusters: [{ name: 'h', server: `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'h', token: 'host-token-SECRET' }],
    contexts: [{ name: 'h', cluster: 'h', user: 'h' }],
    currentContext: 'h',
  });
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => logLines.push(c.toString()));
  const route = catalogRoute(host, newIdentity({ method: 'key' }).key, createLogger({ format: 'json', stream }));
  catalogServer = createServer((req, res) => void route(req, res));
  await new Promise<void>((r) => catalogServer.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await Promise.all([apiServer, catalogServer].map((s) => new Promise<void>((r) => s.close(() => r()))));
});

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(`http://127.0.0.1:${(catalogServer.address() as AddressInfo).port}${path}`, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    })
      .on('error', reject)
      .end();
  });
}

it('answers 503 with a generic message and logs the API server error', async () => {
  const response = await get('/catalog?country=FR');
  expect(response.status).toBe(503);
  expect(JSON.parse(response.body)).toEqual({ error: 'the catalog is unavailable right now; try again later' });
  expect(response.body).not.toMatch(/forbidden|serviceaccount|403/i);
  await new Promise((r) => setImmediate(r));
  const logged = logLines.join('');
  expect(logged).toMatch(/catalog: reading the federation failed/);
  expect(logged).toMatch(/403|Forbidden|forbidden/);
  expect(logged).not.toContain('host-token-SECRET');
});
