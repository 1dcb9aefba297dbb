// The limits the HTTPS fetcher keeps on what a did.json or status-list host sends back: a body of exactly the cap
// passes and one byte more is refused (declared or streamed), only 3xx answers with a Location are followed, the
// deadline covers resolving, connecting, every hop and the body, and each failure has its code and a message
// without addresses. A real HTTPS server on 127.0.0.1 plays the host.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lookup } from 'node:dns/promises';
import { FetchError, httpsFetcher, type HttpsFetcherOptions } from '../../../src/trust/fetcher.ts';
import { makeTestPki, type TestPki } from '../../helpers/pki.ts';

const MAX = 1_000;
const limits = { timeoutMs: 1_500, maxBytes: MAX };

let pki: TestPki;
let server: Server;
const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
const open = new Set<ServerResponse>();

beforeAll(async () => {
  pki = makeTestPki();
  server = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    const route = routes.get(new URL(req.url ?? '/', 'https://x').pathname);
    if (route) route(req, res);
    else res.writeHead(404).end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  for (const res of open) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const url = (path: string) => `https://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
const fetcher = (options: HttpsFetcherOptions = {}) => httpsFetcher({ ca: pki.caPem, allowLoopback: true, ...options });

async function refusal(path: string, options: HttpsFetcherOptions = {}, fetchLimits = limits): Promise<FetchError> {
  const error = await fetcher(options)(new URL(url(path)), fetchLimits).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof FetchError)) throw new Error(`${path} was not refused with a FetchError: ${String(error)}`);
  return error;
}

routes.set('/declared/at-cap', (_req, res) => res.writeHead(200, { 'content-length': MAX }).end('a'.repeat(MAX)));
routes.set('/declared/over-cap', (_req, res) => res.writeHead(200, { 'content-length': MAX + 1 }).end('a'.repeat(MAX + 1)));
// Declares more than the cap but would send nothing: refused on the header alone, before a byte of body.
routes.set('/declared/lying', (_req, res) => res.writeHead(200, { 'content-length': 10 * MAX }).flushHeaders());
// Chunked: no length declared, so the cap is counted as the body streams.
routes.set('/streamed/at-cap', (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/did+json' });
  res.write('a'.repeat(MAX / 2));
  res.end('b'.repeat(MAX / 2));
});
routes.set('/streamed/over-cap', (_req, res) => {
  res.writeHead(200);
  res.write('a'.repeat(MAX));
  setTimeout(() => res.end('b'), 20);
});
routes.set('/hang', () => undefined);
routes.set('/stall-body', (_req, res) => {
  res.writeHead(200);
  res.write('{"partial":');
});
routes.set('/cut-body', (_req, res) => {
  res.writeHead(200, { 'content-length': 100 });
  res.write('{"partial":');
  setTimeout(() => res.socket?.destroy(), 20);
});
routes.set('/not-modified', (_req, res) => res.writeHead(304).end());
routes.set('/multiple-choices', (_req, res) => res.writeHead(300).end('pick one'));
routes.set('/error-with-location', (_req, res) => res.writeHead(400, { location: '/doc.json' }).end('bad request'));
routes.set('/created-with-location', (_req, res) => res.writeHead(201, { location: '/doc.json' }).end('{"created":true}'));
routes.set('/moved-399', (_req, res) => res.writeHead(399, { location: '/doc.json' }).end());
routes.set('/moved-300', (_req, res) => res.writeHead(300, { location: '/doc.json' }).end());
routes.set('/unusable-location', (_req, res) => res.writeHead(302, { location: 'https://[oops/' }).end());
routes.set('/slow-hop', (_req, res) => setTimeout(() => res.writeHead(302, { location: '/slow-hop' }).end(), 400));
routes.set('/doc.json', (_req, res) => res.writeHead(200, { 'content-type': 'application/did+json' }).end('{"id":"did:web:x"}'));

describe('the body-size cap', () => {
  it('takes a body of exactly the cap, declared or streamed', async () => {
    expect((await fetcher()(new URL(url('/declared/at-cap')), limits)).body).toHaveLength(MAX);
    const streamed = await fetcher()(new URL(url('/streamed/at-cap')), limits);
    expect(streamed.body.toString()).toBe('a'.repeat(MAX / 2) + 'b'.repeat(MAX / 2));
    expect(streamed.contentType).toBe('application/did+json');
  });

  it.each(['/declared/over-cap', '/declared/lying', '/streamed/over-cap'])('refuses one byte more: %s', async (path) => {
    const error = await refusal(path);
    expect(error).toMatchObject({ name: 'FetchError', code: 'TOO_LARGE', message: `${url(path)} is larger than the ${MAX}-byte limit` });
  });
});

describe('redirects', () => {
  it.each(['/not-modified', '/multiple-choices', '/error-with-location', '/created-with-location'])(
    'answers %s as it is: only a 3xx with a Location is followed',
    async (path) => {
      const response = await fetcher()(new URL(url(path)), limits);
      expect(response.url).toBe(url(path));
      expect(response.status).toBe(
        Number({ '/not-modified': 304, '/multiple-choices': 300, '/error-with-location': 400, '/created-with-location': 201 }[path]),
      );
    },
  );

  it.each(['/moved-300', '/moved-399'])('follows a Location from every 3xx: %s', async (path) => {
    const response = await fetcher()(new URL(url(path)), limits);
    expect(response).toMatchObject({ status: 200, url: url('/doc.json') });
  });

  it('follows as many redirects as told, and refuses one more, naming the start', async () => {
    routes.set('/r1', (_req, res) => res.writeHead(302, { location: '/doc.json' }).end());
    routes.set('/r2', (_req, res) => res.writeHead(307, { location: '/r1' }).end());
    expect((await fetcher({ maxRedirects: 2 })(new URL(url('/r2')), limits)).url).toBe(url('/doc.json'));
    const error = await refusal('/r2', { maxRedirects: 1 });
    expect(error).toMatchObject({ code: 'TOO_MANY_REDIRECTS', message: `more than 1 redirects fetching ${url('/r2')}`, detail: 'last location /doc.json' });
    expect(await refusal('/r1', { maxRedirects: 0 })).toMatchObject({ code: 'TOO_MANY_REDIRECTS', message: `more than 0 redirects fetching ${url('/r1')}` });
  });

  it('refuses a Location that is not a URL, naming the host that sent it', async () => {
    const error = await refusal('/unusable-location');
    expect(error).toMatchObject({
      code: 'NETWORK',
      message: `127.0.0.1:${(server.address() as AddressInfo).port} redirected to an unusable location`,
      detail: 'location "https://[oops/"',
    });
  });
});

describe('the deadline', () => {
  const host = () => `127.0.0.1:${(server.address() as AddressInfo).port}`;

  it.each(['/hang', '/stall-body'])('ends a request that does not finish (%s) at the deadline', async (path) => {
    const started = Date.now();
    const error = await refusal(path, {}, { timeoutMs: 300, maxBytes: MAX });
    expect(error).toMatchObject({ code: 'TIMEOUT', message: `no answer from ${host()} within 300 ms` });
    expect(error.detail).toBe(`timeout fetching ${url(path)} from 127.0.0.1`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('is one deadline for every hop, not one per hop', async () => {
    // Each hop answers after 400 ms: with a per-hop timeout of 1 s this would loop until the redirect limit.
    const error = await refusal('/slow-hop', { maxRedirects: 10 }, { timeoutMs: 1_000, maxBytes: MAX });
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toBe(`no answer from ${host()} within 1000 ms`);
  });

  it('covers resolving the name, and says so once it has passed before a request', async () => {
    const never = () => new Promise<never>(() => undefined);
    const byName = await httpsFetcher({ ca: pki.caPem, allowLoopback: true, resolve: never })(
      new URL(`https://localhost:${(server.address() as AddressInfo).port}/doc.json`),
      { timeoutMs: 200, maxBytes: MAX },
    ).then(
      () => undefined,
      (e: unknown) => e as FetchError,
    );
    expect(byName).toMatchObject({ code: 'UNRESOLVABLE', message: `localhost:${(server.address() as AddressInfo).port} cannot be resolved` });
    expect(byName!.detail).toBe(`resolving localhost: no answer from localhost:${(server.address() as AddressInfo).port} within 200 ms`);
    const spent = await refusal('/doc.json', {}, { timeoutMs: 0, maxBytes: MAX });
    expect(spent).toMatchObject({ code: 'TIMEOUT', message: `no answer from ${host()} within 0 ms`, detail: 'deadline passed before the request' });
  });
});

