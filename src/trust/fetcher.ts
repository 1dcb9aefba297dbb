import { request } from 'node:https';

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

export class FetchError extends Error {}

export interface HttpsFetcherOptions {
  /** Extra CA certificates (PEM) to trust besides Node's, e.g. a private PKI. */
  ca?: string | string[];
  maxRedirects?: number;
}

/**
 * GET over HTTPS only, with an overall deadline, a body-size cap and redirects
 * followed only to https: what did:web and status-list fetches need and
 * web-did-resolver's plain fetch does not give.
 */
export function httpsFetcher(options: HttpsFetcherOptions = {}): Fetcher {
  const ca = options.ca === undefined ? undefined : ([] as string[]).concat(options.ca);
  const maxRedirects = options.maxRedirects ?? 3;

  const once = (url: URL, limits: FetchLimits, deadline: number): Promise<FetchResponse & { location?: string }> =>
    new Promise((resolve, reject) => {
      if (url.protocol !== 'https:') {
        reject(new FetchError(`refusing ${url.protocol}// URL ${url.href}: only https is allowed`));
        return;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        reject(new FetchError(`timed out after ${limits.timeoutMs} ms fetching ${url.href}`));
        return;
      }
      const req = request(url, {
        method: 'GET',
        headers: { accept: 'application/did+json, application/json, application/jwt, application/vc+jwt, */*;q=0.1' },
        ...(ca ? { ca: [...ca] } : {}),
        agent: false,
      });
      const timer = setTimeout(() => req.destroy(new FetchError(`timed out after ${limits.timeoutMs} ms fetching ${url.href}`)), remaining);
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error instanceof FetchError ? error : new FetchError(`fetching ${url.href}: ${error.message}`));
      });
      req.on('response', (res) => {
        const declared = Number(res.headers['content-length'] ?? 0);
        if (declared > limits.maxBytes) {
          req.destroy(new FetchError(`${url.href} is ${declared} bytes, more than the ${limits.maxBytes}-byte limit`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limits.maxBytes) {
            req.destroy(new FetchError(`${url.href} is more than the ${limits.maxBytes}-byte limit`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks),
            contentType: res.headers['content-type'],
            url: url.href,
            location: res.headers.location,
          });
        });
        res.on('error', (error) => {
          clearTimeout(timer);
          reject(new FetchError(`reading ${url.href}: ${error.message}`));
        });
      });
      req.end();
    });

  return async (url, limits) => {
    const deadline = Date.now() + limits.timeoutMs;
    let current = url;
    for (let hop = 0; ; hop++) {
      const response = await once(current, limits, deadline);
      if (response.status >= 300 && response.status < 400 && response.location) {
        if (hop >= maxRedirects) throw new FetchError(`too many redirects fetching ${url.href}`);
        current = new URL(response.location, current);
        continue;
      }
      return { status: response.status, body: response.body, contentType: response.contentType, url: response.url };
    }
  };
}
