// did:web and status-list fetches go where a node owner's or an issuer's data
// says: these tests check that every non-public address is refused before any
// socket exists (the request seam records every attempt), in every spelling,
// on every redirect hop, and that the checked address is the one connected to.
import { EventEmitter } from 'node:events';
import type { ClientRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { FetchError, httpsFetcher, type HttpsFetcherOptions, type ResolvedAddress } from '../../../src/trust/fetcher.ts';
import { checkAddress } from '../../../src/util/public-address.ts';
import { DidServer } from '../../helpers/did-server.ts';
import { makeTestPki, type TestPki } from '../../helpers/pki.ts';

const limits = { timeoutMs: 2_000, maxBytes: 65_536 };

/** A request function that never connects: it records the attempt and fails it. */
function recordingRequest() {
  const attempts: { url: URL; options: RequestOptions }[] = [];
  const request = (url: URL, options: RequestOptions): ClientRequest => {
    attempts.push({ url, options });
    const fake = new EventEmitter() as EventEmitter & { end(): void; destroy(): void };
    fake.end = () => setImmediate(() => fake.emit('error', Object.assign(new Error('connect ECONNREFUSED 203.0.113.9:443'), { code: 'ECONNREFUSED' })));
    fake.destroy = () => undefined;
    return fake as unknown as ClientRequest;
  };
  return { attempts, request };
}

function resolverOf(answers: Record<string, string[]>) {
  const calls: string[] = [];
  const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname);
    const addresses = answers[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { calls, resolve };
}

async function refusal(url: string, options: HttpsFetcherOptions = {}): Promise<FetchError> {
  const error = await httpsFetcher(options)(new URL(url), limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof FetchError)) throw new Error(`${url} was not refused with a FetchError: ${String(error)}`);
  return error;
}

describe('public addresses only', () => {
  it.each([['8.8.8.8'], ['1.1.1.1'], ['2a00:1450:4007:80e::200e'], ['::ffff:8.8.8.8'], ['64:ff9b::808:808'], ['2002:808:808::1']])(
    'allows the public address %s',
    (address) => {
      expect(checkAddress(address)).toEqual({ allowed: true });
    },
  );

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['224.0.0.251', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['192.0.2.1', 'documentation'],
    ['::ffff:127.0.0.1', 'IPv4-mapped form of loopback'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped form of link-local'],
    ['::127.0.0.1', 'IPv4-compatible form of loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 form of link-local'],
    ['64:ff9b::10.0.0.1', 'NAT64 form of private'],
    ['2002:7f00:1::', '6to4 form of loopback'],
    ['2001::1', 'Teredo'],
    ['fe80::1%eth0', 'link-local'],
  ])('refuses %s (%s)', (address, range) => {
    const verdict = checkAddress(address);
    expect(verdict.allowed).toBe(false);
    // "NAT64 form of link-local": the wrapper and the IPv4 range it carries are both named.
    for (const part of range.split(' form of ')) expect(verdict.range).toContain(part);
  });

  it('lets loopback through only when asked, and nothing else with it', () => {
    expect(checkAddress('127.0.0.1', { allowLoopback: true })).toEqual({ allowed: true });
    expect(checkAddress('::1', { allowLoopback: true })).toEqual({ allowed: true });
    expect(checkAddress('10.0.0.1', { allowLoopback: true }).allowed).toBe(false);
    expect(checkAddress('169.254.169.254', { allowLoopback: true }).allowed).toBe(false);
    expect(checkAddress('localhost', { allowLoopback: true }).allowed).toBe(false);
  });
});