describe('names and failures', () => {
  it('resolves a name with the system resolver by default and connects to the first address it gives', async () => {
    const [first] = await lookup('localhost', { all: true, verbatim: true });
    const answer = await fetcher()(new URL(`https://localhost:${(server.address() as AddressInfo).port}/doc.json`), limits).then(
      (response) => response.status,
      (error: FetchError) => error.code,
    );
    // The server listens on 127.0.0.1 only: a system that puts ::1 first for localhost reaches nothing there.
    expect(answer).toBe(first.address === '127.0.0.1' ? 200 : 'NETWORK');
  });

  it('refuses a name that resolves to nothing, or cannot be resolved, without addresses in the message', async () => {
    const port = (server.address() as AddressInfo).port;
    const none = await httpsFetcher({ resolve: async () => [] })(new URL(`https://empty.example:${port}/x`), limits).catch((e: FetchError) => e);
    expect(none).toMatchObject({ code: 'UNRESOLVABLE', message: `empty.example:${port} cannot be resolved`, detail: 'resolving empty.example: no addresses' });
    const failing = await httpsFetcher({
      resolve: async () => {
        throw new Error('getaddrinfo ENOTFOUND missing.example');
      },
    })(new URL(`https://missing.example:${port}/x`), limits).catch((e: FetchError) => e);
    expect(failing).toMatchObject({
      code: 'UNRESOLVABLE',
      message: `missing.example:${port} cannot be resolved`,
      detail: 'resolving missing.example: getaddrinfo ENOTFOUND missing.example',
    });
  });

  it('reports a body cut off mid-stream as a network failure, with the cause in the detail only', async () => {
    const logged: Record<string, unknown>[] = [];
    const error = await refusal('/cut-body', { log: { warn: (_m, meta) => logged.push(meta) } });
    expect(error.code).toBe('NETWORK');
    expect(error.message).toMatch(/^127\.0\.0\.1:\d+ could not be (read|reached over HTTPS)$/);
    expect(logged).toEqual([expect.objectContaining({ component: 'trust-fetch', url: url('/cut-body'), failure: 'NETWORK' })]);
  });

  it('sends the DID and credential media types it accepts, and never a pooled connection', async () => {
    let accept: string | undefined;
    routes.set('/headers', (req, res) => {
      accept = req.headers.accept;
      res.writeHead(200).end('{}');
    });
    const seen: { agent?: unknown; ca?: unknown }[] = [];
    const { request } = await import('node:https');
    await fetcher({ request: (u, o) => (seen.push(o), request(u, o)) })(new URL(url('/headers')), limits);
    expect(accept).toBe('application/did+json, application/json, application/jwt, application/vc+jwt, */*;q=0.1');
    expect(seen[0].agent).toBe(false);
    expect(seen[0].ca).toEqual([pki.caPem]);
    const withoutCa: { ca?: unknown }[] = [];
    await httpsFetcher({ allowLoopback: true, request: (u, o) => (withoutCa.push(o), request(u, o)) })(new URL(url('/headers')), limits).catch(() => undefined);
    expect('ca' in withoutCa[0]).toBe(false);
  });
});
