import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { KindDefinition } from '../api/schema/kind.ts';
import { collectionPath, kindClient } from './kind-client.ts';
import { objectKey } from './objects.ts';
import { watchCollection, type OpenWatch, type WatchedCollection } from './watch.ts';

export type Listener<E> = (event: E) => void;
/** Registers a listener and returns how to unregister it. */
export type Subscribe<E> = (listener: Listener<E>) => () => void;

/**
 * One watch and cache of a collection for every controller that reads it, as
 * client-go's SharedInformer: the watch opens on the first `start`, and a
 * listener subscribing late is first told of every cached object, so it
 * misses nothing the others saw.
 */
export class SharedInformer<T> {
  readonly name: string;
  private readonly open: OpenWatch<T>;
  private readonly listeners = new Set<Listener<T>>();
  private watch?: WatchedCollection<T>;

  constructor(name: string, open: OpenWatch<T>) {
    this.name = name;
    this.open = open;
  }

  /** Opens the watch unless it is open; resolves once the cache is filled. */
  start(): Promise<void> {
    this.watch ??= this.open((object) => {
      for (const listener of this.listeners) listener(object);
    });
    return this.watch.synced;
  }

  list(): readonly T[] {
    return this.watch?.list() ?? [];
  }

  restarts(): number {
    return this.watch?.restarts() ?? 0;
  }

  readonly subscribe: Subscribe<T> = (listener) => {
    this.listeners.add(listener);
    for (const object of this.list()) listener(object);
    return () => this.listeners.delete(listener);
  };

  async stop(): Promise<void> {
    this.listeners.clear();
    const watch = this.watch;
    this.watch = undefined;
    await watch?.stop();
  }
}

/** The keys of the cached objects `predicate` picks: what a change elsewhere wakes. */
export function keysWhere<T extends KubernetesObject>(informer: Pick<SharedInformer<T>, 'list'>, predicate: (object: T) => boolean): string[] {
  return informer.list().filter(predicate).map(objectKey);
}

/** One SharedInformer per Cloud Empire kind on the host, made on first use. */
export class Informers {
  private readonly host: KubeConfig;
  private readonly log: Logger;
  private readonly informers = new Map<string, SharedInformer<KubernetesObject>>();

  constructor(host: KubeConfig, log: Logger) {
    this.host = host;
    this.log = log;
  }

  forKind<T extends KubernetesObject>(kind: KindDefinition): SharedInformer<T> {
    let informer = this.informers.get(kind.plural);
    if (!informer) {
      const client = kindClient<T>(this.host, kind);
      informer = new SharedInformer<KubernetesObject>(kind.plural, (onChange) =>
        watchCollection<T>({ name: kind.plural, kubeConfig: this.host, path: collectionPath(kind), list: () => client.list(), onChange, log: this.log }),
      );
      this.informers.set(kind.plural, informer);
    }
    return informer as unknown as SharedInformer<T>;
  }

  async stop(): Promise<void> {
    const all = [...this.informers.values()];
    this.informers.clear();
    await Promise.all(all.map((i) => i.stop()));
  }
}