describe('the HTTPS fetcher refuses before connecting', () => {
  it.each([
    'https://127.0.0.1/did.json',
    'https://2130706433/did.json',
    'https://0177.0.0.1/did.json',
    'https://0x7f.1/did.json',
    'https://127.1/did.json',
    'https://0x7f000001/did.json',
    'https://[::ffff:127.0.0.1]/did.json',
    'https://[::1]/did.json',
    'https://169.254.169.254/latest/meta-data/',
    'https://2852039166/latest/meta-data/',
    'https://[fe80::1]/x',
    'https://100.64.0.1/x',
    'https://[fd00::1]/x',
    'https://[64:ff9b::a9fe:a9fe]/x',
    'https://[::ffff:a9fe:a9fe]/x',
    'https://224.0.0.1/x',
    'https://0.0.0.0/x',
    'https://0/x',
    'https://255.255.255.255/x',
    'https://240.0.0.1/x',
    'https://10.1.2.3/x',
    'https://172.16.0.1/x',
    'https://192.168.1.1/x',
    'https://[2002:a9fe:a9fe::]/x',
    'https://[::127.0.0.1]/x',
    'https://[ff02::1]/x',
    'https://[::]/x',
  ])('%s', async (url) => {
    const { attempts, request } = recordingRequest();
    const { calls, resolve } = resolverOf({});
    const error = await refusal(url, { request, resolve });
    expect(error.code).toBe('ADDRESS_REFUSED');
    expect(attempts).toEqual([]);
    // A literal address is judged as it is: nothing to resolve.
    expect(calls).toEqual([]);
  });

  it.each([
    ['metadata.internal', ['169.254.169.254']],
    ['localhost', ['127.0.0.1', '::1']],
    ['db.corp.example', ['10.20.30.40']],
    ['v6.corp.example', ['fd00:ec2::254']],
    ['mapped.example', ['::ffff:192.168.1.1']],
    ['mixed.example', ['93.184.216.34', '10.0.0.7']],
  ])('a name that resolves to a non-public address: %s → %j', async (name, addresses) => {
    const { attempts, request } = recordingRequest();
    const { calls, resolve } = resolverOf({ [name]: addresses });
    const error = await refusal(`https://${name}/did.json`, { request, resolve });
    expect(error.code).toBe('ADDRESS_REFUSED');
    expect(attempts).toEqual([]);
    expect(calls).toEqual([name]);
  });

  it('strips a trailing dot before resolving and still refuses', async () => {
    const { attempts, request } = recordingRequest();
    const { calls, resolve } = resolverOf({ localhost: ['127.0.0.1'] });
    expect((await refusal('https://localhost./did.json', { request, resolve })).code).toBe('ADDRESS_REFUSED');
    expect(calls).toEqual(['localhost']);
    expect(attempts).toEqual([]);
  });

  it('refuses plain http before resolving anything', async () => {
    const { attempts, request } = recordingRequest();
    const { calls, resolve } = resolverOf({ 'trust.example': ['93.184.216.34'] });
    const error = await refusal('http://trust.example/did.json', { request, resolve });
    expect(error).toMatchObject({ code: 'SCHEME_REFUSED', message: expect.stringContaining('only https') });
    expect([attempts, calls]).toEqual([[], []]);
  });

  it('connects to the address it checked, not to a second answer of the resolver', async () => {
    const { attempts, request } = recordingRequest();
    let answers = 0;
    // A rebinding resolver: public first, the metadata address on every later question.
    const resolve = async (): Promise<ResolvedAddress[]> => [{ address: answers++ === 0 ? '93.184.216.34' : '169.254.169.254', family: 4 }];
    const error = await refusal('https://rebind.example/did.json', { request, resolve });
    expect(error.code).toBe('NETWORK');
    expect(attempts).toHaveLength(1);
    expect(answers).toBe(1);
    const lookup = attempts[0].options.lookup!;
    const viaLookup = await new Promise<string>((resolvePromise) => lookup('rebind.example', {}, (_e, address) => resolvePromise(address as string)));
    const viaLookupAll = await new Promise<unknown>((resolvePromise) => lookup('rebind.example', { all: true }, (_e, address) => resolvePromise(address)));
    expect(viaLookup).toBe('93.184.216.34');
    expect(viaLookupAll).toEqual([{ address: '93.184.216.34', family: 4 }]);
    expect(answers).toBe(1);
  });

  it('keeps socket errors and addresses out of the message and in the log', async () => {
    const { request } = recordingRequest();
    const { resolve } = resolverOf({ 'did.example': ['93.184.216.34'] });
    const logged: Record<string, unknown>[] = [];
    const error = await refusal('https://did.example/did.json', { request, resolve, log: { warn: (_m, meta) => logged.push(meta) } });
    expect(error.code).toBe('NETWORK');
    expect(error.message).toBe('did.example could not be reached over HTTPS');
    expect(error.message).not.toMatch(/ECONNREFUSED|93\.184/);
    expect(error.detail).toMatch(/ECONNREFUSED/);
    expect(logged).toEqual([expect.objectContaining({ failure: 'NETWORK', detail: expect.stringContaining('ECONNREFUSED') })]);
  });
});

