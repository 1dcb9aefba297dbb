import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { ClientRequest } from 'node:http';
import { isIP, type LookupFunction } from 'node:net';
import { checkAddress } from '../util/public-address.ts';

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
}

export interface FetchResponse {
  status: number;
  body: Buffer;
  contentType?: string;
  /** The URL that answered, after redirects. */
  url: string;
}

/** How trust material is fetched; injectable so tests and air-gapped sites can supply their own. */
export type Fetcher = (url: URL, limits: FetchLimits) => Promise<FetchResponse>;

export type FetchFailure = 'SCHEME_REFUSED' | 'ADDRESS_REFUSED' | 'UNRESOLVABLE' | 'NETWORK' | 'TIMEOUT' | 'TOO_LARGE' | 'TOO_MANY_REDIRECTS';

/**
 * A fetch that failed. `message` is safe for status and other readers (what
 * was asked and a generic cause); `detail` (resolved addresses, socket errors
 * such as ECONNREFUSED) is for the operator's log only: in a status it would
 * make the operator a port scanner for whoever writes a did.json.
 */
export class FetchError extends Error {
  readonly code: FetchFailure;
  readonly detail: string;
  constructor(code: FetchFailure, message: string, detail = message) {
    super(message);
    this.name = 'FetchError';
    this.code = code;
    this.detail = detail;
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Where the fetcher reports details it keeps out of errors; a winston logger fits. */
export interface FetchLog {
  warn(message: string, meta: Record<string, unknown>): unknown;
}

export interface HttpsFetcherOptions {
  /** Extra CA certificates (PEM) to trust besides Node's, e.g. a private PKI. */
  ca?: string | string[];
  maxRedirects?: number;
  /** Allow 127.0.0.0/8 and ::1: for tests and local development only. Every other non-public address stays refused. */
  allowLoopback?: boolean;
  /** Name resolution (default: the system resolver, every address). Injectable for tests. */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
  /** The HTTPS request function (default node:https's). A seam for tests that must see that nothing connects. */
  request?: (url: URL, options: RequestOptions) => ClientRequest;
  log?: FetchLog;
}

const systemResolve = async (hostname: string): Promise<ResolvedAddress[]> => dnsLookup(hostname, { all: true, verbatim: true });

/** The URL's host as a bare name or address: brackets off IPv6, trailing dot off names. */
function bareHost(url: URL): string {
  const host = url.hostname;
  if (host.startsWith('[') && host.endsWith(']')) return host.slice(1, -1);
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/**
 * GET over HTTPS only, with an overall deadline, a body-size cap, at most
 * `maxRedirects` redirects (to https only), and, on every hop, a check that
 * the host's addresses are public. The name is resolved once and the socket
 * connects to the very address that was checked (no second lookup a
 * rebinding DNS server could answer differently); TLS still verifies the
 * certificate against the host name. WHATWG URL parsing has already turned
 * `2130706433`, `0177.0.0.1`, `0x7f.1` and `127.1` into 127.0.0.1.
 */
export function httpsFetcher(options: HttpsFetcherOptions = {}): Fetcher {
  const ca = options.ca === undefined ? undefined : ([] as string[]).concat(options.ca);
  const maxRedirects = options.maxRedirects ?? 3;
  const resolve = options.resolve ?? systemResolve;
  const send = options.request ?? ((url: URL, opts: RequestOptions) => httpsRequest(url, opts));
  const policy = { allowLoopback: options.allowLoopback ?? false };

  const fail = (code: FetchFailure, message: string, detail: string, url: URL): never => {
    options.log?.warn('trust fetch failed', { component: 'trust-fetch', url: url.href, failure: code, detail });
    throw new FetchError(code, message, detail);
  };

  const withDeadline = async <T>(promise: Promise<T>, deadline: number, url: URL, limits: FetchLimits): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new FetchError('TIMEOUT', `no answer from ${url.host} within ${limits.timeoutMs} ms`)),
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  /** The one address this hop may connect to, checked; throws before any socket exists otherwise. */
  const checkedAddress = async (url: URL, deadline: number, limits: FetchLimits): Promise<ResolvedAddress> => {
    const host = bareHost(url);
    const literal = isIP(host);
    let addresses: ResolvedAddress[];
    if (literal) {
      addresses = [{ address: host, family: literal }];
    } else {
      try {
        addresses = await withDeadline(resolve(host), deadline, url, limits);
      } catch (error) {
        return fail('UNRESOLVABLE', `${url.host} cannot be resolved`, `resolving ${host}: ${(error as Error).message}`, url);
      }
      if (!addresses.length) return fail('UNRESOLVABLE', `${url.host} cannot be resolved`, `resolving ${host}: no addresses`, url);
    }
    // Every address must be public: a name that also resolves to an internal one is refused as a whole.
    for (const { address } of addresses) {
      const verdict = checkAddress(address, policy);
      if (!verdict.allowed) {
        return fail('ADDRESS_REFUSED', `${url.host} is refused: it is not a public address`, `${host} → ${address}: ${verdict.range}`, url);
      }
    }
    return addresses[0];
  };

  const once = async (url: URL, limits: FetchLimits, deadline: number): Promise<FetchResponse & { location?: string }> => {
    if (url.protocol !== 'https:') fail('SCHEME_REFUSED', `refusing ${url.protocol}// URL ${url.href}: only https is allowed`, url.href, url);
    if (deadline - Date.now() <= 0) fail('TIMEOUT', `no answer from ${url.host} within ${limits.timeoutMs} ms`, 'deadline passed before the request', url);
    const target = await checkedAddress(url, deadline, limits);
    // Node calls `lookup` for the socket; it answers with the checked address only.
    const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
      if ((lookupOptions as { all?: boolean }).all) (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [target]);
      else callback(null, target.address, target.family);
    };
    return new Promise((resolvePromise, reject) => {
      let settled = false;
      const settle = (error: FetchError | undefined, value?: FetchResponse & { location?: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          options.log?.warn('trust fetch failed', { component: 'trust-fetch', url: url.href, failure: error.code, detail: error.detail });
          reject(error);
        } else resolvePromise(value!);
      };
      const req = send(url, {
        method: 'GET',
        headers: { accept: 'application/did+json, application/json, application/jwt, application/vc+jwt, */*;q=0.1' },
        ...(ca ? { ca: [...ca] } : {}),
        agent: false,
        lookup: pinned,
      });
      const timer = setTimeout(() => {
        settle(new FetchError('TIMEOUT', `no answer from ${url.host} within ${limits.timeoutMs} ms`, `timeout fetching ${url.href} from ${target.address}`));
        req.destroy();
      }, deadline - Date.now());
      req.on('error', (error) =>
        settle(new FetchError('NETWORK', `${url.host} could not be reached over HTTPS`, `fetching ${url.href} from ${target.address}: ${error.message}`)),
      );
      req.on('response', (res) => {
        const declared = Number(res.headers['content-length'] ?? 0);
        const tooLarge = () => {
          settle(new FetchError('TOO_LARGE', `${url.href} is larger than the ${limits.maxBytes}-byte limit`));
          req.destroy();
        };
        if (declared > limits.maxBytes) return tooLarge();
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limits.maxBytes) return tooLarge();
          chunks.push(chunk);
        });
        res.on('end', () =>
          settle(undefined, {
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks),
            contentType: res.headers['content-type'],
            url: url.href,
            location: res.headers.location,
          }),
        );
        res.on('error', (error) => settle(new FetchError('NETWORK', `${url.host} could not be read`, `reading ${url.href}: ${error.message}`)));
      });
      req.end();
    });
  };

  return async (url, limits) => {
    const deadline = Date.now() + limits.timeoutMs;
    let current = url;
    for (let hop = 0; ; hop++) {
      const response = await once(current, limits, deadline);
      if (response.status >= 300 && response.status < 400 && response.location) {
        if (hop >= maxRedirects)
          fail('TOO_MANY_REDIRECTS', `more than ${maxRedirects} redirects fetching ${url.href}`, `last location ${response.location}`, url);
        try {
          current = new URL(response.location, current);
        } catch {
          fail('NETWORK', `${current.host} redirected to an unusable location`, `location ${JSON.stringify(response.location)}`, url);
        }
        continue;
      }
      return { status: response.status, body: response.body, contentType: response.contentType, url: response.url };
    }
  };
}
