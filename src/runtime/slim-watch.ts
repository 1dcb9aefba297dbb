import type { KubeConfig } from '@kubernetes/client-node';
import { Agent, request, type RequestOptions } from 'node:https';
import type { Logger } from 'winston';
import { MEMBER_READ_LIMITS, parseListPage, parseWatchEvent, type RawObject } from './watch-event.ts';
import { BoundedBody, LineSplitter } from '../util/bounded-lines.ts';
import { watchRestarts } from './metrics.ts';
import type { WatchedCollection } from './watch.ts';

export interface SlimWatchOptions<S> {
  name: string;
  kubeConfig: KubeConfig;
  /** Collection path, e.g. /api/v1/nodes. */
  path: string;
  /** Keeps only what the controllers read; the raw object is dropped. */
  transform: (raw: any) => S; // eslint-disable-line @typescript-eslint/no-explicit-any
  onChange: (object: S) => void;
  log: Logger;
  pageSize?: number;
  /** Server-side filter, e.g. `status.phase!=Succeeded`; an object leaving it arrives as DELETED. */
  fieldSelector?: string;
  /** Caps on one watch line and one list body (the server may be hostile); default MEMBER_READ_LIMITS. */
  limits?: { maxLineBytes: number; maxBodyBytes: number };
}

class GoneError extends Error {}

/**
 * A list+watch cache that stores a projection of each object. client-node's
 * informer keeps every object as a fully deserialized model instance, which
 * for 15,000 Nodes is most of the operator's heap; this one parses JSON once
 * and keeps what `transform` returns. Paged list, watch from the list's
 * resourceVersion with bookmarks, re-watch after timeouts and errors, relist
 * on 410 Gone, and every relist reports every object, so nothing is lost.
 */
export function slimWatch<S>(options: SlimWatchOptions<S>): WatchedCollection<S> {
  const cache = new Map<string, S>();
  const limits = options.limits ?? MEMBER_READ_LIMITS;
  const agent = new Agent({ keepAlive: true });
  const server = options.kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error(`${options.name}: the kubeconfig has no current cluster`);
  let stopped = false;
  let restarts = 0;
  let resourceVersion = '';
  let current: ReturnType<typeof request> | undefined;
  const keyOf = (o: RawObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  const selector = options.fieldSelector ? `&fieldSelector=${encodeURIComponent(options.fieldSelector)}` : '';

  const httpOptions = async (): Promise<RequestOptions> => {
    const opts: RequestOptions & { headers?: Record<string, string> } = { agent, headers: {} };
    await options.kubeConfig.applyToHTTPSOptions(opts);
    return { ...opts, agent };
  };

  const get = async (query: string): Promise<{ metadata?: { resourceVersion?: string; continue?: string }; items: RawObject[] }> => {
    const opts = await httpOptions();
    return new Promise((resolve, reject) => {
      const req = request(`${server}${options.path}?${query}`, { ...opts, method: 'GET' }, (res) => {
        const body = new BoundedBody(limits.maxBodyBytes, `list ${options.path}`);
        res.on('data', (c: Buffer) => {
          try {
            body.add(c);
          } catch (error) {
            reject(error as Error);
            req.destroy();
          }
        });
        res.on('end', () => {
          if (res.statusCode === 410) return reject(new GoneError('list continue token expired'));
          if (res.statusCode !== 200) return reject(new Error(`list ${options.path}: HTTP ${res.statusCode}`));
          try {
            resolve(parseListPage(body.text()));
          } catch (error) {
            reject(error as Error);
          }
        });
        res.on('error', reject);
      });
      current = req;
      req.on('error', reject);
      req.end();
    });
  };

  const relist = async () => {
    const seen = new Map<string, S>();
    let token = '';
    let version = '';
    do {
      const page = await get(`limit=${options.pageSize ?? 500}${selector}${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
      for (const raw of page.items) seen.set(keyOf(raw), options.transform(raw));
      token = page.metadata?.continue ?? '';
      version = page.metadata?.resourceVersion ?? version;
    } while (token);
    const gone = [...cache.entries()].filter(([key]) => !seen.has(key));
    cache.clear();
    for (const [key, value] of seen) cache.set(key, value);
    resourceVersion = version;
    for (const [, value] of gone) options.onChange(value);
    for (const value of seen.values()) options.onChange(value);
  };

  /** Resolves when the server ends the watch (its timeout); rejects on errors and 410 Gone. */
  const watchOnce = async (): Promise<void> => {
    const opts = await httpOptions();
    await new Promise<void>((resolve, reject) => {
      const query = `watch=1&allowWatchBookmarks=true&timeoutSeconds=${240 + Math.floor(Math.random() * 120)}&resourceVersion=${encodeURIComponent(resourceVersion)}${selector}`;
      const req = request(`${server}${options.path}?${query}`, { ...opts, method: 'GET' }, (res) => {
        if (res.statusCode === 410) return reject(new GoneError('watch expired'));
        if (res.statusCode !== 200) return reject(new Error(`watch ${options.path}: HTTP ${res.statusCode}`));
        const lines = new LineSplitter(limits.maxLineBytes);
        res.on('data', (chunk: Buffer) => {
          // Anything wrong in a line ends this watch (it restarts and relists), never the process.
          try {
            for (const line of lines.push(chunk)) {
              if (!line.trim()) continue;
              const event = parseWatchEvent(line);
              if (event.type === 'ERROR') {
                reject(event.object.code === 410 ? new GoneError('watch expired') : new Error(`watch error ${event.object.code}`));
                req.destroy();
                return;
              }
              resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
              if (event.type === 'BOOKMARK') continue;
              const key = keyOf(event.object);
              const value = options.transform(event.object);
              if (event.type === 'DELETED') cache.delete(key);
              else cache.set(key, value);
              options.onChange(value);
            }
          } catch (error) {
            // Rejected first, so the restart logs this reason rather than the socket's "aborted".
            reject(error as Error);
            req.destroy();
          }
        });
        res.on('end', resolve);
        res.on('error', reject);
      });
      current = req;
      req.on('error', reject);
      req.end();
    });
  };

  const run = async () => {
    let needList = false;
    while (!stopped) {
      try {
        if (needList) await relist();
        needList = false;
        await watchOnce();
      } catch (error) {
        if (stopped) return;
        restarts++;
        watchRestarts.inc({ watch: options.name });
        needList = needList || error instanceof GoneError;
        if (!(error instanceof GoneError)) {
          options.log.warn('watch failed; restarting', { component: options.name, error: (error as Error).message });
          // A connection error may hide lost events only the server knew: relist to be sure.
          needList = true;
          await new Promise((r) => setTimeout(r, 1000).unref());
        }
      }
    }
  };

  const synced = relist().then(() => {
    void run();
  });
  synced.catch(() => undefined);

  return {
    list: () => [...cache.values()],
    synced,
    restarts: () => restarts,
    async stop() {
      stopped = true;
      current?.destroy();
      agent.destroy();
    },
  };
}
