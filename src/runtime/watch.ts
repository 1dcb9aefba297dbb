import { makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import { describeError } from './api-errors.ts';
import { watchRestarts } from './metrics.ts';

export interface WatchedCollection<T> {
  list(): readonly T[];
  /** Resolves once the first list has filled the cache. */
  synced: Promise<void>;
  restarts(): number;
  stop(): Promise<void>;
}

/** Opens a watch that calls `onChange` with every object added, changed or deleted (and all of them again after a relist). */
export type OpenWatch<T> = (onChange: (object: T) => void) => WatchedCollection<T>;

/**
 * A list+watch cache of one collection. client-node's informer stops on any
 * watch error but 410 Gone; this one starts again after a pause, and its
 * relist reports every object again, so nothing that changed meanwhile is missed.
 */
export function watchCollection<T extends KubernetesObject>(options: {
  name: string;
  kubeConfig: KubeConfig;
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  onChange: (object: T) => void;
  log: Logger;
}): WatchedCollection<T> {
  const informer = makeInformer<T>(options.kubeConfig, options.path, options.list);
  let stopped = false;
  let restarts = 0;
  informer.on('add', options.onChange);
  informer.on('update', options.onChange);
  informer.on('delete', options.onChange);
  informer.on('error', (error) => {
    if (stopped) return;
    restarts++;
    watchRestarts.inc({ watch: options.name });
    options.log.warn('watch failed; restarting', { component: options.name, error: describeError(error) });
    setTimeout(() => {
      if (!stopped) informer.start().catch(() => undefined);
    }, 1000).unref();
  });
  const synced = informer.start();
  synced.catch(() => undefined);
  return {
    list: () => informer.list(),
    synced,
    restarts: () => restarts,
    async stop() {
      stopped = true;
      await informer.stop();
    },
  };
}