describe('against a real HTTPS server on 127.0.0.1', () => {
  let pki: TestPki;
  let server: DidServer;
  beforeAll(async () => {
    pki = makeTestPki();
    server = await DidServer.start(pki);
    server.serve('/doc.json', { ok: true });
    server.redirect('/hop1', '/hop2');
    server.redirect('/hop2', '/hop3');
    server.redirect('/hop3', '/doc.json');
    server.redirect('/hop0', '/hop1');
    server.redirect('/to-metadata', 'https://169.254.169.254/latest/meta-data/');
    server.redirect('/to-mapped', 'https://[::ffff:10.0.0.1]/x');
  });
  afterAll(async () => server?.close());

  /** The real request function, counting the hosts it is asked to reach. */
  const countingRequest = () => {
    const hosts: string[] = [];
    return { hosts, request: (url: URL, options: RequestOptions) => (hosts.push(url.hostname), httpsRequest(url, options)) };
  };

  it('refuses loopback unless the fetcher is told to allow it', async () => {
    const { hosts, request } = countingRequest();
    expect((await refusal(server.url('/doc.json'), { ca: pki.caPem, request })).code).toBe('ADDRESS_REFUSED');
    expect(hosts).toEqual([]);
    const response = await httpsFetcher({ ca: pki.caPem, allowLoopback: true, request })(new URL(server.url('/doc.json')), limits);
    expect(JSON.parse(response.body.toString())).toEqual({ ok: true });
  });

  it('connects a name to its checked loopback address with the certificate checked against the name', async () => {
    const { calls, resolve } = resolverOf({ localhost: ['127.0.0.1'] });
    const response = await httpsFetcher({ ca: pki.caPem, allowLoopback: true, resolve })(new URL(`https://localhost:${server.port}/doc.json`), limits);
    expect(response.status).toBe(200);
    expect(calls).toEqual(['localhost']);
  });

  it('follows three redirects and refuses the fourth', async () => {
    const fetch = httpsFetcher({ ca: pki.caPem, allowLoopback: true });
    expect((await fetch(new URL(server.url('/hop1')), limits)).url).toBe(server.url('/doc.json'));
    const before = server.requests;
    const error = await refusal(server.url('/hop0'), { ca: pki.caPem, allowLoopback: true });
    expect(error.code).toBe('TOO_MANY_REDIRECTS');
    // hop0, hop1, hop2, hop3: the fourth redirect is not followed.
    expect(server.requests - before).toBe(4);
  });

  it.each([['/to-metadata'], ['/to-mapped']])('re-checks every redirect hop (%s) before connecting', async (path) => {
    const { hosts, request } = countingRequest();
    const error = await refusal(server.url(path), { ca: pki.caPem, allowLoopback: true, request });
    expect(error.code).toBe('ADDRESS_REFUSED');
    expect(hosts).toEqual(['127.0.0.1']);
  });
});
