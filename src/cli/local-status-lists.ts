import { FetchError, type Fetcher } from '../trust/fetcher.ts';
import { UsageError } from './errors.ts';
import { readBounded } from './input.ts';

/** `--status-list URL=FILE`, repeatable: commander's collector. */
export function collectStatusList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * A fetcher that answers each mapped status-list URL from a local file (the
 * signed list `empirectl statuslist publish` wrote), for checks offline or in
 * an air-gapped site; every other URL goes to `fallback`. The file's content
 * is verified exactly as a fetched list is: signature, issuer, expiry.
 */
export function localStatusLists(mappings: readonly string[], fallback: Fetcher): Fetcher {
  const files = new Map<string, Buffer>();
  for (const mapping of mappings) {
    const at = mapping.indexOf('=');
    if (at < 1) throw new UsageError(`--status-list ${mapping}: use URL=FILE, the list's statusListCredential URL and the signed list's file`);
    const [url, file] = [mapping.slice(0, at), mapping.slice(at + 1)];
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`--status-list ${mapping}: ${url} is not a URL (the credential's credentialStatus.statusListCredential)`);
    }
    if (parsed.protocol !== 'https:') throw new UsageError(`--status-list ${mapping}: status-list URLs are https, as credentials name them`);
    files.set(parsed.href, readBounded(file, '--status-list'));
  }
  return async (url, limits) => {
    const body = files.get(url.href);
    if (!body) return fallback(url, limits);
    if (body.length > limits.maxBytes) throw new FetchError('TOO_LARGE', `${url.href} (a local file) is larger than ${limits.maxBytes} bytes`);
    return { status: 200, body, url: url.href };
  };
}
