import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'winston';
import { describeError, isConflict } from './api-errors.ts';
import type { SharedInformer, Subscribe } from './informer.ts';
import { publishQueueAges, queueDepth, reconcileDuration, reconcileTotal } from './metrics.ts';
import { objectKey } from './objects.ts';
import { WorkQueue, type QueueOptions } from './queue.ts';
import { requeueAfter, type Reconciler } from './result.ts';

export interface ControllerOptions<T extends KubernetesObject> {
  /** Metrics and log name, e.g. `gpupool`. */
  name: string;
  /** The kind this controller reconciles: every change of one of its objects queues its key. */
  informer: SharedInformer<T>;
  reconciler: Reconciler;
  /** Other informers the reconciler reads: synced before the first reconcile, so it never counts from an empty cache. */
  reads?: readonly Pick<SharedInformer<unknown>, 'start'>[];
  log: Logger;
  workers?: number;
  queue?: Omit<QueueOptions, 'workers'>;
}

/** What a manager starts and stops: a controller, whatever kind it reconciles. */
export interface Runnable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** How soon a reconcile that lost a write race reads again. */
const CONFLICT_RETRY_MS = 100;

/**
 * A reconciler behind a work queue fed by its kind's shared informer and by
 * any other event source mapped to keys (`watches`), as controller-runtime's
 * builder: `For(kind).Watches(source, mapFunc)`.
 */
export class Controller<T extends KubernetesObject> implements Runnable {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly options: ControllerOptions<T>;
  private readonly sources: (() => () => void)[] = [];
  private readonly unsubscribes: (() => void)[] = [];

  constructor(options: ControllerOptions<T>) {
    this.options = options;
    this.name = options.name;
    const { name, log, reconciler } = options;
    this.queue = new WorkQueue(
      async (key, signal) => {
        const stopTimer = reconcileDuration.startTimer({ controller: name });
        try {
          const result = await reconciler.reconcile(key, signal);
          reconcileTotal.inc({ controller: name, result: 'success' });
          return result;
        } catch (error) {
          // Someone else wrote first: read again soon, as controller-runtime does. Not worth a warning.
          if (!isConflict(error)) {
            reconcileTotal.inc({ controller: name, result: 'error' });
            throw error;
          }
          reconcileTotal.inc({ controller: name, result: 'conflict' });
          log.debug('conflict; reading again', { component: name, key });
          return requeueAfter(CONFLICT_RETRY_MS);
        } finally {
          stopTimer();
          queueDepth.set({ controller: name }, this.queue.depth);
        }
      },
      { workers: options.workers ?? 2, ...options.queue },
    );
    this.queue.onError = (key, error, terminal) =>
      terminal
        ? log.warn('reconcile failed for good; waiting for the object to change', { component: name, key, error: describeError(error) })
        : log.warn('reconcile failed; retrying with backoff', { component: name, key, error: describeError(error) });
  }

  /** Also wakes, for every event of `subscribe`, the keys `map` returns. Call before `start`. */
  watches<E>(subscribe: Subscribe<E>, map: (event: E) => Iterable<string>): this {
    this.sources.push(() =>
      subscribe((event) => {
        for (const key of map(event)) this.queue.add(key);
      }),
    );
    return this;
  }

  /** Subscribes every source and resolves once the kind's cache is synced. */
  async start(): Promise<void> {
    await Promise.all((this.options.reads ?? []).map((informer) => informer.start()));
    for (const source of this.sources) this.unsubscribes.push(source());
    this.unsubscribes.push(this.options.informer.subscribe((object) => this.queue.add(objectKey(object))));
    this.unsubscribes.push(publishQueueAges(this.options.name, () => this.queue.ages()));
    await this.options.informer.start();
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Stops taking events and waits for the running reconciles, whose signals are aborted. */
  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    await this.queue.stop();
  }
}
